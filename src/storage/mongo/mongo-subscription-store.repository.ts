import { Injectable } from '@nestjs/common';
import type { FilterQuery } from 'mongoose';
import type { Page, PageQuery } from '../../common/pagination.js';
import type { LeaseRecord, LeaseState, SubscriptionActivity, SubscriptionRecord } from '../ports/records.js';
import type {
  NewCursor,
  NewLeaseState,
  SubscriptionFilter,
  SubscriptionPatch,
  SubscriptionStore,
} from '../ports/subscription-store.repository.js';
import { aclNames, cursorFields, type Doc, insert, one, pageOf, setOf, subscriptionFrom, update, withAcl } from './mongo-docs.js';
import { run } from './mongo-errors.js';
import { MongoModels } from './mongo-models.js';

/**
 * Subscriptions with their cursor, leases and acknowledged offsets inside the subscription document, so every cursor
 * change is one conditional single-document update on `cursor.version`.
 */
@Injectable()
export class MongoSubscriptionStore implements SubscriptionStore {
  constructor(private readonly m: MongoModels) {}

  createSubscription(s: SubscriptionRecord): Promise<boolean> {
    const { authorizedUsers, cursor, ...rest } = s;
    return insert(this.m.subscriptions, {
      ...rest,
      acl: [...authorizedUsers],
      cursor: {
        ackFloor: cursor.ackFloor,
        readOffset: cursor.readOffset,
        windowEnd: cursor.window?.end ?? null,
        windowPulledAt: cursor.window?.pulledAt ?? null,
        version: cursor.version,
      },
    });
  }

  subscription(projectUuid: string, name: string): Promise<SubscriptionRecord | null> {
    return one(this.m.subscriptions, { projectUuid, name }, subscriptionFrom);
  }

  listSubscriptions(projectUuid: string, filter: SubscriptionFilter, page: PageQuery): Promise<Page<SubscriptionRecord> | null> {
    const query: FilterQuery<Doc> = filter.topicName === undefined ? { projectUuid } : { projectUuid, topicName: filter.topicName };
    return pageOf(this.m.subscriptions, withAcl(query, filter.aclUser), page, subscriptionFrom);
  }

  async updateSubscription(projectUuid: string, name: string, patch: SubscriptionPatch): Promise<SubscriptionRecord | null> {
    const set = setOf(patch, { authorizedUsers: 'acl' });
    const outcome = await update(this.m.subscriptions, { projectUuid, name }, set, subscriptionFrom);
    return typeof outcome === 'string' ? null : outcome;
  }

  recordActivity(activity: readonly SubscriptionActivity[]): Promise<void> {
    return run(async () => {
      if (activity.length === 0) return;
      await this.m.subscriptions.bulkWrite(
        activity.map((a) => ({
          updateOne: {
            filter: { projectUuid: a.projectUuid, name: a.name, expirationTtlSeconds: a.ttlSeconds },
            update: { $max: { expiresAt: new Date(a.at.getTime() + a.ttlSeconds * 1000) } },
          },
        })),
        { ordered: false },
      );
    });
  }

  expiredSubscriptions(now: Date, limit: number): Promise<SubscriptionRecord[]> {
    return run(async () => {
      const docs = (await this.m.subscriptions.collection
        .find({ expiresAt: { $ne: null, $lte: now } })
        .sort({ expiresAt: 1 })
        .limit(limit)
        .toArray()) as Doc[];
      return docs.map(subscriptionFrom);
    });
  }

  deleteSubscription(projectUuid: string, name: string): Promise<boolean> {
    return run(async () => {
      const deleted = (await this.m.subscriptions.deleteOne({ projectUuid, name })).deletedCount === 1;
      await this.m.resourceCounters.deleteMany({ kind: { $ne: 'topic' }, projectUuid, name });
      return deleted;
    });
  }

  listActivePushSubscriptions(): Promise<SubscriptionRecord[]> {
    return run(async () => {
      const docs = (await this.m.subscriptions.collection.find({ 'pushConfig.verified': true }).sort({ _id: 1 }).toArray()) as Doc[];
      return docs.map(subscriptionFrom);
    });
  }

  /** One conditional update on the subscription document: applies only while the version is the expected one. */
  compareAndSetCursor(projectUuid: string, name: string, expectedVersion: number, next: NewCursor): Promise<boolean> {
    return run(async () => {
      const result = await this.m.subscriptions.updateOne(
        { projectUuid, name, 'cursor.version': expectedVersion },
        { $set: cursorFields(next), $inc: { 'cursor.version': 1 } },
      );
      return result.modifiedCount === 1;
    });
  }

  leaseState(projectUuid: string, name: string): Promise<LeaseState | null> {
    return one(this.m.subscriptions, { projectUuid, name }, (d) => ({
      cursor: subscriptionFrom(d).cursor,
      leases: ((d.cursor.leases ?? []) as Doc[])
        .map((l): LeaseRecord => ({ offset: l.offset, deadline: l.deadline, deliveryAttempt: l.deliveryAttempt, leaseId: l.leaseId }))
        .sort((a, b) => a.offset - b.offset),
      acked: [...((d.cursor.acked ?? []) as number[])].sort((a, b) => a - b),
    }));
  }

  /** Leases live in the subscription document: one conditional update replaces them with the cursor. */
  compareAndSetLeases(projectUuid: string, name: string, expectedVersion: number, next: NewLeaseState): Promise<boolean> {
    return run(async () => {
      const result = await this.m.subscriptions.collection.updateOne(
        { projectUuid, name, 'cursor.version': expectedVersion },
        {
          $set: {
            ...cursorFields(next.cursor),
            'cursor.leases': next.leases.map((l) => ({
              offset: l.offset,
              deadline: l.deadline,
              deliveryAttempt: l.deliveryAttempt,
              leaseId: l.leaseId,
            })),
            'cursor.acked': [...next.acked],
          },
          $inc: { 'cursor.version': 1 },
        },
      );
      return result.modifiedCount === 1;
    });
  }

  aclSubscriptionNames(projectUuid: string, userUuid: string): Promise<string[]> {
    return aclNames(this.m.subscriptions, projectUuid, userUuid);
  }
}
