import { Clock, formatSeconds, SystemClock } from '../../src/common/time.js';

/** A clock standing still at a fixed time until the test moves it, so timestamps in answers are exact. */
export class ManualClock extends Clock {
  private ms = Date.UTC(2024, 2, 1, 10, 0, 5);
  private micros = 0;

  now(): Date {
    return new Date(this.ms);
  }

  nowMicros(): number {
    this.micros = Math.max(this.ms * 1000, this.micros + 1);
    return this.micros;
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }

  /** The current time as the API writes `created_on`. */
  stamp(): string {
    return formatSeconds(new Date(this.ms));
  }
}

/** The system clock, moved forward on demand so deadlines can be tested without sleeping. */
export class ShiftedClock extends SystemClock {
  private shiftMs = 0;

  advance(seconds: number): void {
    this.shiftMs += seconds * 1000;
  }

  override now(): Date {
    return new Date(super.now().getTime() + this.shiftMs);
  }

  override nowMicros(): number {
    return super.nowMicros() + this.shiftMs * 1000;
  }
}
