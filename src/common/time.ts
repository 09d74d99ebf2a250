/** Timestamp formats of spec 1.6. Pure functions; everything is UTC. */

/** `2024-03-01T10:00:05Z`: created_on, modified_on, createdOn and friends. */
export function formatSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `publishTime`: RFC 3339 with a fraction of up to 9 digits, trailing zeros trimmed (`...05.12345Z`, `...05Z`).
 * Input is microseconds since the epoch, the resolution our logs keep.
 */
export function formatPublishTime(epochMicros: number): string {
  const millis = Math.floor(epochMicros / 1000);
  const micros = epochMicros - millis * 1000;
  const base = new Date(millis).toISOString().slice(0, 19);
  const fraction = (String(millis % 1000).padStart(3, '0') + String(micros).padStart(3, '0')).replace(/0+$/, '');
  return fraction ? `${base}.${fraction}Z` : `${base}Z`;
}

const ZULU_MILLIS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

/** `:timeToOffset?time=`: exactly `2019-09-02T13:39:11.100Z`. Returns epoch microseconds or null. */
export function parseZuluMillis(text: string): number | null {
  const m = ZULU_MILLIS.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second, milli] = m.slice(1).map(Number);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const back = new Date(0);
  back.setUTCFullYear(year, month - 1, day);
  back.setUTCHours(hour, minute, second, milli);
  const ms = back.getTime();
  // An impossible date (2019-02-30) rolls over into March; a real calendar date round-trips.
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  return ms * 1000;
}

/** A clock the services read and wait on, so tests can move time without sleeping. */
export abstract class Clock {
  abstract now(): Date;
  /** Microseconds since the epoch, strictly increasing within this process. */
  abstract nowMicros(): number;

  /**
   * Resolves after `ms` milliseconds, or at once when `abort` fires (already fired: at once). Waits whose length
   * decides behaviour (a long poll's re-checks, a push delivery loop's retry spacing) take it from the clock, so a test
   * clock can end them early.
   */
  sleep(ms: number, abort?: AbortSignal): Promise<void> {
    if (abort?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      abort?.addEventListener('abort', done, { once: true });
    });
  }
}

export class SystemClock extends Clock {
  private last = 0;

  now(): Date {
    return new Date();
  }

  nowMicros(): number {
    const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    this.last = Math.max(micros, this.last + 1);
    return this.last;
  }
}
