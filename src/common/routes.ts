/**
 * AMS actions are a `:verb` suffix on a path variable (`/topics/T:publish`). The router reads `:` as a parameter,
 * so these paths are spelled in its syntax here, in one place: the variable stops at the first colon and `::` is a
 * literal colon. The OpenAPI document spells them back as clients call them (see openApiPath).
 */
export const verb = (param: string, action: string): string => `:${param}(^[^:/]+)::${action}`;
