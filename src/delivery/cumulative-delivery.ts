import { Injectable } from '@nestjs/common';
import { formatAckId, parseAckId } from '../common/ack-id.js';
import { AmsError } from '../common/ams-error.js';
import type { ProjectRecord, StoredMessage, SubscriptionRecord } from '../storage/ports/records.js';
import { afterAcknowledge, afterPull, clampFloor } from './cumulative-ack.js';
import { DeliveryContext, LOST, type PullOrder } from './delivery-context.js';
import type { ReceivedMessageDto } from './dto/delivery.dto.js';
import { pulledMessage } from './shared.js';

/**
 * Pull and acknowledge of AMS's cumulative subscriptions (spec 4.2, 4.3). The rules are in cumulative-ack.ts; this
 * reads the cursor and the log, asks them, and writes the outcome back with one compare-and-set, retrying when
 * another puller or acknowledger changed the subscription meanwhile. DeliveryService has done the existence,
 * permission and body checks before it calls in.
 */
@Injectable()
export class CumulativeDelivery {
  constructor(private readonly ctx: DeliveryContext) {}

  /** The window from the floor on: the same messages again until they are acknowledged (spec 4.2). */
  pull({ project, subscription, topic, max, wait, gone }: PullOrder): Promise<ReceivedMessageDto[]> {
    const { subscriptionStore: store, log, config, clock } = this.ctx;
    let current = subscription;
    return this.ctx.withCasRetries('Backend Error', async (attempt) => {
      if (attempt > 0) current = await this.ctx.subscription(project, subscription.name);
      // One round trip to the log: the read at the cursor also brings the bounds that clamp it.
      const first = await log.readWithBounds(topic.logId, current.cursor.ackFloor, max, config.pullMaxBytes);
      const floor = clampFloor(current.cursor, first.bounds);
      const read = (): Promise<StoredMessage[]> => log.read(topic.logId, floor, max, config.pullMaxBytes);
      let messages = first.messages;
      if (wait && messages.length > 0 && messages.length < max) {
        await this.ctx.longPoll(subscription, topic.logId, gone, async () => {
          messages = await read();
          return messages.length >= max;
        });
      }
      const next = afterPull(current.cursor, floor, messages.length, clock.now());
      if (!(await store.compareAndSetCursor(project.uuid, current.name, current.cursor.version, next))) return LOST;
      this.ctx.recordPulled(project, current, messages, clock.now());
      return messages.map((m) => received(project.name, current.name, m));
    });
  }

  /** The highest ackId acknowledges everything before it (spec 4.3). */
  async acknowledge(project: ProjectRecord, subscription: SubscriptionRecord, ackIds: readonly string[]): Promise<void> {
    let highest = -1;
    for (const ackId of ackIds) {
      const offset = parseAckId(ackId, project.name, subscription.name);
      if (offset === null) throw AmsError.invalid('Invalid ack id');
      highest = Math.max(highest, offset);
    }
    const { subscriptionStore: store, clock } = this.ctx;
    let current = subscription;
    await this.ctx.withCasRetries('Error handling acknowledgement', async (attempt) => {
      if (attempt > 0) current = await this.ctx.subscription(project, subscription.name);
      const next = afterAcknowledge(current.cursor, highest + 1, current.ackDeadlineSeconds, clock.now());
      if (next instanceof AmsError) throw next;
      if (!(await store.compareAndSetCursor(project.uuid, current.name, current.cursor.version, next))) return LOST;
      this.ctx.recordAcknowledged(project, current.name, next.ackFloor - current.cursor.ackFloor);
      return true;
    });
  }
}

function received(project: string, subscription: string, m: StoredMessage): ReceivedMessageDto {
  return { ackId: formatAckId(project, subscription, m.offset), message: pulledMessage(m) };
}
