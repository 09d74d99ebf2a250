import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { formatLeaseAckId, parseLeaseAckId } from '../common/ack-id.js';
import { AmsError } from '../common/ams-error.js';
import type { LeaseState, ProjectRecord, StoredMessage, SubscriptionRecord, TopicRecord } from '../storage/ports/records.js';
import { DeliveryContext, LOST, type PullOrder } from './delivery-context.js';
import type { ReceivedMessageDto } from './dto/delivery.dto.js';
import {
  type DeliveryRef,
  type PullPlan,
  UNKNOWN,
  afterAcknowledge,
  afterModifyDeadlines,
  afterPull,
  fitToLog,
  planPull,
} from './individual-ack.js';
import { pulledMessage } from './shared.js';

const invalidAckId = (): AmsError => AmsError.invalid('Invalid ack id');

/**
 * Pull, acknowledge and lease deadlines of `ackMode: "individual"` subscriptions (pubsub-extensions 1). The
 * rules are in individual-ack.ts; this reads the lease state, asks them, reads the messages and writes the outcome
 * back with one compare-and-set, retrying when another puller or acknowledger changed the subscription meanwhile.
 * DeliveryService has done the existence, permission and body checks before it calls in.
 */
@Injectable()
export class IndividualDelivery {
  constructor(private readonly ctx: DeliveryContext) {}

  /** Leases up to `max` messages to the caller: expired leases first, then messages never delivered. */
  async pull({ project, subscription, topic, max, wait, gone }: PullOrder): Promise<ReceivedMessageDto[]> {
    // Nothing is leased while a pull waits for more.
    const enough = (): Promise<boolean> => this.enoughToPull(project, subscription, topic, max);
    if (wait && !(await enough())) await this.ctx.longPoll(subscription, topic.logId, gone, enough);
    const { subscriptionStore: store, log, clock } = this.ctx;
    return this.ctx.withCasRetries('Backend Error', async () => {
      const state = await this.state(project, subscription.name);
      const bounds = await log.bounds(topic.logId);
      const fitted = fitToLog(state, bounds);
      const now = clock.now();
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
      if (!(await store.compareAndSetLeases(project.uuid, subscription.name, state.cursor.version, next))) return LOST;
      const byOffset = new Map([...redelivered, ...fresh].map((m) => [m.offset, m]));
      const messages = delivered.map((d) => byOffset.get(d.offset) as StoredMessage);
      this.ctx.recordPulled(project, subscription, messages, now);
      return delivered.map((d, i) => ({
        ...received(project.name, subscription.name, messages[i], leaseId),
        deliveryAttempt: d.deliveryAttempt,
      }));
    });
  }

  /** Acknowledges exactly the deliveries named; 400 `Invalid ack id` for malformed, foreign or unknown ids. */
  async acknowledge(project: ProjectRecord, name: string, ackIds: readonly string[]): Promise<void> {
    const refs = parseRefs(project, name, ackIds);
    await this.ctx.withCasRetries('Error handling acknowledgement', async () => {
      const state = await this.state(project, name);
      const outcome = afterAcknowledge(state, refs);
      if (outcome === UNKNOWN) throw invalidAckId();
      if (outcome.acknowledged === 0) return true; // all acknowledged before, or stale: nothing to write
      if (!(await this.ctx.subscriptionStore.compareAndSetLeases(project.uuid, name, state.cursor.version, outcome.next))) return LOST;
      this.ctx.recordAcknowledged(project, name, outcome.acknowledged);
      return true;
    });
  }

  /** Sets the named leases to end `seconds` from now (0: hand them back for redelivery now). */
  async modifyDeadlines(project: ProjectRecord, name: string, ackIds: readonly string[], seconds: number): Promise<void> {
    const refs = parseRefs(project, name, ackIds);
    await this.ctx.withCasRetries('Backend Error', async () => {
      const state = await this.state(project, name);
      const next = afterModifyDeadlines(state, refs, seconds, this.ctx.clock.now());
      if (next === UNKNOWN) throw invalidAckId();
      return (await this.ctx.subscriptionStore.compareAndSetLeases(project.uuid, name, state.cursor.version, next)) || LOST;
    });
  }

  private async state(project: ProjectRecord, name: string): Promise<LeaseState> {
    const state = await this.ctx.subscriptionStore.leaseState(project.uuid, name);
    if (state === null) throw AmsError.notFound('Subscription');
    return state;
  }

  /** Whether a pull need not wait: nothing to hand out at all, or `max` messages (spec 4.2 long poll). */
  private async enoughToPull(project: ProjectRecord, subscription: SubscriptionRecord, topic: TopicRecord, max: number): Promise<boolean> {
    const state = await this.state(project, subscription.name);
    const bounds = await this.ctx.log.bounds(topic.logId);
    const plan = planPull(fitToLog(state, bounds), bounds.max, this.ctx.clock.now(), max);
    const available = plan.redeliver.length + plan.freshCount;
    return available === 0 || available >= max;
  }

  /**
   * The messages of a plan, within AMS_PULL_MAX_BYTES in total (at least one). Expired leases are read in runs of
   * consecutive offsets; a message the log no longer holds is left out (its lease goes with the next fit to the log).
   */
  private async readPlan(topic: TopicRecord, plan: PullPlan): Promise<{ redelivered: StoredMessage[]; fresh: StoredMessage[] }> {
    let budget = this.ctx.config.pullMaxBytes;
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
      const read = await this.ctx.log.read(topic.logId, run.from, run.count, budget);
      const kept = within(read.filter((m) => m.offset < run.from + run.count));
      redelivered.push(...kept);
      if (kept.length < read.length) return { redelivered, fresh: [] };
    }
    if (plan.freshCount === 0 || (taken > 0 && budget <= 0)) return { redelivered, fresh: [] };
    const fresh = within(await this.ctx.log.read(topic.logId, plan.freshFrom, plan.freshCount, budget));
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
