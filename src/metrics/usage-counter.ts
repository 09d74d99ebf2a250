import { Inject, Injectable, Optional } from '@nestjs/common';
import { Clock, SystemClock } from '../common/time.js';
import { COUNTERS, type CounterStore } from '../storage/ports/counter-store.repository.js';
import type { DailyCount, DailyCountBatch } from '../storage/ports/records.js';
import { BATCH_RETRY_LIMIT_MS, RollUp } from './roll-up.js';

export { BATCH_RETRY_LIMIT_MS, FLUSH_INTERVAL_MS } from './roll-up.js';

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

interface Tally extends DailyCount {
  messages: number;
  bytes: number;
}

/**
 * The daily message counters of spec 4.1 without a storage write per publish: publishes are tallied in memory per
 * (project, topic, UTC day) and written in batches (RollUp) through CounterStore.addDailyCounts, whose per-batch
 * idempotence rules out double counting on a retry.
 */
@Injectable()
export class UsageCounter extends RollUp<Tally> {
  constructor(
    @Inject(COUNTERS) private readonly store: Pick<CounterStore, 'addDailyCounts'>,
    @Optional() @Inject(Clock) clock: Clock = new SystemClock(),
  ) {
    super(clock);
  }

  /** Counts `count` messages of `bytes` data bytes published to a topic at `at`. */
  recordPublish(projectUuid: string, topicName: string, count: number, bytes: number, at: Date): void {
    if (count <= 0) return;
    const day = utcDay(at);
    // Names match [a-zA-Z0-9_-]+ and uuids hold no '/', so the key is unambiguous.
    this.tally(
      `${projectUuid}/${topicName}/${day}`,
      () => ({ projectUuid, topicName, day, messages: count, bytes }),
      (tally) => {
        tally.messages += count;
        tally.bytes += bytes;
      },
    );
  }

  protected write(batch: DailyCountBatch): Promise<void> {
    return this.store.addDailyCounts(batch);
  }
}
