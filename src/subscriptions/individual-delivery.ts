import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { formatLeaseAckId, parseLeaseAckId } from '../common/ack-id.js';
import { AmsError } from '../common/ams-error.js';
import { Clock } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { AmsMetrics } from '../metrics/ams-metrics.js';
import { dataBytes, TrafficCounter } from '../metrics/traffic-counter.js';
import { MESSAGE_LOG, type MessageLog } from '../storage/ports/message-log.repository.js';
import { type NewLeaseState, SUBSCRIPTIONS, type SubscriptionStore } from '../storage/ports/subscription-store.repository.js';
import type { LeaseState, ProjectRecord, StoredMessage, SubscriptionRecord, TopicRecord } from '../storage/ports/records.js';
import { PublishSignal } from '../topics/publish-signal.js';
import type { ReceivedMessageDto } from './dto/subscription.dto.js';
import { backoff, CAS_RETRIES, LONG_POLL_RECHECK_MS, pulledMessage } from './delivery.js';
import {
  type DeliveryRef,
  type PullPlan,
  UNKNOWN,
  afterAcknowledge,
  afterModifyDeadlines,
  afterPull,
  afterSeekIndividual,
  fitToLog,
  planPull,
} from './individual-ack.js';

const invalidAckId = (): AmsError => AmsError.invalid('Invalid ack id');

/**
 * Pull, acknowledge, lease deadlines and seek of `ackMode: "individual"` subscriptions (pubsub-extensions 1). The
 * rules are in individual-ack.ts; this reads the lease state, asks them, reads the messages and writes the outcome
 * back with one compare-and-set, retrying when another puller or acknowledger changed the subscription meanwhile.
 * SubscriptionsService has done the existence, permission and body checks before it calls in.
 */
@Injectable()
export class IndividualDelivery {
  constructor(
    @Inject(SUBSCRIPTIONS) private readonly subscriptionStore: SubscriptionStore,
    @Inject(MESSAGE_LOG) private readonly log: MessageLog,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    private readonly signal: PublishSignal,
    private readonly traffic: TrafficCounter,
    private readonly metrics: AmsMetrics,
  ) {}

  /** Leases up to `max` messages to the caller: expired leases first, then messages never delivered. */
  async pull(
    project: ProjectRecord,
    subscription: SubscriptionRecord,
    topic: TopicRecord,
    max: number,
    wait: boolean,
    gone: AbortSignal,
  ): Promise<ReceivedMessageDto[]> {
    if (wait) await this.waitForMore(project, subscription, topic, max, gone);
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const state = await this.state(project, subscription.name);
      const bounds = await this.log.bounds(topic.logId);
      const fitted = fitToLog(state, bounds);
      const now = this.clock.now();
      const plan = planPull(fitted, bounds.max, now, max);
      const { redelivered, fresh } = await this.readPlan(topic, plan);
      const leaseId = randomBytes(8).toString('hex');
      const { next, delivered } = afterPull(
        fitted,
        redelivered.map((m) => m.offset),
        fresh.map((m) => m.offset),
        leaseId,
        subscription.ackDeadlineSeconds,
        now,
      );
      if (await this.subscriptionStore.compareAndSetLeases(project.uuid, subscription.name, state.cursor.version, next)) {
        const byOffset = new Map([...redelivered, ...fresh].map((m) => [m.offset, m]));
        const messages = delivered.map((d) => byOffset.get(d.offset) as StoredMessage);
        const bytes = dataBytes(messages);
        this.traffic.recordPull(subscription, messages.length, bytes, now);
        this.metrics.recordPulled(project.name, subscription.name, messages.length, bytes);
        return delivered.map((d, i) => ({
          ...received(project.name, subscription.name, messages[i], leaseId),
          deliveryAttempt: d.deliveryAttempt,
        }));
      }
      await backoff(attempt);
    }
    throw AmsError.internal('Backend Error');
  }

  /** Acknowledges exactly the deliveries named; 400 `Invalid ack id` for malformed, foreign or unknown ids. */
  async acknowledge(project: ProjectRecord, name: string, ackIds: readonly string[]): Promise<void> {
    const refs = parseRefs(project, name, ackIds);
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const state = await this.state(project, name);
      const outcome = afterAcknowledge(state, refs);
      if (outcome === UNKNOWN) throw invalidAckId();
      if (outcome.acknowledged === 0) return; // all acknowledged before, or stale: nothing to write
      if (await this.subscriptionStore.compareAndSetLeases(project.uuid, name, state.cursor.version, outcome.next)) {
        this.metrics.recordAcknowledged(project.name, name, outcome.acknowledged);
        return;
      }
      await backoff(attempt);
    }
    throw AmsError.internal('Error handling acknowledgement');
  }

  /** Sets the named leases to end `seconds` from now (0: hand them back for redelivery now). */
  async modifyDeadlines(project: ProjectRecord, name: string, ackIds: readonly string[], seconds: number): Promise<void> {
    const refs = parseRefs(project, name, ackIds);
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const state = await this.state(project, name);
      const next = afterModifyDeadlines(state, refs, seconds, this.clock.now());
      if (next === UNKNOWN) throw invalidAckId();
      if (await this.subscriptionStore.compareAndSetLeases(project.uuid, name, state.cursor.version, next)) return;
      await backoff(attempt);
    }
    throw AmsError.internal('Backend Error');
  }

  /** `:modifyOffset` of an individual subscription: one write that moves the cursor and drops every lease. */
  async seek(project: ProjectRecord, name: string, expectedVersion: number, offset: number): Promise<boolean> {
    const next: NewLeaseState = afterSeekIndividual(offset);
    return this.subscriptionStore.compareAndSetLeases(project.uuid, name, expectedVersion, next);
  }

  private async state(project: ProjectRecord, name: string): Promise<LeaseState> {
    const state = await this.subscriptionStore.leaseState(project.uuid, name);
    if (state === null) throw AmsError.notFound('Subscription');
    return state;
  }

  /**
   * `returnImmediately: "false"` as in cumulative mode: when some messages are there but fewer than `max`, wait for
   * more (woken by publishes in this process, re-checking every second for other replicas) until the limit of
   * AMS_PULL_MAX_WAIT_S, the client leaving, or shutdown. Nothing is leased while waiting.
   */
  private async waitForMore(
    project: ProjectRecord,
    subscription: SubscriptionRecord,
    topic: TopicRecord,
    max: number,
    gone: AbortSignal,
  ): Promise<void> {
    const until = Date.now() + this.config.pullMaxWaitSeconds * 1000;
    for (;;) {
      const state = await this.state(project, subscription.name);
      const bounds = await this.log.bounds(topic.logId);
      const plan = planPull(fitToLog(state, bounds), bounds.max, this.clock.now(), max);
      const available = plan.redeliver.length + plan.freshCount;
      if (available === 0 || available >= max) return;
      if (gone.aborted || this.signal.shuttingDown || Date.now() >= until) return;
      await this.signal.next(topic.logId, Math.min(LONG_POLL_RECHECK_MS, until - Date.now()), gone);
    }
  }

  /**
   * The messages of a plan, within AMS_PULL_MAX_BYTES in total (at least one). Expired leases are read in runs of
   * consecutive offsets; a message the log no longer holds is left out (its lease goes with the next fit to the log).
   */
  private async readPlan(topic: TopicRecord, plan: PullPlan): Promise<{ redelivered: StoredMessage[]; fresh: StoredMessage[] }> {
    let budget = this.config.pullMaxBytes;
    let taken = 0;
    const within = (messages: StoredMessage[]): StoredMessage[] => {
      const kept: StoredMessage[] = [];
      for (const m of messages) {
        const size = Buffer.byteLength(m.data);
        if (taken > 0 && size > budget) break;
        kept.push(m);
        budget -= size;
        taken++;
      }
      return kept;
    };
    const redelivered: StoredMessage[] = [];
    for (const run of consecutiveRuns(plan.redeliver.map((l) => l.offset))) {
      if (taken > 0 && budget <= 0) break;
      const read = await this.log.read(topic.logId, run.from, run.count, budget);
      const kept = within(read.filter((m) => m.offset < run.from + run.count));
      redelivered.push(...kept);
      if (kept.length < read.length) return { redelivered, fresh: [] };
    }
    if (plan.freshCount === 0 || (taken > 0 && budget <= 0)) return { redelivered, fresh: [] };
    const fresh = within(await this.log.read(topic.logId, plan.freshFrom, plan.freshCount, budget));
    return { redelivered, fresh };
  }
}

/** Every ackId parsed, or 400 `Invalid ack id` (also for an empty list): nothing is applied when one is bad. */
function parseRefs(project: ProjectRecord, name: string, ackIds: readonly string[]): DeliveryRef[] {
  if (ackIds.length === 0) throw invalidAckId();
  return ackIds.map((ackId) => {
    const ref = parseLeaseAckId(ackId, project.name, name);
    if (ref === null) throw invalidAckId();
    return ref;
  });
}

/** Ascending offsets as runs of consecutive ones, so each run is one log read. */
export function consecutiveRuns(offsets: readonly number[]): { from: number; count: number }[] {
  const runs: { from: number; count: number }[] = [];
  for (const offset of offsets) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.from + last.count === offset) last.count++;
    else runs.push({ from: offset, count: 1 });
  }
  return runs;
}

function received(project: string, subscription: string, m: StoredMessage, leaseId: string): ReceivedMessageDto {
  return { ackId: formatLeaseAckId(project, subscription, m.offset, leaseId), message: pulledMessage(m) };
}
