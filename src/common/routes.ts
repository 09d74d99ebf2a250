/**
 * AMS actions are a `:verb` suffix on a path variable (`/topics/T:publish`). The router reads `:` as a parameter,
 * so these paths are spelled in its syntax here, in one place: the variable stops at the first colon and `::` is a
 * literal colon. The OpenAPI document spells them back as clients call them (see openApiPath).
 */
export const verb = (param: string, action: string): string => `:${param}(^[^:/]+)::${action}`;

/** The route label of a request nobody routes (404, 405): one value, however many paths clients try. */
export const UNMATCHED = 'unmatched';

/**
 * The route label of a request: the registered route pattern as the OpenAPI document spells it
 * (`/v1/projects/:project/topics/:topic(^[^:/]+)::publish` -> `/v1/projects/{project}/topics/{topic}:publish`), never
 * the raw URL. No pattern (the router found no route) -> `unmatched`.
 */
export function routeLabel(pattern: string | undefined): string {
  if (pattern === undefined || pattern === '') return UNMATCHED;
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith('::', i)) {
      out += ':';
      i += 2;
    } else if (pattern[i] === ':') {
      let j = i + 1;
      while (j < pattern.length && /\w/.test(pattern[j])) j++;
      out += `{${pattern.slice(i + 1, j)}}`;
      i = pattern[j] === '(' ? pattern.indexOf(')', j) + 1 : j;
    } else {
      out += pattern[i];
      i += 1;
    }
  }
  return out;
}
