import type { Page, PageQuery } from '../../common/pagination.js';
import type { CursorState, LeaseState, PushConfigRecord, SubscriptionActivity, SubscriptionRecord } from './records.js';

export const SUBSCRIPTIONS = Symbol('SubscriptionStore');

export type SubscriptionPatch = Partial<
  Pick<SubscriptionRecord, 'ackDeadlineSeconds' | 'authorizedUsers' | 'pushStatus' | 'expirationTtlSeconds' | 'expiresAt'>
> & {
  pushConfig?: PushConfigRecord | null;
};

export type NewCursor = Omit<CursorState, 'version'>;

/** A new LeaseState, written as a whole: the cursor with every lease and acknowledged offset that remains. */
export interface NewLeaseState {
  readonly cursor: NewCursor;
  readonly leases: LeaseState['leases'];
  readonly acked: LeaseState['acked'];
}

/** `aclUser` keeps only subscriptions whose ACL holds that user uuid; `topicName` those of one topic. */
export interface SubscriptionFilter {
  readonly aclUser?: string;
  readonly topicName?: string;
}

/**
 * Subscriptions with their cursor and, in individual ack mode, their leases and acknowledged offsets. Lists are newest
 * first; unknown page positions answer null. Cursor changes are compare-and-set on `CursorState.version`.
 */
export interface SubscriptionStore {
  /** False when the project already has a subscription of that name. */
  createSubscription(subscription: SubscriptionRecord): Promise<boolean>;
  subscription(projectUuid: string, name: string): Promise<SubscriptionRecord | null>;
  listSubscriptions(projectUuid: string, filter: SubscriptionFilter, page: PageQuery): Promise<Page<SubscriptionRecord> | null>;
  updateSubscription(projectUuid: string, name: string, patch: SubscriptionPatch): Promise<SubscriptionRecord | null>;
  /** Removes the subscription with its leases and resource counters. */
  deleteSubscription(projectUuid: string, name: string): Promise<boolean>;
  /**
   * The active push subscriptions of every project (push config present and verified; mattermost ones are verified
   * from the start), in creation order: what push workers serve (spec 4.6).
   */
  listActivePushSubscriptions(): Promise<SubscriptionRecord[]>;
  /** Names of the project's subscriptions whose ACL holds the user, in creation order (user views, spec 3.0). */
  aclSubscriptionNames(projectUuid: string, userUuid: string): Promise<string[]>;
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
  /**
   * Moves `expiresAt` of each subscription to its activity's time + ttl, never backwards, and only while the stored ttl
   * is still the one the activity was seen with.
   */
  recordActivity(activity: readonly SubscriptionActivity[]): Promise<void>;
  /** Up to `limit` subscriptions whose `expiresAt` is at or before `now`, soonest first. */
  expiredSubscriptions(now: Date, limit: number): Promise<SubscriptionRecord[]>;
}
