import type { Page, PageQuery } from '../../common/pagination.js';
import type {
  CreatedCounts,
  CountedKind,
  CursorState,
  DailyCount,
  DailyCountBatch,
  LeaseState,
  Membership,
  NodeSampleRecord,
  OrphanCounts,
  ProjectRecord,
  ProjectMessageTotal,
  PushConfigRecord,
  RegistrationRecord,
  RegistrationStatus,
  ResourceCountBatch,
  ResourceCounters,
  SchemaRecord,
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

export type SchemaPatch = Partial<Pick<SchemaRecord, 'name' | 'type' | 'document'>>;

export type TopicPatch = Partial<Pick<TopicRecord, 'schemaUuid' | 'authorizedUsers'>>;

export type SubscriptionPatch = Partial<Pick<SubscriptionRecord, 'ackDeadlineSeconds' | 'authorizedUsers' | 'pushStatus'>> & {
  pushConfig?: PushConfigRecord | null;
};

export type NewCursor = Omit<CursorState, 'version'>;

/** A new LeaseState, written as a whole: the cursor with every lease and acknowledged offset that remains. */
export interface NewLeaseState {
  readonly cursor: NewCursor;
  readonly leases: LeaseState['leases'];
  readonly acked: LeaseState['acked'];
}

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
/** Exact-match filters of `GET /registrations` (spec 3.4); absent fields do not filter. */
export interface RegistrationFilter {
  readonly status?: string;
  readonly name?: string;
  readonly email?: string;
  readonly organization?: string;
  readonly activationToken?: string;
}

/** The fields a decision (or its undoing) changes on a registration. */
export type RegistrationChange = Pick<
  RegistrationRecord,
  'status' | 'declineComment' | 'activationToken' | 'modifiedBy' | 'modifiedAt'
>;

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
  /**
   * Removes the project with its topics, subscriptions, daily and resource counters and every user's membership in it.
   */
  /** Removes the project with its topics, subscriptions, schemas, daily counters and every user's membership in it. */
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
  /** Removes the topic with its resource counters (its daily counters stay: they are the project's history). */
  deleteTopic(projectUuid: string, name: string): Promise<boolean>;

  /** False when the project already has a schema of that name. */
  createSchema(schema: SchemaRecord): Promise<boolean>;
  schemaByUuid(uuid: string): Promise<SchemaRecord | null>;
  schemaByName(projectUuid: string, name: string): Promise<SchemaRecord | null>;
  /** The project's schemas in creation order (not paginated, spec 1.7). */
  listSchemas(projectUuid: string): Promise<SchemaRecord[]>;
  /** A rename onto a name the project already uses is 'name-taken' and changes nothing. */
  updateSchema(uuid: string, patch: SchemaPatch): Promise<UpdateOutcome<SchemaRecord>>;
  /** Removes the schema and detaches it from every topic that uses it (spec 3.7). */
  deleteSchema(uuid: string): Promise<boolean>;

  createSubscription(subscription: SubscriptionRecord): Promise<boolean>;
  subscription(projectUuid: string, name: string): Promise<SubscriptionRecord | null>;
  listSubscriptions(
    projectUuid: string,
    filter: SubscriptionFilter,
    page: PageQuery,
  ): Promise<Page<SubscriptionRecord> | null>;
  updateSubscription(projectUuid: string, name: string, patch: SubscriptionPatch): Promise<SubscriptionRecord | null>;
  /** Removes the subscription with its leases and resource counters. */
  deleteSubscription(projectUuid: string, name: string): Promise<boolean>;
  /**
   * The active push subscriptions of every project (push config present and verified; mattermost ones are verified
   * from the start), in creation order: what push workers serve (spec 4.6).
   */
  listActivePushSubscriptions(): Promise<SubscriptionRecord[]>;
  /** Applies only while the stored cursor still has `expectedVersion`; says whether it applied. */
  compareAndSetCursor(projectUuid: string, name: string, expectedVersion: number, next: NewCursor): Promise<boolean>;
  /**
   * The cursor, leases and out-of-order acknowledged offsets of a subscription (individual ack mode), read together;
   * null when the subscription does not exist. Leases ascending by offset.
   */
  leaseState(projectUuid: string, name: string): Promise<LeaseState | null>;
  /**
   * Replaces the cursor, the leases and the acknowledged offsets in one atomic change, applied only while the stored
   * cursor still has `expectedVersion` (which it increments, as compareAndSetCursor does); says whether it applied.
   */
  compareAndSetLeases(projectUuid: string, name: string, expectedVersion: number, next: NewLeaseState): Promise<boolean>;

  /** Short names of the topics and subscriptions of a project whose ACL holds the user (user views, spec 3.0). */
  aclResourcesOf(projectUuid: string, userUuid: string): Promise<{ topics: string[]; subscriptions: string[] }>;

  // ---- user registrations (spec 3.4) ----------------------------------------------------------------------------

  /** False when the uuid is taken. */
  createRegistration(registration: RegistrationRecord): Promise<boolean>;
  registrationByUuid(uuid: string): Promise<RegistrationRecord | null>;
  /** Registrations matching every given filter field exactly, in registration order (oldest first). */
  listRegistrations(filter: RegistrationFilter): Promise<RegistrationRecord[]>;
  /**
   * Applies the change only while the registration's status is still `from` (one atomic conditional update), so of
   * two racing decisions on one registration exactly one applies. Answers the changed record, or null when the
   * registration does not exist or its status is no longer `from`.
   */
  changeRegistration(uuid: string, from: RegistrationStatus, change: RegistrationChange): Promise<RegistrationRecord | null>;
  deleteRegistration(uuid: string): Promise<boolean>;

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

  // ---- resource counters of topics and subscriptions (spec 3.8) ---------------------------------------------------

  /**
   * Applies every increment of the batch to the counters of its resource incarnation: totals add up, `lastAt` keeps
   * the latest, and the rate window moves to the newest `windowStart` seen (messages of the same window add up, an
   * older window leaves it alone). Idempotent per `batch.id` like addDailyCounts. Increments of a resource
   * incarnation that does not exist (deleted, or re-created since) are dropped. Rejects when the write may not have
   * happened; the caller retries the same batch.
   */
  addResourceCounts(batch: ResourceCountBatch): Promise<void>;
  /** The counters of one resource incarnation; zeros and nulls when nothing was counted. */
  resourceCounters(kind: CountedKind, projectUuid: string, name: string, incarnation: string): Promise<ResourceCounters>;

  // ---- API nodes (spec 3.8 `GET /metrics`) ------------------------------------------------------------------------

  /** Replaces the node's sample (one per host, spec 5.2). */
  putNodeSample(sample: NodeSampleRecord): Promise<void>;
  /** Every node's latest sample, by host name. */
  nodeSamples(): Promise<NodeSampleRecord[]>;
  // ---- house-keeping (src/housekeeping) -------------------------------------------------------------------------

  /**
   * Forgets the applied-batch ids (addDailyCounts) kept for counters of days before `beforeDay` (`YYYY-MM-DD`), so
   * they do not pile up for ever. The caller passes a day that no batch which can still be retried touches
   * (batchIdsForgettableBefore); ids of later days stay, so those batches stay idempotent. Answers how many counters
   * had ids to forget (an adapter that bounds its ids otherwise answers 0).
   */
  forgetDailyCountBatches(beforeDay: string): Promise<number>;
  /**
   * Removes the topics, subscriptions and daily counters of projects that no longer exist, and the memberships users
   * hold in them: what a project delete interrupted by a crash, or a write racing with it, leaves behind. A project
   * that exists at the moment of the sweep keeps everything (uuids are never reused, so a missing one stays missing).
   */
  removeOrphans(): Promise<OrphanCounts>;
  /** The log id of every topic record, orphaned ones included: the logs something still refers to. Any order. */
  topicLogIds(): Promise<string[]>;
}
