import type { Page, PageQuery } from '../../common/pagination.js';
import type {
  CursorState,
  Membership,
  ProjectRecord,
  PushConfigRecord,
  ServiceRole,
  SubscriptionRecord,
  TopicRecord,
  UserRecord,
} from './records.js';

export const METADATA_STORE = Symbol('MetadataStore');

export type ProjectPatch = Partial<Pick<ProjectRecord, 'name' | 'description'>> & { modifiedOn: Date };

export type UserPatch = Partial<
  Pick<UserRecord, 'name' | 'email' | 'firstName' | 'lastName' | 'organization' | 'description' | 'tokenHash' | 'tokenSealed'>
> & {
  serviceRoles?: readonly ServiceRole[];
  projects?: readonly Membership[];
  modifiedOn: Date;
};

export type TopicPatch = Partial<Pick<TopicRecord, 'schemaUuid' | 'authorizedUsers'>>;

export type SubscriptionPatch = Partial<Pick<SubscriptionRecord, 'ackDeadlineSeconds' | 'authorizedUsers'>> & {
  pushConfig?: PushConfigRecord | null;
};

export type NewCursor = Omit<CursorState, 'version'>;

/** Filters of list calls; `aclUser` keeps only resources whose ACL holds that user uuid. */
export interface TopicFilter {
  readonly aclUser?: string;
}
export interface SubscriptionFilter {
  readonly aclUser?: string;
  readonly topicName?: string;
}
export interface UserFilter {
  readonly projectUuid?: string;
}

/** Outcome of a rename-capable update. */
export type UpdateOutcome<T> = T | 'missing' | 'name-taken';

/**
 * Everything but message bodies: users, projects, topics, subscriptions and their cursors (architecture.md).
 * Creates answer false when the natural key is taken. Lists are newest first; a page answers null when `after` is
 * not a position this store handed out. Cursor changes are compare-and-set on `CursorState.version`.
 */
export interface MetadataStore {
  ping(): Promise<void>;

  createProject(project: ProjectRecord): Promise<boolean>;
  projectByName(name: string): Promise<ProjectRecord | null>;
  projectByUuid(uuid: string): Promise<ProjectRecord | null>;
  /** In creation order (spec 3.1: store order). */
  listProjects(): Promise<ProjectRecord[]>;
  updateProject(uuid: string, patch: ProjectPatch): Promise<UpdateOutcome<ProjectRecord>>;
  /** Removes the project with its topics, subscriptions and every user's membership in it. */
  deleteProject(uuid: string): Promise<boolean>;

  createUser(user: UserRecord): Promise<boolean>;
  userByName(name: string): Promise<UserRecord | null>;
  userByUuid(uuid: string): Promise<UserRecord | null>;
  userByTokenHash(tokenHash: string): Promise<UserRecord | null>;
  usersByUuid(uuids: readonly string[]): Promise<UserRecord[]>;
  usersByName(names: readonly string[]): Promise<UserRecord[]>;
  listUsers(filter: UserFilter, page: PageQuery): Promise<Page<UserRecord> | null>;
  updateUser(uuid: string, patch: UserPatch): Promise<UpdateOutcome<UserRecord>>;
  deleteUser(uuid: string): Promise<boolean>;

  createTopic(topic: TopicRecord): Promise<boolean>;
  topic(projectUuid: string, name: string): Promise<TopicRecord | null>;
  listTopics(projectUuid: string, filter: TopicFilter, page: PageQuery): Promise<Page<TopicRecord> | null>;
  updateTopic(projectUuid: string, name: string, patch: TopicPatch): Promise<TopicRecord | null>;
  deleteTopic(projectUuid: string, name: string): Promise<boolean>;

  createSubscription(subscription: SubscriptionRecord): Promise<boolean>;
  subscription(projectUuid: string, name: string): Promise<SubscriptionRecord | null>;
  listSubscriptions(
    projectUuid: string,
    filter: SubscriptionFilter,
    page: PageQuery,
  ): Promise<Page<SubscriptionRecord> | null>;
  updateSubscription(projectUuid: string, name: string, patch: SubscriptionPatch): Promise<SubscriptionRecord | null>;
  deleteSubscription(projectUuid: string, name: string): Promise<boolean>;
  /** Applies only while the stored cursor still has `expectedVersion`; says whether it applied. */
  compareAndSetCursor(projectUuid: string, name: string, expectedVersion: number, next: NewCursor): Promise<boolean>;

  /** Short names of the topics and subscriptions of a project whose ACL holds the user (user views, spec 3.0). */
  aclResourcesOf(projectUuid: string, userUuid: string): Promise<{ topics: string[]; subscriptions: string[] }>;
}
