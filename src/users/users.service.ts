import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Caller, isServiceAdmin } from '../auth/caller.js';
import { TokenVault } from '../auth/token-vault.js';
import { AmsError } from '../common/ams-error.js';
import { isValidName } from '../common/names.js';
import { type PageQuery, pageBody } from '../common/pagination.js';
import { Clock, formatSeconds } from '../common/time.js';
import { PROJECTS, type ProjectStore } from '../storage/ports/project-store.repository.js';
import { SUBSCRIPTIONS, type SubscriptionStore } from '../storage/ports/subscription-store.repository.js';
import { TOPICS, type TopicStore } from '../storage/ports/topic-store.repository.js';
import { type UserPatch, USERS, type UserStore } from '../storage/ports/user-store.repository.js';
import {
  type Membership,
  PROJECT_ROLES,
  type ProjectRecord,
  type ProjectRole,
  SERVICE_ROLES,
  type ServiceRole,
  type UserRecord,
} from '../storage/ports/records.js';
import type {
  AddMemberDto,
  CreateUserDto,
  MemberDto,
  ProjectRolesDto,
  UpdateUserDto,
  UserDto,
  UserPageDto,
  UserProjectDto,
} from './dto/user.dto.js';

/** How much of a user a caller may see (spec 3.0). */
export interface UserView {
  /** service_admin views: token, service roles, creator, every project. */
  readonly privileged: boolean;
  /** Show only this project's membership (project admins on member routes). */
  readonly onlyProject?: ProjectRecord;
  /** Lists show `projects` only with `details=true`. */
  readonly withProjects?: boolean;
}

function validProjectRoles(roles: readonly string[] | undefined): ProjectRole[] {
  for (const role of roles ?? []) {
    if (!(PROJECT_ROLES as readonly string[]).includes(role)) throw AmsError.invalid(`invalid role: ${role}`);
  }
  return [...new Set(roles ?? [])] as ProjectRole[];
}

function validServiceRoles(roles: readonly string[] | undefined): ServiceRole[] {
  for (const role of roles ?? []) {
    if (!(SERVICE_ROLES as readonly string[]).includes(role)) throw AmsError.invalid(`invalid role: ${role}`);
  }
  return [...new Set(roles ?? [])] as ServiceRole[];
}

const orEmpty = (value: string | undefined): string => value ?? '';
const changed = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

@Injectable()
export class UsersService {
  constructor(
    @Inject(PROJECTS) private readonly projectStore: ProjectStore,
    @Inject(SUBSCRIPTIONS) private readonly subscriptionStore: SubscriptionStore,
    @Inject(TOPICS) private readonly topicStore: TopicStore,
    @Inject(USERS) private readonly userStore: UserStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TokenVault) private readonly vault: TokenVault,
  ) {}

  // ---- service-wide user management (service_admin) ------------------------------------------------------------

  async list(page: PageQuery, projectName: string | undefined, details: boolean): Promise<UserPageDto> {
    let projectUuid: string | undefined;
    if (projectName !== undefined && projectName !== '') {
      const project = await this.projectStore.projectByName(projectName);
      if (project === null) throw AmsError.notFound('ProjectUUID');
      projectUuid = project.uuid;
    }
    const found = await this.userStore.listUsers({ projectUuid }, page);
    if (found === null) throw AmsError.invalid('Invalid page token');
    const users = await Promise.all(found.items.map((u) => this.view(u, { privileged: true, withProjects: details })));
    return pageBody('users', found, users);
  }

  async show(name: string): Promise<UserDto> {
    return this.view(await this.existing(name), { privileged: true });
  }

  async create(caller: Caller, name: string, body: CreateUserDto): Promise<UserDto> {
    // The original answers 409 before it looks at projects and roles.
    if ((await this.userStore.userByName(name)) !== null) throw AmsError.alreadyExists('User');
    const projects = await this.memberships(body.projects);
    const serviceRoles = validServiceRoles(body.service_roles);
    return this.insert(caller, name, body, projects, serviceRoles, { privileged: true });
  }

  async update(name: string, body: UpdateUserDto): Promise<UserDto> {
    const user = await this.existing(name);
    const rename = changed(body.name);
    if (rename !== undefined && !isValidName(rename)) throw AmsError.invalid('Invalid User Arguments');
    const patch: UserPatch = {
      name: rename,
      email: changed(body.email),
      firstName: changed(body.first_name),
      lastName: changed(body.last_name),
      organization: changed(body.organization),
      description: changed(body.description),
      projects: body.projects === undefined ? undefined : await this.memberships(body.projects),
      serviceRoles: body.service_roles === undefined ? undefined : validServiceRoles(body.service_roles),
      modifiedOn: this.clock.now(),
    };
    const outcome = await this.userStore.updateUser(user.uuid, patch);
    if (outcome === 'name-taken') throw AmsError.invalid('invalid user name change, name already exists');
    if (outcome === 'missing') throw AmsError.notFound('User');
    return this.view(outcome, { privileged: true });
  }

  async delete(name: string): Promise<void> {
    const user = await this.existing(name);
    if (!(await this.userStore.deleteUser(user.uuid))) throw AmsError.notFound('User');
  }

  /** A new token replaces the old one at once (spec 3.3). */
  async refreshToken(name: string): Promise<UserDto> {
    const user = await this.existing(name);
    const issued = this.vault.issue();
    const outcome = await this.userStore.updateUser(user.uuid, {
      tokenHash: issued.tokenHash,
      tokenSealed: issued.tokenSealed,
      modifiedOn: this.clock.now(),
    });
    if (outcome === 'missing' || outcome === 'name-taken') throw AmsError.notFound('User');
    return this.view(outcome, { privileged: true });
  }

  async byToken(token: string): Promise<UserDto> {
    const user = await this.userStore.userByTokenHash(this.vault.lookupHash(token));
    if (user === null) throw AmsError.notFound('User');
    return this.view(user, { privileged: true });
  }

  async byUuid(uuid: string): Promise<UserDto> {
    const user = await this.userStore.userByUuid(uuid);
    if (user === null) throw AmsError.notFound('User');
    return this.view(user, { privileged: true });
  }

  /** The caller itself; the service token is no user (spec 4.10). */
  async profile(caller: Caller): Promise<UserDto> {
    if (caller.user === null) throw AmsError.unauthorized();
    const fresh = await this.userStore.userByUuid(caller.user.uuid);
    if (fresh === null) throw AmsError.unauthorized();
    return this.view(fresh, { privileged: true });
  }

  // ---- project members (project_admin of the URL project, or service_admin) ------------------------------------

  async listMembers(caller: Caller, project: ProjectRecord, page: PageQuery, details: boolean): Promise<UserPageDto> {
    const found = await this.userStore.listUsers({ projectUuid: project.uuid }, page);
    if (found === null) throw AmsError.invalid('Invalid page token');
    const view = { ...this.memberView(caller, project), withProjects: details };
    return pageBody('users', found, await Promise.all(found.items.map((u) => this.view(u, view))));
  }

  async showMember(caller: Caller, project: ProjectRecord, name: string): Promise<UserDto> {
    const user = await this.userStore.userByName(name);
    if (user === null || membershipIn(user, project) === null) throw AmsError.notFound('User');
    return this.view(user, this.memberView(caller, project));
  }

  /** A new user who is a member of the URL project only; the answer carries its token (spec 3.2). */
  async createMember(caller: Caller, project: ProjectRecord, name: string, body: MemberDto): Promise<UserDto> {
    if ((await this.userStore.userByName(name)) !== null) throw AmsError.alreadyExists('User');
    const roles = validProjectRoles(rolesFor(project, body.projects));
    const membership: Membership = { projectUuid: project.uuid, roles };
    // As the original: only `email` is taken from the body; names, organization and description stay empty.
    return this.insert(caller, name, { email: body.email }, [membership], [], { privileged: true, onlyProject: project });
  }

  async updateMember(caller: Caller, project: ProjectRecord, name: string, body: MemberDto): Promise<UserDto> {
    const user = await this.existing(name);
    if (membershipIn(user, project) === null) throw notAMember();
    // The original matches the body's entry for the URL project against the memberships: without one, 403.
    const entry = body.projects?.find((e) => e.project === project.name);
    if (entry === undefined) throw notAMember();
    return this.setMembership(caller, project, user, validProjectRoles(entry.roles));
  }

  async addMember(caller: Caller, project: ProjectRecord, name: string, body: AddMemberDto): Promise<UserDto> {
    const user = await this.existing(name);
    if (membershipIn(user, project) !== null) throw AmsError.conflict('User is already a member of the project');
    return this.setMembership(caller, project, user, validProjectRoles(body.roles));
  }

  async removeMember(project: ProjectRecord, name: string): Promise<Record<string, never>> {
    const user = await this.existing(name);
    if (membershipIn(user, project) === null) throw notAMember();
    await this.userStore.removeMembership(user.uuid, project.uuid, this.clock.now());
    return {};
  }

  // ---- shared ----------------------------------------------------------------------------------------------------

  /** The first service_admin, created on first start with an empty store (spec 8.2). Returns null if not needed. */
  async bootstrapAdmin(name: string, token: string): Promise<UserRecord | null> {
    const existing = await this.userStore.listUsers({}, { size: 1 });
    if (existing !== null && existing.total > 0) return null;
    const issued = this.vault.issue(token);
    const now = this.clock.now();
    const admin: UserRecord = {
      ...blankUser(name, now),
      tokenHash: issued.tokenHash,
      tokenSealed: issued.tokenSealed,
      serviceRoles: ['service_admin'],
    };
    return (await this.userStore.createUser(admin)) ? admin : null;
  }

  /**
   * The push worker user of spec 4.10 (service role push_worker), created when missing so that push works on a fresh
   * store; an existing user of that name is left as it is. Answers whether it was created.
   */
  async bootstrapPushWorker(name: string, token: string): Promise<boolean> {
    if ((await this.userStore.userByName(name)) !== null) return false;
    const issued = this.vault.issue(token);
    const worker: UserRecord = {
      ...blankUser(name, this.clock.now()),
      tokenHash: issued.tokenHash,
      tokenSealed: issued.tokenSealed,
      serviceRoles: ['push_worker'],
    };
    return this.userStore.createUser(worker);
  }

  private memberView(caller: Caller, project: ProjectRecord): UserView {
    return isServiceAdmin(caller) ? { privileged: true } : { privileged: false, onlyProject: project };
  }

  private async setMembership(caller: Caller, project: ProjectRecord, user: UserRecord, roles: ProjectRole[]): Promise<UserDto> {
    const changed = await this.userStore.setMembership(user.uuid, { projectUuid: project.uuid, roles }, this.clock.now());
    if (changed === null) throw AmsError.notFound('User');
    return this.view(changed, this.memberView(caller, project));
  }

  private async insert(
    caller: Caller,
    name: string,
    body: CreateUserDto,
    projects: Membership[],
    serviceRoles: ServiceRole[],
    view: UserView,
  ): Promise<UserDto> {
    const issued = this.vault.issue();
    const now = this.clock.now();
    const user: UserRecord = {
      ...blankUser(name, now),
      email: orEmpty(body.email),
      firstName: orEmpty(body.first_name),
      lastName: orEmpty(body.last_name),
      organization: orEmpty(body.organization),
      description: orEmpty(body.description),
      tokenHash: issued.tokenHash,
      tokenSealed: issued.tokenSealed,
      serviceRoles,
      projects,
      createdBy: caller.user?.uuid ?? null,
    };
    if (!(await this.userStore.createUser(user))) throw AmsError.alreadyExists('User');
    return this.view(user, view);
  }

  /** `projects[]` of a user create/update: every project must exist, once, with project roles only (spec 8.9). */
  private async memberships(entries: readonly ProjectRolesDto[] | undefined): Promise<Membership[]> {
    const out: Membership[] = [];
    const seen = new Set<string>();
    for (const entry of entries ?? []) {
      if (entry.project === undefined || entry.project === '') continue; // the original skips nameless entries
      if (seen.has(entry.project)) throw AmsError.invalid(`duplicate reference of project ${entry.project}`);
      seen.add(entry.project);
      const project = await this.projectStore.projectByName(entry.project);
      if (project === null) throw AmsError.invalid(`invalid project: ${entry.project}`);
      out.push({ projectUuid: project.uuid, roles: validProjectRoles(entry.roles) });
    }
    return out;
  }

  private async existing(name: string): Promise<UserRecord> {
    const user = await this.userStore.userByName(name);
    if (user === null) throw AmsError.notFound('User');
    return user;
  }

  async view(user: UserRecord, view: UserView): Promise<UserDto> {
    const memberships = view.onlyProject
      ? user.projects.filter((m) => m.projectUuid === view.onlyProject?.uuid)
      : user.projects;
    const projects = view.withProjects === false ? [] : await this.projectViews(user, memberships);
    const creator = view.privileged && user.createdBy !== null ? await this.userStore.userByUuid(user.createdBy) : null;
    const token = view.privileged ? this.vault.unseal(user.tokenSealed) : null;
    return {
      uuid: user.uuid,
      ...(projects.length > 0 ? { projects } : {}),
      name: user.name,
      ...(user.firstName ? { first_name: user.firstName } : {}),
      ...(user.lastName ? { last_name: user.lastName } : {}),
      ...(user.organization ? { organization: user.organization } : {}),
      ...(user.description ? { description: user.description } : {}),
      ...(token !== null ? { token } : {}),
      email: user.email,
      service_roles: view.privileged ? [...user.serviceRoles] : [],
      created_on: formatSeconds(user.createdOn),
      modified_on: formatSeconds(user.modifiedOn),
      ...(creator !== null ? { created_by: creator.name } : {}),
    };
  }

  private async projectViews(user: UserRecord, memberships: readonly Membership[]): Promise<UserProjectDto[]> {
    const out: UserProjectDto[] = [];
    for (const membership of memberships) {
      const project = await this.projectStore.projectByUuid(membership.projectUuid);
      if (project === null) continue;
      const topics = await this.topicStore.aclTopicNames(project.uuid, user.uuid);
      const subscriptions = await this.subscriptionStore.aclSubscriptionNames(project.uuid, user.uuid);
      out.push({ project: project.name, roles: [...membership.roles], topics, subscriptions });
    }
    return out;
  }
}

function membershipIn(user: UserRecord, project: ProjectRecord): Membership | null {
  return user.projects.find((m) => m.projectUuid === project.uuid) ?? null;
}

function rolesFor(project: ProjectRecord, entries: readonly ProjectRolesDto[] | undefined): string[] {
  return entries?.find((entry) => entry.project === project.name)?.roles ?? [];
}

function notAMember(): AmsError {
  return AmsError.forbidden('Access to this resource is forbidden. User is not a member of the project');
}

function blankUser(name: string, now: Date): UserRecord {
  return {
    uuid: randomUUID(),
    name,
    email: '',
    firstName: '',
    lastName: '',
    organization: '',
    description: '',
    tokenHash: '',
    tokenSealed: '',
    serviceRoles: [],
    projects: [],
    createdOn: now,
    modifiedOn: now,
    createdBy: null,
  };
}
