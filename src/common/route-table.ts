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

  /** Whether the path is served for some method (used only after the request's own method did not match). */
  knowsPath(path: string): boolean {
    return this.routes.some((route) => route.method !== 'HEAD' && route.method !== 'OPTIONS' && route.pattern.test(path));
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
