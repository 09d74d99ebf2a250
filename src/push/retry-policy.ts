import type { PushConfigRecord } from '../storage/ports/records.js';

/**
 * The interval between two push attempts of one subscription (spec 4.6), as pure functions of the policy, the
 * previous interval and the outcome of the attempt just made.
 *  - linear: every `period` ms whatever the outcome; the first attempt at once.
 *  - slowstart: the first attempt after 1 s; a success after a success halves the interval (not below 300 ms); a
 *    failure doubles it (not above 24 h); the first success after a failure starts again at 1 s.
 * An attempt that found nothing to send counts as a success: nothing failed.
 */

export type RetryPolicy = PushConfigRecord['retryPolicy'];
export type AttemptOutcome = 'success' | 'failure';

export const SLOWSTART_INITIAL_MS = 1000;
export const SLOWSTART_FLOOR_MS = 300;
export const SLOWSTART_CAP_MS = 24 * 3600 * 1000;

export interface RetryState {
  /** The interval that was waited before the attempt just made. */
  readonly intervalMs: number;
  readonly lastOutcome: AttemptOutcome | null;
}

/** How long to wait before the very first attempt, and the state that goes with it. */
export function firstAttempt(policy: RetryPolicy): RetryState {
  return { intervalMs: policy.type === 'slowstart' ? SLOWSTART_INITIAL_MS : 0, lastOutcome: null };
}

/** The interval before the next attempt, given the outcome of the one just made. */
export function nextAttempt(policy: RetryPolicy, state: RetryState, outcome: AttemptOutcome): RetryState {
  if (policy.type === 'linear') return { intervalMs: policy.period, lastOutcome: outcome };
  if (outcome === 'failure') {
    return { intervalMs: Math.min(Math.max(state.intervalMs, SLOWSTART_FLOOR_MS) * 2, SLOWSTART_CAP_MS), lastOutcome: outcome };
  }
  if (state.lastOutcome === 'failure') return { intervalMs: SLOWSTART_INITIAL_MS, lastOutcome: outcome };
  return { intervalMs: Math.max(Math.floor(state.intervalMs / 2), SLOWSTART_FLOOR_MS), lastOutcome: outcome };
}
