import { Clock, formatSeconds, SystemClock } from '../../src/common/time.js';

/** Sleeps on a test clock, by the clock time they end at: advance() ends those it passes. */
class Sleepers {
  private readonly waiting = new Set<{ until: number; end: () => void }>();

  add(until: number, end: () => void): () => void {
    const sleeper = { until, end };
    this.waiting.add(sleeper);
    return () => this.waiting.delete(sleeper);
  }

  /** Ends every sleep due at `now` (clock milliseconds). */
  due(now: number): void {
    for (const sleeper of [...this.waiting]) {
      if (sleeper.until <= now) {
        this.waiting.delete(sleeper);
        sleeper.end();
      }
    }
  }
}

/** `ms` on `clock`: ended by the base clock's own timer (if `timer`), by `abort`, or when `sleepers` are advanced past it. */
function sleepOn(clock: Clock, sleepers: Sleepers, ms: number, abort: AbortSignal | undefined, timer: boolean): Promise<void> {
  if (abort?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const over = new AbortController();
    const end = (): void => over.abort();
    const forget = sleepers.add(clock.now().getTime() + ms, end);
    abort?.addEventListener('abort', end, { once: true });
    over.signal.addEventListener('abort', () => {
      forget();
      abort?.removeEventListener('abort', end);
      resolve();
    });
    if (timer) void Clock.prototype.sleep.call(clock, ms, over.signal).then(end);
  });
}

/**
 * A clock standing still at a fixed time until the test moves it, so timestamps in answers are exact. Its sleeps
 * (long-poll re-checks, push retry spacing) end only when advance() passes them, or when they are aborted.
 */
export class ManualClock extends Clock {
  private ms = Date.UTC(2024, 2, 1, 10, 0, 5);
  private micros = 0;
  private readonly sleepers = new Sleepers();

  now(): Date {
    return new Date(this.ms);
  }

  nowMicros(): number {
    this.micros = Math.max(this.ms * 1000, this.micros + 1);
    return this.micros;
  }

  override sleep(ms: number, abort?: AbortSignal): Promise<void> {
    return sleepOn(this, this.sleepers, ms, abort, false);
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
    this.sleepers.due(this.ms);
  }

  /** The current time as the API writes `created_on`. */
  stamp(): string {
    return formatSeconds(new Date(this.ms));
  }
}

/**
 * The system clock, moved forward on demand so deadlines can be tested without sleeping: advance() also ends the
 * sleeps it passes (a long poll's wait, a push retry's spacing), as if that time had gone by.
 */
export class ShiftedClock extends SystemClock {
  private shiftMs = 0;
  private readonly sleepers = new Sleepers();

  advance(seconds: number): void {
    this.shiftMs += seconds * 1000;
    this.sleepers.due(this.now().getTime());
  }

  override now(): Date {
    return new Date(super.now().getTime() + this.shiftMs);
  }

  override nowMicros(): number {
    return super.nowMicros() + this.shiftMs * 1000;
  }

  override sleep(ms: number, abort?: AbortSignal): Promise<void> {
    return sleepOn(this, this.sleepers, ms, abort, true);
  }
}
