import { clampToLog } from '../common/offsets.js';
import type { NewLeaseState } from '../storage/ports/subscription-store.repository.js';
import type { LeaseRecord, LeaseState, LogBounds } from '../storage/ports/records.js';

/**
 * Per-message acknowledgement (`ackMode: "individual"`, pubsub-extensions 1) on the cursor and its leases. Every
 * offset in [ackFloor, readOffset) is either leased (to the puller that has it, or expired and waiting for
 * redelivery) or acknowledged above the floor; the floor passes contiguous acknowledged offsets. Pure functions: the
 * service reads the LeaseState, decides here, and writes it back with one compare-and-set.
 */

/**
 * At most this many offsets are tracked between the floor (the oldest unacknowledged message) and the next
 * never-delivered one, so leases plus out-of-order acknowledgements stay bounded (one MongoDB document holds them).
 * A pull beyond it hands out no new messages (expired leases are still redelivered) until the floor moves.
 */
export const MAX_TRACKED_OFFSETS = 10_000;

/** One delivery a client names in an ackId: the message offset and the lease it was handed out under. */
export interface DeliveryRef {
  readonly offset: number;
  readonly leaseId: string;
}

/** What a pull will hand out: expired leases to deliver again (ascending), then `freshCount` offsets from `freshFrom`. */
export interface PullPlan {
  readonly redeliver: readonly LeaseRecord[];
  readonly freshFrom: number;
  readonly freshCount: number;
}

/** A message handed out by a pull, with the attempt number it is delivered as. */
export interface Delivered {
  readonly offset: number;
  readonly deliveryAttempt: number;
}

/** An ackId that names no delivery of this subscription (never delivered, or beyond the log). */
export const UNKNOWN = 'unknown';

/** The state as a new state, unchanged. */
function copy(state: LeaseState): NewLeaseState {
  return { cursor: { ackFloor: state.cursor.ackFloor, readOffset: state.cursor.readOffset, window: null }, leases: state.leases, acked: state.acked };
}

/** Moves the floor over acknowledged offsets that follow it and forgets them (and anything below the floor). */
export function advanceFloor(state: NewLeaseState): NewLeaseState {
  let floor = state.cursor.ackFloor;
  const acked = [...state.acked].filter((o) => o >= floor).sort((a, b) => a - b);
  let passed = 0;
  while (passed < acked.length && acked[passed] === floor) {
    floor++;
    passed++;
  }
  return {
    cursor: { ...state.cursor, ackFloor: floor, readOffset: Math.max(state.cursor.readOffset, floor) },
    leases: state.leases.filter((l) => l.offset >= floor),
    acked: acked.slice(passed),
  };
}

/**
 * The state fitted to the log: a floor below the oldest retained message is raised to it (those messages are gone),
 * one past a re-created topic's end is lowered, and leases or acknowledgements outside [floor, readOffset) dropped.
 */
export function fitToLog(state: LeaseState, bounds: LogBounds): NewLeaseState {
  const floor = clampToLog(state.cursor.ackFloor, bounds);
  const readOffset = Math.min(Math.max(state.cursor.readOffset, floor), bounds.max);
  const inside = (offset: number): boolean => offset >= floor && offset < readOffset;
  return advanceFloor({
    cursor: { ackFloor: floor, readOffset, window: null },
    leases: state.leases.filter((l) => inside(l.offset)),
    acked: state.acked.filter(inside),
  });
}

/**
 * Which messages a pull of at most `max` hands out: expired leases first (oldest offset first), then never-delivered
 * offsets up to the log's end, as long as at most `cap` offsets are tracked from the floor on.
 */
export function planPull(state: NewLeaseState, end: number, now: Date, max: number, cap = MAX_TRACKED_OFFSETS): PullPlan {
  const redeliver = state.leases.filter((l) => l.deadline.getTime() <= now.getTime()).slice(0, max);
  const { ackFloor, readOffset } = state.cursor;
  const room = Math.max(0, cap - (readOffset - ackFloor));
  const freshCount = Math.max(0, Math.min(max - redeliver.length, end - readOffset, room));
  return { redeliver, freshFrom: readOffset, freshCount };
}

/**
 * The state after a pull handed out `redelivered` (offsets of expired leases) and `fresh` (offsets from readOffset
 * on, ascending), all leased under `leaseId` until now + `ackDeadlineSeconds`. Never-delivered offsets the fresh read
 * skipped (removed from the log meanwhile) count as acknowledged, so the floor can pass them.
 */
export function afterPull(
  state: NewLeaseState,
  redelivered: readonly number[],
  fresh: readonly number[],
  leaseId: string,
  ackDeadlineSeconds: number,
  now: Date,
): { next: NewLeaseState; delivered: Delivered[] } {
  const deadline = new Date(now.getTime() + ackDeadlineSeconds * 1000);
  const leases = new Map(state.leases.map((l) => [l.offset, l]));
  const delivered: Delivered[] = [];
  for (const offset of redelivered) {
    const old = leases.get(offset);
    if (old === undefined) continue;
    const deliveryAttempt = old.deliveryAttempt + 1;
    leases.set(offset, { offset, deadline, deliveryAttempt, leaseId });
    delivered.push({ offset, deliveryAttempt });
  }
  const acked = [...state.acked];
  let readOffset = state.cursor.readOffset;
  for (const offset of fresh) {
    for (; readOffset < offset; readOffset++) acked.push(readOffset);
    leases.set(offset, { offset, deadline, deliveryAttempt: 1, leaseId });
    delivered.push({ offset, deliveryAttempt: 1 });
    readOffset = offset + 1;
  }
  const next = advanceFloor({
    cursor: { ...state.cursor, readOffset },
    leases: [...leases.values()].sort((a, b) => a.offset - b.offset),
    acked,
  });
  return { next, delivered };
}

/** Whether the id names an offset this subscription ever handed out in its current state (else it is unknown). */
function delivered(state: LeaseState | NewLeaseState, ref: DeliveryRef): boolean {
  return ref.offset < state.cursor.readOffset;
}

/**
 * The state after acknowledging the deliveries named (all or nothing: one unknown id refuses the request).
 * Already acknowledged messages are harmless. A stale id (its message was leased again since, under another lease)
 * changes nothing: the newer delivery stays leased. An expired lease not yet handed out again can still be
 * acknowledged by its own id. `acknowledged` counts the messages newly acknowledged.
 */
export function afterAcknowledge(
  state: LeaseState,
  refs: readonly DeliveryRef[],
): { next: NewLeaseState; acknowledged: number } | typeof UNKNOWN {
  if (refs.some((ref) => !delivered(state, ref))) return UNKNOWN;
  const leases = new Map(state.leases.map((l) => [l.offset, l]));
  const acked = [...state.acked];
  let acknowledged = 0;
  for (const ref of refs) {
    const lease = leases.get(ref.offset);
    if (lease === undefined || lease.leaseId !== ref.leaseId) continue;
    leases.delete(ref.offset);
    acked.push(ref.offset);
    acknowledged++;
  }
  const next = advanceFloor({ ...copy(state), leases: [...leases.values()], acked });
  return { next, acknowledged };
}

/**
 * The state after `:modifyAckDeadline` with ackIds: the named leases (still held under that lease id) now end
 * `seconds` from now; 0 hands the messages back for redelivery at once (a nack: the next delivery counts one more
 * attempt). Acknowledged or stale ids change nothing; unknown ids refuse the request.
 */
export function afterModifyDeadlines(
  state: LeaseState,
  refs: readonly DeliveryRef[],
  seconds: number,
  now: Date,
): NewLeaseState | typeof UNKNOWN {
  if (refs.some((ref) => !delivered(state, ref))) return UNKNOWN;
  const deadline = new Date(now.getTime() + seconds * 1000);
  const named = new Map(refs.map((ref) => [ref.offset, ref.leaseId]));
  const leases = state.leases.map((l) => (named.get(l.offset) === l.leaseId ? { ...l, deadline } : l));
  return { ...copy(state), leases };
}

/** `:modifyOffset`: the floor and the next delivery move to `offset`; every lease and acknowledgement is forgotten. */
export function afterSeekIndividual(offset: number): NewLeaseState {
  return { cursor: { ackFloor: offset, readOffset: offset, window: null }, leases: [], acked: [] };
}
