/**
 * The method+path patterns the router knows, so that a known path with the wrong method answers 405 instead of 404
 * (spec 1.1). Patterns are find-my-way route strings as registered.
 */
export class RouteTable {
  private readonly routes: { method: string; pattern: RegExp }[] = [];

  add(method: string | string[], url: string): void {
    for (const m of Array.isArray(method) ? method : [method]) {
      this.routes.push({ method: m.toUpperCase(), pattern: routePattern(url) });
    }
  }

  /**
   * The methods the path is served with, sorted (for the `Allow` header of a 405); empty for an unknown path. HEAD and
   * OPTIONS (added by the framework for every route) do not make a path known.
   */
  methodsOf(path: string): string[] {
    const methods = this.routes.filter((route) => route.pattern.test(path)).map((route) => route.method);
    if (!methods.some((method) => method !== 'HEAD' && method !== 'OPTIONS')) return [];
    return [...new Set(methods)].sort();
  }
}

/** `:name(regex)` -> that regex, `:name` -> one segment, `::` -> a literal colon, `*` -> anything. */
export function routePattern(url: string): RegExp {
  let out = '';
  let i = 0;
  while (i < url.length) {
    const c = url[i];
    if (c === ':' && url[i + 1] === ':') {
      out += ':';
      i += 2;
    } else if (c === ':') {
      let j = i + 1;
      while (j < url.length && /[A-Za-z0-9_]/.test(url[j])) j++;
      if (url[j] === '(') {
        const close = url.indexOf(')', j);
        out += `(?:${url.slice(j + 1, close).replace(/^\^/, '').replace(/\$$/, '')})`;
        i = close + 1;
      } else {
        out += '[^/]+';
        i = j;
      }
    } else if (c === '*') {
      out += '.*';
      i += 1;
    } else {
      out += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  return new RegExp(`^${out}$`);
}
