import { AmsError } from '../common/ams-error.js';
import { formatDuration, parseDurationSeconds } from '../common/durations.js';
import type { SubscriptionRecord } from '../storage/ports/records.js';

/**
 * Subscription expiration (pubsub-extensions 7): `expirationPolicy: {"ttl": "2678400s"}` deletes a subscription that
 * saw no pull, acknowledge or push delivery for that long. Pure rules; the activity itself is recorded in batches
 * (delivery/subscription-activity.ts) and house-keeping deletes what expired.
 */

/** Pub/Sub's floor: a subscription may expire after one idle day at the soonest. */
export const MIN_EXPIRATION_TTL_S = 24 * 3600;
const MAX_EXPIRATION_TTL_S = 10 * 365 * 24 * 3600;

export const INVALID_EXPIRATION = `Invalid expirationPolicy: ttl must be at least ${MIN_EXPIRATION_TTL_S}s, as "86400s" or whole seconds`;

export type Expiration = Pick<SubscriptionRecord, 'expirationTtlSeconds' | 'expiresAt'>;

/** The ttl a policy asks for; no policy, or one without a ttl (Pub/Sub's "never expire"), is null. */
export function expirationTtlOf(policy: { ttl?: string | number } | undefined): number | null {
  if (policy?.ttl === undefined) return null;
  const seconds = parseDurationSeconds(policy.ttl, MIN_EXPIRATION_TTL_S, MAX_EXPIRATION_TTL_S);
  if (typeof seconds !== 'number') throw AmsError.invalid(INVALID_EXPIRATION);
  return seconds;
}

/**
 * The expiration after the ttl is set or changed: measured from the last activity, which is `expiresAt - ttl` of the
 * old policy, or from now when there was none.
 */
export function expirationAfter(current: Expiration, ttlSeconds: number | null, now: Date): Expiration {
  if (ttlSeconds === null) return { expirationTtlSeconds: null, expiresAt: null };
  const lastActive =
    current.expiresAt === null || current.expirationTtlSeconds === null
      ? now.getTime()
      : current.expiresAt.getTime() - current.expirationTtlSeconds * 1000;
  return { expirationTtlSeconds: ttlSeconds, expiresAt: new Date(lastActive + ttlSeconds * 1000) };
}

/** What GET shows: the policy only when one is set, so an AMS client sees no new key. */
export function expirationView(subscription: Expiration): { expirationPolicy?: { ttl: string } } {
  return subscription.expirationTtlSeconds === null ? {} : { expirationPolicy: { ttl: formatDuration(subscription.expirationTtlSeconds) } };
}
