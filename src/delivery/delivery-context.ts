import { Inject, Injectable, Logger } from '@nestjs/common';
import { AmsError } from '../common/ams-error.js';
import { Clock } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { AmsMetrics } from '../metrics/ams-metrics.js';
import { dataBytes, TrafficCounter } from '../metrics/traffic-counter.js';
import { MESSAGE_LOG, type MessageLog } from '../storage/ports/message-log.repository.js';
import { SUBSCRIPTIONS, type SubscriptionStore } from '../storage/ports/subscription-store.repository.js';
import { TOPICS, type TopicStore } from '../storage/ports/topic-store.repository.js';
import type { ProjectRecord, StoredMessage, SubscriptionRecord, TopicRecord } from '../storage/ports/records.js';
import { PublishSignal } from '../topics/publish-signal.js';
import { backoff, CAS_RETRIES, LONG_POLL_RECHECK_MS } from './shared.js';

/** One pull as DeliveryService hands it to an acknowledgement mode, after the checks of spec 4.2. */
export interface PullOrder {
  readonly project: ProjectRecord;
  readonly subscription: SubscriptionRecord;
  readonly topic: TopicRecord;
  /** At most this many messages (AMS_PULL_MAX_BYTES bounds them too). */
  readonly max: number;
  /** `returnImmediately: "false"`: wait for more (long poll) until `gone` fires at the latest. */
  readonly wait: boolean;
  readonly gone: AbortSignal;
}

/** What an attempt of withCasRetries answers when its compare-and-set lost: it runs again after a back-off. */
export const LOST: unique symbol = Symbol('compare-and-set lost');

/**
 * What both acknowledgement modes (cumulative-delivery.ts, individual-delivery.ts) deliver with: the stores, the
 * clock and the pull limits, the long poll, compare-and-set retries, and the pull and acknowledge counters. One
 * injectable, so each mode takes this and nothing else.
 */
@Injectable()
export class DeliveryContext {
  private readonly logger = new Logger('Delivery');

  constructor(
    @Inject(SUBSCRIPTIONS) readonly subscriptionStore: SubscriptionStore,
    @Inject(TOPICS) readonly topicStore: TopicStore,
    @Inject(MESSAGE_LOG) readonly log: MessageLog,
    @Inject(Clock) readonly clock: Clock,
    @Inject(AMS_CONFIG) readonly config: AmsConfig,
    private readonly signal: PublishSignal,
    private readonly traffic: TrafficCounter,
    private readonly metrics: AmsMetrics,
  ) {}

  /**
   * `returnImmediately: "false"`: waits for more messages (woken by publishes to the log in this process, re-checking
   * every LONG_POLL_RECHECK_MS for other replicas' publishes) until `recheck` says there are enough, AMS_PULL_MAX_WAIT_S
   * passed, the client left, or the process shuts down. The caller has checked once before.
   */
  async longPoll(subscription: SubscriptionRecord, logId: string, gone: AbortSignal, recheck: () => Promise<boolean>): Promise<void> {
    const until = this.clock.now().getTime() + this.config.pullMaxWaitSeconds * 1000;
    this.logger.debug(`a pull of ${subscription.name} waits for more messages, ${this.config.pullMaxWaitSeconds} s at most`);
    for (;;) {
      const left = until - this.clock.now().getTime();
      if (gone.aborted || this.signal.shuttingDown || left <= 0) return;
      await this.signal.next(logId, Math.min(LONG_POLL_RECHECK_MS, left), gone);
      if (await recheck()) return;
    }
  }

  /**
   * Runs `attempt` (number n, from 0) until it does not report LOST (its compare-and-set lost to a concurrent change),
   * with a growing random back-off in between; `failure` is the 500 message when CAS_RETRIES attempts all lost.
   */
  async withCasRetries<T>(failure: string, attempt: (n: number) => Promise<T | typeof LOST>): Promise<T> {
    for (let n = 0; n < CAS_RETRIES; n++) {
      const outcome = await attempt(n);
      if (outcome !== LOST) return outcome;
      await backoff(n);
    }
    throw AmsError.internal(failure);
  }

  /** The subscription, or 404. */
  async subscription(project: ProjectRecord, name: string): Promise<SubscriptionRecord> {
    const subscription = await this.subscriptionStore.subscription(project.uuid, name);
    if (subscription === null) throw AmsError.notFound('Subscription');
    return subscription;
  }

  /** spec 3.8 / 5.2: the messages a pull returned (not those read), rolled up in memory. */
  recordPulled(project: ProjectRecord, subscription: SubscriptionRecord, messages: readonly StoredMessage[], now: Date): void {
    const bytes = dataBytes(messages);
    this.traffic.recordPull(subscription, messages.length, bytes, now);
    this.metrics.recordPulled(project.name, subscription.name, messages.length, bytes);
  }

  recordAcknowledged(project: ProjectRecord, subscription: string, count: number): void {
    this.metrics.recordAcknowledged(project.name, subscription, count);
  }
}
