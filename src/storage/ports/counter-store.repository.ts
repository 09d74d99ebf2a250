import type {
  CountedKind,
  CreatedCounts,
  DailyCount,
  DailyCountBatch,
  NodeSampleRecord,
  ProjectMessageTotal,
  ResourceCountBatch,
  ResourceCounters,
} from './records.js';

export const COUNTERS = Symbol('CounterStore');

/**
 * Daily counters of a window of UTC days, both ends included (`YYYY-MM-DD`). `projectUuids` absent: every project;
 * empty: none. `topicName` narrows to one topic (with one project uuid, the series of that topic).
 */
export interface DailyCountFilter {
  readonly projectUuids?: readonly string[];
  readonly topicName?: string;
  readonly fromDay: string;
  readonly toDay: string;
}

/** What metrics read and write: daily message counters (spec 4.1, 4.8), resource counters (3.8), API node samples. */
export interface CounterStore {
  /**
   * Adds every increment of the batch to its (project, topic, day) counter, creating counters that do not exist yet.
   * Idempotent per `batch.id`: a batch id applied before adds nothing again, also when only part of it got applied
   * (so a retry after an unknown outcome never double counts; an adapter without multi-document transactions records
   * the id on each counter it increments, in the same single-document update). Increments of a project that does not
   * exist are dropped, so a counter rolled up in memory cannot re-create counters of a deleted project. Rejects when
   * the write may not have happened; the caller retries the same batch.
   */
  addDailyCounts(batch: DailyCountBatch): Promise<void>;
  /** The counters of the filter's window that exist, newest day first, then by project uuid and topic name. */
  dailyCounts(filter: DailyCountFilter): Promise<DailyCount[]>;
  /**
   * Per project, the sum of its counters in the window (`topicName` of the filter is ignored); projects without a
   * counter in the window are absent. Any order.
   */
  messageTotals(filter: DailyCountFilter): Promise<ProjectMessageTotal[]>;
  /**
   * How many topics and subscriptions of the project, and users holding a membership in it (with or without roles),
   * have a creation time within [from, to], both ends included. Deleted resources are not counted.
   */
  countCreated(projectUuid: string, from: Date, to: Date): Promise<CreatedCounts>;
  /**
   * Forgets the applied-batch ids (addDailyCounts) kept for counters of days before `beforeDay` (`YYYY-MM-DD`), so
   * they do not pile up for ever. The caller passes a day that no batch which can still be retried touches; ids of
   * later days stay, so those batches stay idempotent. Answers how many counters had ids to forget (an adapter that
   * bounds its ids otherwise answers 0).
   */
  forgetDailyCountBatches(beforeDay: string): Promise<number>;
  /**
   * Applies every increment of the batch to the counters of its resource incarnation: totals add up, `lastAt` keeps
   * the latest, and the rate window moves to the newest `windowStart` seen (messages of the same window add up, an
   * older window leaves it alone). Idempotent per `batch.id` like addDailyCounts. Increments of a resource
   * incarnation that does not exist (deleted, or re-created since) are dropped. Rejects when the write may not have
   * happened; the caller retries the same batch.
   */
  addResourceCounts(batch: ResourceCountBatch): Promise<void>;
  /** The counters of one resource incarnation; zeros and nulls when nothing was counted. */
  resourceCounters(kind: CountedKind, projectUuid: string, name: string, incarnation: string): Promise<ResourceCounters>;
  /** Replaces the node's sample (one per host, spec 5.2). */
  putNodeSample(sample: NodeSampleRecord): Promise<void>;
  /** Every node's latest sample, by host name. */
  nodeSamples(): Promise<NodeSampleRecord[]>;
}
