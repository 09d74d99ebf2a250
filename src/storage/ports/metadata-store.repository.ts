import type { Page, PageQuery } from '../../common/pagination.js';
import type {
  CreatedCounts,
  CursorState,
  DailyCount,
  DailyCountBatch,
  Membership,
  ProjectRecord,
  ProjectMessageTotal,
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

export type SubscriptionPatch = Partial<Pick<SubscriptionRecord, 'ackDeadlineSeconds' | 'authorizedUsers' | 'pushStatus'>> & {
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

/**
 * Daily counters of a window of UTC days, both ends included (`YYYY-MM-DD`). `projectUuids` absent: every project;
 * empty: none. `topicName` narrows to one topic (with one project uuid, the series of that topic).
 */
export interface DailyCountFilter {
  readonly projectUuids?: readonly string[];
  readonly topicName?: string;
  readonly fromDay: string;
  readonly toDay: string;
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
  /** Removes the project with its topics, subscriptions, daily counters and every user's membership in it. */
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
  /**
   * The active push subscriptions of every project (push config present and verified; mattermost ones are verified
   * from the start), in creation order: what push workers serve (spec 4.6).
   */
  listActivePushSubscriptions(): Promise<SubscriptionRecord[]>;
  /** Applies only while the stored cursor still has `expectedVersion`; says whether it applied. */
  compareAndSetCursor(projectUuid: string, name: string, expectedVersion: number, next: NewCursor): Promise<boolean>;

  /** Short names of the topics and subscriptions of a project whose ACL holds the user (user views, spec 3.0). */
  aclResourcesOf(projectUuid: string, userUuid: string): Promise<{ topics: string[]; subscriptions: string[] }>;

  // ---- daily message counters (spec 4.1, 4.8) and report counts ------------------------------------------------

  /**
   * Adds every increment of the batch to its (project, topic, day) counter, creating counters that do not exist yet.
   * Idempotent per `batch.id`: a batch id applied before adds nothing again, also when only part of it got applied
   * (so a retry after an unknown outcome never double counts; an adapter without multi-document transactions records
   * the id on each counter it increments, in the same single-document update). Increments of a project that does not
   * exist are dropped, so a counter rolled up in memory cannot re-create counters of a deleted project. Rejects when
   * the write may not have happened; the caller retries the same batch.
   */
  addDailyCounts(batch: DailyCountBatch): Promise<void>;
  /** The counters of the filter's window that exist, newest day first, then by project uuid and topic name. */
  dailyCounts(filter: DailyCountFilter): Promise<DailyCount[]>;
  /**
   * Per project, the sum of its counters in the window (`topicName` of the filter is ignored); projects without a
   * counter in the window are absent. Any order.
   */
  messageTotals(filter: DailyCountFilter): Promise<ProjectMessageTotal[]>;
  /**
   * How many topics and subscriptions of the project, and users holding a membership in it (with or without roles),
   * have a creation time within [from, to], both ends included. Deleted resources are not counted.
   */
  countCreated(projectUuid: string, from: Date, to: Date): Promise<CreatedCounts>;
}
