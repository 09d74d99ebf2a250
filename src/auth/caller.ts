import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ProjectRecord, Role, UserRecord } from '../storage/ports/records.js';

/** Who is calling: a user (or the service token, which is no user) with the roles that count for this request. */
export interface Caller {
  readonly user: UserRecord | null;
  readonly roles: ReadonlySet<Role>;
}

export const ANONYMOUS: Caller = { user: null, roles: new Set() };

/** What the access guard leaves on the request for the handlers. */
export interface RequestContext {
  caller: Caller;
  /** The `{project}` of the URL, looked up once by the guard. */
  project: ProjectRecord | null;
  /** Whether a token was presented, and whether it was a known one (open routes decide themselves). */
  token: 'none' | 'unknown' | 'known';
}

export const isServiceAdmin = (caller: Caller): boolean => caller.roles.has('service_admin');

/**
 * spec 2.4, list visibility: a plain publisher (listing topics) or consumer (listing subscriptions) sees only the
 * resources whose ACL holds them; a project or service admin sees them all. The ACL filter a list asks the store for.
 */
export function aclListFilter(caller: Caller, aclRole: 'publisher' | 'consumer'): { aclUser?: string } {
  const filtered = caller.roles.has(aclRole) && !caller.roles.has('project_admin') && !isServiceAdmin(caller);
  return filtered ? { aclUser: caller.user?.uuid ?? '' } : {};
}

export function requestContext(ctx: ExecutionContext): RequestContext {
  const request = ctx.switchToHttp().getRequest<{ ams?: RequestContext }>();
  return request.ams ?? { caller: ANONYMOUS, project: null, token: 'none' };
}

/** The authenticated caller of this request. */
export const CallerParam = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => requestContext(ctx).caller);

/** The project named in the URL, already checked to exist. */
export const UrlProject = createParamDecorator((_: unknown, ctx: ExecutionContext): ProjectRecord => {
  const project = requestContext(ctx).project;
  if (project === null) throw new Error('route has no {project}');
  return project;
});

/** The whole request context, for open routes that authenticate themselves. */
export const Context = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestContext => requestContext(ctx));
