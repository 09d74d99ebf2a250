/** Offsets in a topic's log. Pure functions. */

/** A log's offsets: the oldest retained one (`min`) and the next one to be written (`max`). */
export interface OffsetRange {
  readonly min: number;
  readonly max: number;
}

/**
 * An offset held inside the log: one below the oldest retained message (removed by retention) is raised to it, one
 * past the end (the topic was deleted and re-created) is lowered to it. A subscription's ack floor is read this way.
 */
export function clampToLog(offset: number, bounds: OffsetRange): number {
  return Math.min(Math.max(offset, bounds.min), bounds.max);
}
