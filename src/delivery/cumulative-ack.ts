import { AmsError } from '../common/ams-error.js';
import { clampToLog } from '../common/offsets.js';
import type { NewCursor } from '../storage/ports/subscription-store.repository.js';
import type { CursorState, LogBounds } from '../storage/ports/records.js';

/**
 * AMS's cumulative acknowledge on the cursor (spec 4.2-4.4, architecture decision 3): one pull window per
 * subscription, [ackFloor, window.end); each pull replaces it; acknowledging the highest ackId moves the floor.
 * Pure functions: the service reads, decides here, and writes back with a compare-and-set.
 */

/** A floor below the oldest retained message is raised to it; one past a re-created topic's end is lowered. */
export function clampFloor(cursor: CursorState, bounds: LogBounds): number {
  return clampToLog(cursor.ackFloor, bounds);
}

/** The cursor after a pull that returned `returned` messages from the floor, even none (spec 4.2). */
export function afterPull(cursor: CursorState, floor: number, returned: number, now: Date): NewCursor {
  const end = floor + returned;
  return { ackFloor: floor, readOffset: Math.max(cursor.readOffset, end), window: { end, pulledAt: now } };
}

/**
 * The cursor after acknowledging up to `through` (highest acked offset + 1), or the AMS error for it (spec 4.3):
 * 500 `no ack pending`, 500 `wrong ack`, 408 `ack timeout` with whole-second deadline arithmetic.
 */
export function afterAcknowledge(
  cursor: CursorState,
  through: number,
  ackDeadlineSeconds: number,
  now: Date,
): NewCursor | AmsError {
  const window = cursor.window;
  if (window === null || window.end === 0) return AmsError.internal('no ack pending');
  if (through <= cursor.ackFloor || through > window.end) return AmsError.internal('wrong ack');
  const elapsed = Math.floor(now.getTime() / 1000) - Math.floor(window.pulledAt.getTime() / 1000);
  if (elapsed > ackDeadlineSeconds) return AmsError.timeout('ack timeout');
  return { ackFloor: through, readOffset: Math.max(cursor.readOffset, through), window: null };
}

/** `:modifyOffset` (spec 4.4): the floor moves to `offset` and the pull window is cleared. */
export function afterSeek(offset: number): NewCursor {
  return { ackFloor: offset, readOffset: offset, window: null };
}
