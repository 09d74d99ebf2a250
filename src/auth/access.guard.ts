import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AmsError } from '../common/ams-error.js';
import { isValidName } from '../common/names.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { PROJECTS, type ProjectStore } from '../storage/ports/project-store.repository.js';
import { USERS, type UserStore } from '../storage/ports/user-store.repository.js';
import type { ProjectRecord, Role, UserRecord } from '../storage/ports/records.js';
import { ACTION_KEY, OPEN_KEY } from './action.decorator.js';
import { type AmsAction, isAllowed } from './actions.js';
import { ANONYMOUS, type Caller, type RequestContext } from './caller.js';
import { sameSecret, TokenVault } from './token-vault.js';

type AmsRequest = FastifyRequest & { ams?: RequestContext };

/**
 * The request pipeline of spec 2.1, in its order, because the order decides which error a client sees:
 * path names (400) -> token present (401) -> URL project exists (404) -> user and its roles (401) -> role table (403).
 * Handlers then apply ACLs and the other rules that need the resource.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(PROJECTS) private readonly projectStore: ProjectStore,
    @Inject(USERS) private readonly userStore: UserStore,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    @Inject(TokenVault) private readonly vault: TokenVault,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const request = ctx.switchToHttp().getRequest<AmsRequest>();
    const params = (request.params ?? {}) as Record<string, string>;
    checkPathNames(params);

    const targets = [ctx.getHandler(), ctx.getClass()];
    const open = this.reflector.getAllAndOverride<boolean>(OPEN_KEY, targets) ?? false;
    const action = this.reflector.getAllAndOverride<AmsAction | undefined>(ACTION_KEY, targets);
    const token = this.tokenOf(request);

    if (open) {
      request.ams = await this.openContext(token);
      return true;
    }
    if (action === undefined) throw AmsError.forbidden();
    if (token === null) throw AmsError.unauthorized();

    const project = await this.urlProject(params, action);
    const caller = await this.authenticate(token, project);
    if (caller === null || caller.roles.size === 0) throw AmsError.unauthorized();
    if (!isAllowed(action, caller.roles)) throw AmsError.forbidden();
    request.ams = { caller, project, token: 'known' };
    return true;
  }

  /** spec 1.2: `both` takes the header, falling back to `?key=` when the header is absent or empty. */
  private tokenOf(request: AmsRequest): string | null {
    const header = request.headers['x-api-key'];
    const fromHeader = typeof header === 'string' && header !== '' ? header : null;
    const query = (request.query ?? {}) as Record<string, string | string[] | undefined>;
    const rawKey = Array.isArray(query.key) ? query.key[0] : query.key;
    const fromQuery = typeof rawKey === 'string' && rawKey !== '' ? rawKey : null;
    switch (this.config.authOption) {
      case 'header':
        return fromHeader;
      case 'key':
        return fromQuery;
      default:
        return fromHeader ?? fromQuery;
    }
  }

  private async urlProject(params: Record<string, string>, action: AmsAction): Promise<ProjectRecord | null> {
    if (params.project === undefined) return null;
    const project = await this.projectStore.projectByName(params.project);
    // Project create may name a missing project; when it exists, the caller's roles in it count (403, not 401).
    if (project === null && action !== 'projects:create') throw AmsError.projectNotFound();
    return project;
  }

  /** Roles = the user's roles in the URL project + its service roles; routes without a project: service roles only. */
  private async authenticate(token: string, project: ProjectRecord | null): Promise<Caller | null> {
    if (this.config.serviceToken !== null && sameSecret(token, this.config.serviceToken)) {
      return { user: null, roles: new Set<Role>(['service_admin']) };
    }
    const user = await this.userStore.userByTokenHash(this.vault.lookupHash(token));
    if (user === null) return null;
    return { user, roles: rolesOf(user, project) };
  }

  private async openContext(token: string | null): Promise<RequestContext> {
    if (token === null) return { caller: ANONYMOUS, project: null, token: 'none' };
    const caller = await this.authenticate(token, null);
    return caller === null
      ? { caller: ANONYMOUS, project: null, token: 'unknown' }
      : { caller, project: null, token: 'known' };
  }
}

export function rolesOf(user: UserRecord, project: ProjectRecord | null): ReadonlySet<Role> {
  const roles = new Set<Role>(user.serviceRoles);
  if (project !== null) {
    for (const role of user.projects.find((m) => m.projectUuid === project.uuid)?.roles ?? []) roles.add(role);
  }
  return roles;
}

/** spec 1.1: every path variable must be a plain name, checked in alphabetical order of the variable. */
function checkPathNames(params: Record<string, string>): void {
  for (const name of Object.keys(params).sort()) {
    if (!isValidName(params[name])) throw AmsError.invalid(`Invalid ${name} name`);
  }
}
