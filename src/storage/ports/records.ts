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
