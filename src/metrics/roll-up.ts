import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { type Clock, SystemClock } from '../common/time.js';
import { failureLevel } from '../storage/ports/store-errors.js';

/** How often counts rolled up in memory are written to the store. */
export const FLUSH_INTERVAL_MS = 10_000;

/**
 * How long a batch whose write keeps failing is retried before it is given up (its counts lost, with an error log).
 * The bound is what lets house-keeping forget applied batch ids at all: see batchIdsForgettableBefore.
 */
export const BATCH_RETRY_LIMIT_MS = 24 * 3600 * 1000;

/** Counts cut from the tallies and written together; the id makes the store's write idempotent. */
export interface CountBatch<C> {
  readonly id: string;
  readonly counts: readonly C[];
}

/**
 * Counting without a storage write per message: increments are summed in memory per key and written as one batch
 * every FLUSH_INTERVAL_MS (a @nestjs/schedule interval, in every process: each writes its own memory), on demand
 * (`flush`, e.g. before a report) and on shutdown. A batch that fails to write is kept, with its id, and retried as it
 * is before anything newer, so the store's per-batch idempotence rules out double counting; after
 * BATCH_RETRY_LIMIT_MS it is given up. A crash loses at most one interval of counts, never a message; a clean stop
 * loses nothing. Subclasses say what a tally is (`tally`) and how a batch is written (`write`).
 */
export abstract class RollUp<C extends object> implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private tallies = new Map<string, C>();
  /** The batch cut from the tallies whose write failed (at most one), kept to retry it as it is, with its cut time. */
  private readonly unwritten: { batch: CountBatch<C>; cutAt: number }[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly rollUpClock: Clock = new SystemClock()) {}

  /** Writes one batch; rejects when the write may not have happened. */
  protected abstract write(batch: CountBatch<C>): Promise<void>;

  /** The periodic roll-up; the scheduler stops it before beforeApplicationShutdown flushes a last time. */
  @Interval(FLUSH_INTERVAL_MS)
  async flushPeriodically(): Promise<void> {
    if (!this.stopped) await this.flushQuietly('periodic');
  }

  /** Runs while the store is still open (every beforeApplicationShutdown precedes every onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.flushQuietly('shutdown');
  }

  /** Counts of requests that were still in flight when the HTTP server began to close; best effort. */
  async onApplicationShutdown(): Promise<void> {
    if (this.pending) await this.flushQuietly('final');
  }

  /**
   * Writes everything counted so far; rejects when the store refused, keeping the increments for the next flush.
   * Calls run one after another, so a batch is never written twice at the same time.
   */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.writeAll());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Whether anything counted is not in the store yet. */
  get pending(): boolean {
    return this.tallies.size > 0 || this.unwritten.length > 0;
  }

  /** Adds to the tally of `key` (`add`), or starts it (`start`) when there is none. */
  protected tally(key: string, start: () => C, add: (tally: C) => void): void {
    const tally = this.tallies.get(key);
    if (tally === undefined) this.tallies.set(key, start());
    else add(tally);
  }

  /**
   * A batch that failed is retried first; until it is written, newer counts keep adding up in the tallies rather than
   * in further batches, so a long outage holds one batch plus one tally per key, not a batch per try.
   */
  private async writeAll(): Promise<void> {
    await this.writeUnwritten();
    if (this.tallies.size === 0) return;
    this.unwritten.push({ batch: { id: randomUUID(), counts: [...this.tallies.values()] }, cutAt: this.rollUpClock.now().getTime() });
    this.tallies = new Map();
    await this.writeUnwritten();
  }

  private async writeUnwritten(): Promise<void> {
    while (this.unwritten.length > 0) {
      const { batch, cutAt } = this.unwritten[0];
      if (this.rollUpClock.now().getTime() - cutAt > BATCH_RETRY_LIMIT_MS) {
        // Past the limit house-keeping may have forgotten the ids that make a retry harmless (batchIdsForgettableBefore).
        this.logger.error(`counters lost: batch ${batch.id} (${batch.counts.length} counters) not written for a day`);
        this.unwritten.shift();
        continue;
      }
      await this.write(batch);
      this.unwritten.shift();
    }
  }

  private async flushQuietly(why: string): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      const fate = why === 'final' ? 'lost' : 'kept for the next flush';
      this.logger[failureLevel(err)](`counters not written (${why}; ${this.unwritten.length} batch(es) ${fate}): ${String(err)}`);
    }
  }
}
