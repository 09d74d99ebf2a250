/**
 * Domain records the storage ports speak. No driver type, SQL row or HTTP notion crosses a port (style.md).
 * Absent values are null; user references are user uuids so renames never touch them.
 */

export const PROJECT_ROLES = ['project_admin', 'publisher', 'consumer'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

export const SERVICE_ROLES = [
  'service_admin',
  'push_worker',
  'admin_viewer',
  'metrics_viewer',
  'register_admin',
  'argo_api_authn',
] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

export type Role = ProjectRole | ServiceRole;

export interface ProjectRecord {
  readonly uuid: string;
  readonly name: string;
  readonly description: string;
  readonly createdOn: Date;
  readonly modifiedOn: Date;
  /** uuid of the creating user; null when created with the service token. */
  readonly createdBy: string | null;
}

export interface Membership {
  readonly projectUuid: string;
  readonly roles: readonly ProjectRole[];
}

export interface UserRecord {
  readonly uuid: string;
  readonly name: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly organization: string;
  readonly description: string;
  /** SHA-256 of the token, hex: the lookup key. */
  readonly tokenHash: string;
  /** AES-256-GCM sealed token, for the privileged views that re-show it (spec 8.1). */
  readonly tokenSealed: string;
  readonly serviceRoles: readonly ServiceRole[];
  readonly projects: readonly Membership[];
  readonly createdOn: Date;
  readonly modifiedOn: Date;
  readonly createdBy: string | null;
}

export interface TopicRecord {
  readonly projectUuid: string;
  readonly name: string;
  /** The message log of this incarnation of the topic; a re-created topic gets a new one. */
  readonly logId: string;
  readonly schemaUuid: string | null;
  readonly authorizedUsers: readonly string[];
  readonly createdOn: Date;
  /** The topic's own message retention (`messageRetentionDuration`, pubsub-extensions 7); null: the service's. */
  readonly retentionSeconds: number | null;
}

/** A message schema of a project (spec 3.7). Topics refer to it by uuid, so a rename never touches them. */
export interface SchemaRecord {
  readonly uuid: string;
  readonly projectUuid: string;
  readonly name: string;
  readonly type: 'json' | 'avro';
  /** The schema document (a JSON Schema or an Avro schema), a JSON object kept exactly as given. */
  readonly document: Readonly<Record<string, unknown>>;
}

export type PushType = 'http_endpoint' | 'mattermost';

export interface PushConfigRecord {
  readonly type: PushType;
  readonly pushEndpoint: string;
  readonly maxMessages: number;
  readonly authorizationHeader: { readonly type: 'autogen' | 'disabled'; readonly value: string };
  readonly retryPolicy: { readonly type: 'linear' | 'slowstart'; readonly period: number };
  readonly verificationHash: string;
  readonly verified: boolean;
  readonly mattermostUrl: string;
  readonly mattermostUsername: string;
  readonly mattermostChannel: string;
  readonly base64Decode: boolean;
}

export type AckMode = 'cumulative' | 'individual';

/**
 * Where a subscription stands in its topic's log (architecture decision 3).
 * `ackFloor`: every offset below is acknowledged (AMS `offset`). `window`: the AMS single pull window of cumulative
 * mode, [ackFloor, end) handed out at `pulledAt` (AMS `next_offset` / `pending_ack`). `readOffset`: next offset never
 * delivered, which per-message leases (individual mode) advance. `version` makes every change a compare-and-set.
 */
export interface CursorState {
  readonly ackFloor: number;
  readonly readOffset: number;
  readonly window: { readonly end: number; readonly pulledAt: Date } | null;
  readonly version: number;
}

/** A message handed to a puller in individual ack mode (pubsub-extensions 1). Stored beside the cursor. */
export interface LeaseRecord {
  readonly offset: number;
  readonly deadline: Date;
  readonly deliveryAttempt: number;
  readonly leaseId: string;
}

/**
 * The delivery state of an individual-ack subscription (pubsub-extensions 1): the cursor, the messages leased out
 * (expired ones included, until redelivered or acknowledged) and the offsets acknowledged above `ackFloor`. Every
 * offset in [ackFloor, readOffset) is either leased or acknowledged; the floor passes contiguous acknowledged offsets.
 */
export interface LeaseState {
  readonly cursor: CursorState;
  readonly leases: readonly LeaseRecord[];
  /** Acknowledged offsets at or above `ackFloor`, ascending. */
  readonly acked: readonly number[];
}

export interface SubscriptionRecord {
  readonly projectUuid: string;
  readonly name: string;
  /** Short name of the topic in the same project; the subscription outlives the topic (spec 4.5). */
  readonly topicName: string;
  readonly ackDeadlineSeconds: number;
  readonly pushConfig: PushConfigRecord | null;
  readonly authorizedUsers: readonly string[];
  readonly ackMode: AckMode;
  readonly createdOn: Date;
  readonly cursor: CursorState;
  /**
   * The last push delivery failure (`<time> - Could not send message, <detail>`), written by the push worker when the
   * outcome changes; null while deliveries succeed or before the first attempt (spec 4.6 `pushStatus`).
   */
  readonly pushStatus: string | null;
  /**
   * `expirationPolicy.ttl` in seconds (pubsub-extensions 7): house-keeping deletes the subscription once `expiresAt`
   * passed, which every pull, acknowledge or push delivery moves to that time + ttl. Both null: it never expires.
   */
  readonly expirationTtlSeconds: number | null;
  readonly expiresAt: Date | null;
}

/** Activity on a subscription that expires (a pull, acknowledge or push), recorded in batches. */
export interface SubscriptionActivity {
  readonly projectUuid: string;
  readonly name: string;
  /** The ttl the activity was seen with: a batch never applies an old ttl after a change of the policy. */
  readonly ttlSeconds: number;
  readonly at: Date;
}

/** A message as a publisher hands it over. */
export interface NewMessage {
  readonly data: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** A message as the log keeps it. `publishTime` is epoch microseconds stamped at append time. */
export interface StoredMessage extends NewMessage {
  readonly offset: number;
  readonly publishTime: number;
}

/** Offsets of a log: `min` oldest retained, `max` the next offset to be written. */
export interface LogBounds {
  readonly min: number;
  readonly max: number;
}

/** Messages published to one topic on one UTC day (spec 4.1, 4.8). `day` is `YYYY-MM-DD`. */
export interface DailyCount {
  readonly projectUuid: string;
  readonly topicName: string;
  readonly day: string;
  readonly messages: number;
  readonly bytes: number;
}

/**
 * Increments of daily counters rolled up in memory and written together. `id` is unique per batch and makes the write
 * idempotent: a batch retried after a failure whose outcome was unknown never counts twice.
 */
export interface DailyCountBatch {
  readonly id: string;
  readonly counts: readonly DailyCount[];
}

/** Sum of a project's daily counters over a window of days. */
export interface ProjectMessageTotal {
  readonly projectUuid: string;
  readonly messages: number;
  readonly bytes: number;
}

/** Resources of a project created in a time window (VA report, spec 4.8). */
export interface CreatedCounts {
  readonly topics: number;
  readonly subscriptions: number;
  readonly users: number;
}

export const REGISTRATION_STATUSES = ['pending', 'accepted', 'declined'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/**
 * A sign-up waiting for (or decided by) a service admin (spec 3.4, 4.9). `activationToken` is null once the
 * registration is decided: it only identifies a pending sign-up. `modifiedBy` is the deciding user's name as it was
 * then (a decision record, kept when that user is renamed or deleted), null for the service token or while pending.
 */
export interface RegistrationRecord {
  readonly uuid: string;
  readonly name: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly organization: string;
  readonly description: string;
  readonly email: string;
  readonly status: RegistrationStatus;
  readonly declineComment: string;
  readonly activationToken: string | null;
  readonly registeredAt: Date;
  readonly modifiedBy: string | null;
  readonly modifiedAt: Date | null;
}

/** What the resource counters of spec 3.8 count: publishes to a topic, or messages returned by pulls of a subscription. */
export type CountedKind = 'topic' | 'subscription' | PushCountedKind;

/** Push outcomes counted per subscription incarnation (messages delivered, failed attempts, retries). */
export const PUSH_COUNTED_KINDS = ['push_delivered', 'push_failed', 'push_retried'] as const;
export type PushCountedKind = (typeof PUSH_COUNTED_KINDS)[number];

/**
 * The traffic of one topic or subscription within one rate window, rolled up in memory. `incarnation` tells a
 * resource from an earlier one of the same name: a topic's `logId`, a subscription's creation time (epoch ms, decimal).
 * `windowStart` is the start of the fixed rate window the traffic fell in; `lastAt` the time of its last message.
 */
export interface ResourceCount {
  readonly kind: CountedKind;
  readonly projectUuid: string;
  readonly name: string;
  readonly incarnation: string;
  readonly windowStart: Date;
  readonly messages: number;
  readonly bytes: number;
  readonly lastAt: Date;
}

/** Increments of resource counters written together; `id` makes the write idempotent (as DailyCountBatch). */
export interface ResourceCountBatch {
  readonly id: string;
  readonly counts: readonly ResourceCount[];
}

/**
 * The counters of one topic or subscription: totals, the time of the last message, and the latest rate window that saw
 * traffic with the messages counted in it (null until the first roll-up).
 */
export interface ResourceCounters {
  readonly messages: number;
  readonly bytes: number;
  readonly lastAt: Date | null;
  readonly rateWindow: { readonly start: Date; readonly messages: number } | null;
}

/** The latest CPU and memory sample of one API node (spec 3.8 `ams_node`), one per host name. */
export interface NodeSampleRecord {
  readonly host: string;
  readonly cpu: number;
  readonly memory: number;
  readonly sampledAt: Date;
}

/** What one orphan sweep removed: records that refer to a project that no longer exists. */
export interface OrphanCounts {
  readonly topics: number;
  readonly subscriptions: number;
  readonly dailyCounts: number;
  /** Memberships (of users that still exist) in projects that no longer do. */
  readonly memberships: number;
}

/** Outcome of a rename-capable update. */
export type UpdateOutcome<T> = T | 'missing' | 'name-taken';
