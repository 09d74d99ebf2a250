import { Injectable } from '@nestjs/common';
import { type Caller, isServiceAdmin } from '../auth/caller.js';
import { AmsError } from '../common/ams-error.js';
import { decodeBody } from '../common/json-body.js';
import type { ProjectRecord, SubscriptionRecord } from '../storage/ports/records.js';
import { CumulativeDelivery } from './cumulative-delivery.js';
import { DeliveryContext } from './delivery-context.js';
import { INVALID_ACK_DEADLINE, PullDto, type PullResultDto } from './dto/delivery.dto.js';
import { IndividualDelivery } from './individual-delivery.js';
import { SubscriptionActivityRecorder } from './subscription-activity.js';

export const PUSH_DISABLED = 'Push functionality is currently disabled';
const NEVER = new AbortController().signal;

/**
 * Delivery of a subscription's messages, whatever asks for them (the `:pull`, `:acknowledge` and `:modifyAckDeadline`
 * routes, and the push workers): the checks in the spec's order, then the subscription's acknowledgement mode
 * (cumulative-delivery.ts, AMS's; individual-delivery.ts, pubsub-extensions 1) does the work.
 */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly ctx: DeliveryContext,
    private readonly cumulative: CumulativeDelivery,
    private readonly individual: IndividualDelivery,
    private readonly activity: SubscriptionActivityRecorder,
  ) {}

  /**
   * spec 4.2, in its order: subscription -> push rule and ACL -> topic -> body (a `:pull` body, decoded here so that
   * it comes after those checks); then read, wait if asked (until `gone` fires at the latest), and record.
   */
  async pull(caller: Caller, project: ProjectRecord, name: string, raw: unknown, gone: AbortSignal = NEVER): Promise<PullResultDto> {
    const subscription = await this.ctx.subscription(project, name);
    this.checkMayPull(caller, subscription);
    const topic = await this.ctx.topicStore.topic(project.uuid, subscription.topicName);
    if (topic === null) throw AmsError.conflict("Subscription's topic doesn't exist");
    const body = decodeBody(raw, PullDto);
    const max = Math.min(pullCount(body.maxMessages), this.ctx.config.pullMaxMessages);
    const wait = body.returnImmediately === 'false' || body.returnImmediately === false;
    const mode = subscription.ackMode === 'individual' ? this.individual : this.cumulative;
    const receivedMessages = await mode.pull({ project, subscription, topic, max, wait, gone });
    // A push worker's pulls are not activity (pubsub-extensions 7): only its acknowledgements, after a delivery, are.
    if (!caller.roles.has('push_worker')) this.activity.record(subscription, this.ctx.clock.now());
    return { receivedMessages };
  }

  /** spec 4.3: cumulative, the highest ackId acknowledges everything before it; individual: exactly those named. */
  async acknowledge(project: ProjectRecord, name: string, ackIds: readonly string[] | undefined): Promise<Record<string, never>> {
    const subscription = await this.ctx.subscription(project, name);
    if (ackIds === undefined || ackIds.length === 0) throw AmsError.invalid('Invalid ack id');
    if (subscription.ackMode === 'individual') await this.individual.acknowledge(project, name, ackIds);
    else await this.cumulative.acknowledge(project, subscription, ackIds);
    this.activity.record(subscription, this.ctx.clock.now());
    return {};
  }

  /**
   * The subscription's deadline (spec 4.3); with `ackIds` on an individual-ack subscription, the leases of those
   * deliveries instead (pubsub-extensions 1). A cumulative subscription ignores `ackIds`, as AMS does unknown keys.
   */
  async modifyAckDeadline(
    project: ProjectRecord,
    name: string,
    seconds: number | undefined,
    ackIds?: readonly string[],
  ): Promise<void> {
    const ackDeadlineSeconds = seconds ?? 0;
    if (ackDeadlineSeconds < 0 || ackDeadlineSeconds > 600) throw AmsError.invalid(INVALID_ACK_DEADLINE);
    if (ackIds !== undefined && (await this.ctx.subscription(project, name)).ackMode === 'individual') {
      return this.individual.modifyDeadlines(project, name, ackIds, ackDeadlineSeconds);
    }
    if ((await this.ctx.subscriptionStore.updateSubscription(project.uuid, name, { ackDeadlineSeconds })) === null) {
      throw AmsError.notFound('Subscription');
    }
  }

  /**
   * spec 2.4: push subscriptions are pulled only by the push worker (409 while push is off) or a service admin;
   * consumers need the ACL.
   */
  private checkMayPull(caller: Caller, subscription: SubscriptionRecord): void {
    if (subscription.pushConfig !== null && !caller.roles.has('push_worker') && !isServiceAdmin(caller)) {
      throw AmsError.forbidden();
    }
    if (subscription.pushConfig !== null && caller.roles.has('push_worker') && !this.ctx.config.push.enabled) {
      throw AmsError.conflict(PUSH_DISABLED);
    }
    if (caller.roles.has('consumer') && !subscription.authorizedUsers.includes(caller.user?.uuid ?? '')) {
      throw AmsError.forbidden();
    }
  }
}

/**
 * `maxMessages`: absent or unparsable -> 1; 0 or negative act as 1 (spec 4.2). A string must be a whole decimal
 * number as Go's strconv.Atoi reads it: `"2abc"` or `"1.5"` is unparsable (parseInt would read 2 and 1).
 */
export function pullCount(raw: string | number | undefined): number {
  const value = typeof raw === 'number' ? raw : /^[+-]?\d+$/.test(raw ?? '') ? Number(raw) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 1;
}
