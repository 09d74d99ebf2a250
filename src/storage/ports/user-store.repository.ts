import type { Page, PageQuery } from '../../common/pagination.js';
import type { Membership, ServiceRole, UpdateOutcome, UserRecord } from './records.js';

export const USERS = Symbol('UserStore');

export type UserPatch = Partial<
  Pick<UserRecord, 'name' | 'email' | 'firstName' | 'lastName' | 'organization' | 'description' | 'tokenHash' | 'tokenSealed'>
> & {
  serviceRoles?: readonly ServiceRole[];
  /** Replaces every membership (a user update with `projects[]`); one membership changes with setMembership. */
  projects?: readonly Membership[];
  modifiedOn: Date;
};

export interface UserFilter {
  readonly projectUuid?: string;
}

/**
 * Users and their project memberships. A membership changes with one atomic update of that membership alone, so
 * concurrent changes to one user's memberships in different projects never lose one another. Lists are newest first;
 * a page answers null when `after` is not a position this store handed out.
 */
export interface UserStore {
  /** False when the name is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  userByName(name: string): Promise<UserRecord | null>;
  userByUuid(uuid: string): Promise<UserRecord | null>;
  userByTokenHash(tokenHash: string): Promise<UserRecord | null>;
  usersByUuid(uuids: readonly string[]): Promise<UserRecord[]>;
  usersByName(names: readonly string[]): Promise<UserRecord[]>;
  listUsers(filter: UserFilter, page: PageQuery): Promise<Page<UserRecord> | null>;
  updateUser(uuid: string, patch: UserPatch): Promise<UpdateOutcome<UserRecord>>;
  deleteUser(uuid: string): Promise<boolean>;
  /**
   * Gives the user `membership.roles` in its project: the membership, new or changed, goes last (the order user views
   * show). Answers the changed user, or null when the user does not exist.
   */
  setMembership(userUuid: string, membership: Membership, modifiedOn: Date): Promise<UserRecord | null>;
  /** Adds the membership only when the user holds none in that project; answers whether it was added. */
  addMembership(userUuid: string, membership: Membership, modifiedOn: Date): Promise<boolean>;
  /** Removes the user's membership in the project; answers the changed user, or null when the user does not exist. */
  removeMembership(userUuid: string, projectUuid: string, modifiedOn: Date): Promise<UserRecord | null>;
}
