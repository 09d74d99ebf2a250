import { Inject, Injectable } from '@nestjs/common';
import { METADATA_STORE, type MetadataStore } from '../storage/ports/metadata-store.repository.js';
import type { DailyCount, DailyCountBatch } from '../storage/ports/records.js';
import { RollUp } from './roll-up.js';

export { FLUSH_INTERVAL_MS } from './roll-up.js';

/** The UTC day of an instant, `YYYY-MM-DD` (daily counters, spec 4.1). */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

interface Tally extends DailyCount {
  messages: number;
  bytes: number;
}

/**
 * The daily message counters of spec 4.1 without a storage write per publish: publishes are tallied in memory per
 * (project, topic, UTC day) and written in batches (RollUp) through MetadataStore.addDailyCounts, whose per-batch
 * idempotence rules out double counting on a retry.
 */
@Injectable()
export class UsageCounter extends RollUp<Tally> {
  constructor(@Inject(METADATA_STORE) private readonly store: Pick<MetadataStore, 'addDailyCounts'>) {
    super();
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
