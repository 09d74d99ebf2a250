import { Inject, Injectable, Optional } from '@nestjs/common';
import { Clock, SystemClock } from '../common/time.js';
import { COUNTERS, type CounterStore } from '../storage/ports/counter-store.repository.js';
import type {
  CountedKind,
  NewMessage,
  PushCountedKind,
  ResourceCount,
  ResourceCountBatch,
  SubscriptionRecord,
  TopicRecord,
} from '../storage/ports/records.js';
import { FLUSH_INTERVAL_MS, RollUp } from './roll-up.js';

/** The bytes every message counter counts (spec 4.1 `total_bytes`, `number_of_bytes`): the length of `data` as sent. */
export function dataBytes(messages: readonly Pick<NewMessage, 'data'>[]): number {
  let bytes = 0;
  for (const m of messages) bytes += Buffer.byteLength(m.data);
  return bytes;
}

/**
 * Length of a rate window. Windows are fixed slices of the clock (epoch multiples), so that the counts of one window
 * from several replicas add up in the store; the length equals the roll-up interval, so a window is written within
 * about one interval of its end.
 */
export const RATE_WINDOW_MS = FLUSH_INTERVAL_MS;

/** The start of the rate window an instant falls in. */
export function rateWindowStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / RATE_WINDOW_MS) * RATE_WINDOW_MS);
}

/**
 * `topic.publishing_rate` / `subscription.consumption_rate`: messages per second over the latest rate window that saw
 * traffic, on all replicas together; 0 before any traffic was rolled up.
 */
export function ratePerSecond(window: { readonly messages: number } | null): number {
  return window === null ? 0 : window.messages / (RATE_WINDOW_MS / 1000);
}

/** Which incarnation of a topic or subscription counts belong to (CounterStore.addResourceCounts). */
export const topicIncarnation = (topic: Pick<TopicRecord, 'logId'>): string => topic.logId;
export const subscriptionIncarnation = (subscription: Pick<SubscriptionRecord, 'createdOn'>): string =>
  String(subscription.createdOn.getTime());

interface Tally extends ResourceCount {
  messages: number;
  bytes: number;
  lastAt: Date;
}

/**
 * The resource counters of spec 3.8 without a storage write per message: messages published to a topic and messages
 * returned by pulls of a subscription (spec 5.2) are tallied in memory per resource incarnation and rate window, and
 * written in batches (RollUp) through CounterStore.addResourceCounts.
 */
@Injectable()
export class TrafficCounter extends RollUp<Tally> {
  constructor(
    @Inject(COUNTERS) private readonly store: Pick<CounterStore, 'addResourceCounts'>,
    @Optional() @Inject(Clock) clock: Clock = new SystemClock(),
  ) {
    super(clock);
  }

  /** `count` messages of `bytes` data bytes published to the topic at `at`. */
  recordPublish(topic: Pick<TopicRecord, 'projectUuid' | 'name' | 'logId'>, count: number, bytes: number, at: Date): void {
    this.record('topic', topic.projectUuid, topic.name, topicIncarnation(topic), count, bytes, at);
  }

  /** `count` messages of `bytes` data bytes returned by a pull of the subscription at `at`. */
  recordPull(
    subscription: Pick<SubscriptionRecord, 'projectUuid' | 'name' | 'createdOn'>,
    count: number,
    bytes: number,
    at: Date,
  ): void {
    this.record('subscription', subscription.projectUuid, subscription.name, subscriptionIncarnation(subscription), count, bytes, at);
  }

  /** `count` push outcomes of the subscription at `at`: messages delivered, failed attempts or retries. */
  recordPush(
    kind: PushCountedKind,
    subscription: Pick<SubscriptionRecord, 'projectUuid' | 'name' | 'createdOn'>,
    count: number,
    at: Date,
  ): void {
    this.record(kind, subscription.projectUuid, subscription.name, subscriptionIncarnation(subscription), count, 0, at);
  }

  protected write(batch: ResourceCountBatch): Promise<void> {
    return this.store.addResourceCounts(batch);
  }

  private record(
    kind: CountedKind,
    projectUuid: string,
    name: string,
    incarnation: string,
    count: number,
    bytes: number,
    at: Date,
  ): void {
    if (count <= 0) return;
    const windowStart = rateWindowStart(at);
    // Names match [a-zA-Z0-9_-]+; uuids and decimal times hold no '/', so the key is unambiguous.
    this.tally(
      `${kind}/${projectUuid}/${name}/${incarnation}/${windowStart.getTime()}`,
      () => ({ kind, projectUuid, name, incarnation, windowStart, messages: count, bytes, lastAt: at }),
      (tally) => {
        tally.messages += count;
        tally.bytes += bytes;
        if (at > tally.lastAt) tally.lastAt = at;
      },
    );
  }
}
