/**
 * Durations of the Pub/Sub extensions (pubsub-extensions 10): a Pub/Sub string of whole seconds (`"600s"`) or an
 * integer number of seconds on the way in; always the string on the way out. Pure functions.
 */

/** Why a duration was refused, for the caller to put into its 400 message. */
export type DurationFault = 'not a duration' | 'out of range';

/** The seconds a duration stands for, if it is one within [min, max]. */
export function parseDurationSeconds(value: unknown, min: number, max: number): number | DurationFault {
  let seconds: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'not a duration';
    seconds = value;
  } else if (typeof value === 'string' && /^\d{1,15}s$/.test(value)) {
    seconds = Number(value.slice(0, -1));
  } else {
    return 'not a duration';
  }
  return seconds < min || seconds > max ? 'out of range' : seconds;
}

/** `600` -> `"600s"`. */
export function formatDuration(seconds: number): string {
  return `${seconds}s`;
}
