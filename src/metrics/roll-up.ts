import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';

/** How often counts rolled up in memory are written to the store. */
export const FLUSH_INTERVAL_MS = 10_000;

/** Counts cut from the tallies and written together; the id makes the store's write idempotent. */
export interface CountBatch<C> {
  readonly id: string;
  readonly counts: readonly C[];
}

/**
 * Counting without a storage write per message: increments are summed in memory per key and written as one batch
 * every FLUSH_INTERVAL_MS, on demand (`flush`, e.g. before a report or from a scheduler) and on shutdown. A batch that
 * fails to write is kept, with its id, and retried as it is before anything newer, so the store's per-batch
 * idempotence rules out double counting. A crash loses at most one interval of counts, never a message; a clean stop
 * loses nothing. Subclasses say what a tally is (`tally`) and how a batch is written (`write`).
 */
export abstract class RollUp<C extends object> implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private tallies = new Map<string, C>();
  /** The batch cut from the tallies whose write failed (at most one), kept to retry it as it is. */
  private readonly unwritten: CountBatch<C>[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  /** Writes one batch; rejects when the write may not have happened. */
  protected abstract write(batch: CountBatch<C>): Promise<void>;

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flushQuietly('periodic'), FLUSH_INTERVAL_MS).unref();
  }

  /** Runs while the store is still open (every beforeApplicationShutdown precedes every onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
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
    this.unwritten.push({ id: randomUUID(), counts: [...this.tallies.values()] });
    this.tallies = new Map();
    await this.writeUnwritten();
  }

  private async writeUnwritten(): Promise<void> {
    while (this.unwritten.length > 0) {
      await this.write(this.unwritten[0]);
      this.unwritten.shift();
    }
  }

  private async flushQuietly(why: string): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      const fate = why === 'final' ? 'lost' : 'kept for the next flush';
      this.logger.warn(`counters not written (${why}; ${this.unwritten.length} batch(es) ${fate}): ${String(err)}`);
    }
  }
}
