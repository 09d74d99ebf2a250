import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Clock, SystemClock } from '../common/time.js';
import { METADATA_STORE, type MetadataStore } from '../storage/ports/metadata-store.repository.js';
import type { DailyCountBatch } from '../storage/ports/records.js';

/** How often counted publishes are written to the store. */
export const FLUSH_INTERVAL_MS = 10_000;

/**
 * How long a batch whose write keeps failing is retried before it is given up (its counts lost, with an error log).
 * The bound is what lets house-keeping forget applied batch ids at all: see batchIdsForgettableBefore.
 */
export const BATCH_RETRY_LIMIT_MS = 24 * 3600 * 1000;

const HOUR_MS = 3600 * 1000;

/** The UTC day of an instant, `YYYY-MM-DD` (daily counters, spec 4.1). */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * The first day whose counters may still be touched by a batch that can be retried at `now`; the applied-batch ids of
 * counters of earlier days can be forgotten without any retry counting twice. A batch cut at C is retried until
 * C + LIMIT at the latest. It holds publishes counted since the previous cut, which came at most LIMIT + one flush
 * interval earlier (a batch in retry holds newer counts back in the tallies). So a counter of day D is touched by batches
 * cut before end(D) + LIMIT + flush, retried until end(D) + 2 LIMIT + flush: once that is past, D's ids are dead.
 * One hour stands for the flush interval and clock skew between replicas.
 */
export function batchIdsForgettableBefore(now: Date): string {
  return utcDay(new Date(now.getTime() - 2 * BATCH_RETRY_LIMIT_MS - HOUR_MS));
}

interface Tally {
  readonly projectUuid: string;
  readonly topicName: string;
  readonly day: string;
  messages: number;
  bytes: number;
}

/**
 * The daily message counters of spec 4.1 without a storage write per publish: publishes are tallied in memory per
 * (project, topic, UTC day) and written as one batch every FLUSH_INTERVAL_MS and on shutdown. A batch that fails to
 * write is kept, with its id, and retried as it is before anything newer, so the store's per-batch idempotence
 * (MetadataStore.addDailyCounts) rules out double counting. A crash loses at most one interval of counts, never a
 * message; a clean stop loses nothing.
 */
@Injectable()
export class UsageCounter implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(UsageCounter.name);
  private tallies = new Map<string, Tally>();
  /** The batch cut from the tallies whose write failed (at most one), kept to retry it as it is, with its cut time. */
  private readonly unwritten: { batch: DailyCountBatch; cutAt: number }[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(METADATA_STORE) private readonly store: Pick<MetadataStore, 'addDailyCounts'>,
    @Optional() @Inject(Clock) private readonly clock: Clock = new SystemClock(),
  ) {}

  /**
   * The periodic roll-up, in every process (each writes its own memory), scheduled by @nestjs/schedule, which stops it
   * before beforeApplicationShutdown flushes a last time.
   */
  @Interval('usage-counter-flush', FLUSH_INTERVAL_MS)
  async flushPeriodically(): Promise<void> {
    if (!this.stopped) await this.flushQuietly('periodic');
  }

  /** Runs while the store is still open (every beforeApplicationShutdown precedes every onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.flushQuietly('shutdown');
  }

  /** Publishes that were still in flight when the HTTP server began to close; best effort. */
  async onApplicationShutdown(): Promise<void> {
    if (this.pending) await this.flushQuietly('final');
  }

  /** Counts `count` messages of `bytes` data bytes published to a topic at `at`. */
  recordPublish(projectUuid: string, topicName: string, count: number, bytes: number, at: Date): void {
    if (count <= 0) return;
    const day = utcDay(at);
    // Names match [a-zA-Z0-9_-]+ and uuids hold no '/', so the key is unambiguous.
    const key = `${projectUuid}/${topicName}/${day}`;
    const tally = this.tallies.get(key);
    if (tally === undefined) {
      this.tallies.set(key, { projectUuid, topicName, day, messages: count, bytes });
    } else {
      tally.messages += count;
      tally.bytes += bytes;
    }
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

  /**
   * A batch that failed is retried first; until it is written, newer counts keep adding up in the tallies rather than
   * in further batches, so a long outage holds one batch plus one tally per (project, topic, day), not a batch per try.
   */
  private async writeAll(): Promise<void> {
    await this.writeUnwritten();
    if (this.tallies.size === 0) return;
    this.unwritten.push({ batch: { id: randomUUID(), counts: [...this.tallies.values()] }, cutAt: this.clock.now().getTime() });
    this.tallies = new Map();
    await this.writeUnwritten();
  }

  private async writeUnwritten(): Promise<void> {
    while (this.unwritten.length > 0) {
      const { batch, cutAt } = this.unwritten[0];
      if (this.clock.now().getTime() - cutAt > BATCH_RETRY_LIMIT_MS) {
        // Past the limit house-keeping may have forgotten the ids that make a retry harmless (batchIdsForgettableBefore).
        const messages = batch.counts.reduce((sum, c) => sum + c.messages, 0);
        this.logger.error(`daily message counters lost: batch ${batch.id} (${messages} messages) not written for a day`);
        this.unwritten.shift();
        continue;
      }
      await this.store.addDailyCounts(batch);
      this.unwritten.shift();
    }
  }

  private async flushQuietly(why: string): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      const fate = why === 'final' ? 'lost' : 'kept for the next flush';
      this.logger.warn(`daily message counters not written (${why}; ${this.unwritten.length} batch(es) ${fate}): ${String(err)}`);
    }
  }
}
