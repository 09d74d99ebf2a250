import { Injectable } from '@nestjs/common';
import type { FilterQuery } from 'mongoose';
import type { CounterStore, DailyCountFilter } from '../ports/counter-store.repository.js';
import type {
  CountedKind,
  CreatedCounts,
  DailyCount,
  DailyCountBatch,
  NodeSampleRecord,
  ProjectMessageTotal,
  ResourceCount,
  ResourceCountBatch,
  ResourceCounters,
} from '../ports/records.js';
import type { Doc } from './mongo-docs.js';
import { isDuplicate, run } from './mongo-errors.js';
import { MongoModels } from './mongo-models.js';

/** How many recent batch ids a counter remembers: retries follow their failure closely. */
const RECENT_BATCHES = 50;

/** Daily counters, resource counters and node samples, each counter one document changed by single-document updates. */
@Injectable()
export class MongoCounterStore implements CounterStore {
  constructor(private readonly m: MongoModels) {}

  /**
   * One upsert per counter, conditional on the batch id not being recorded on it yet: a counter that already holds
   * the id does not match, the upsert then collides with the unique key (11000), and that means "already applied".
   */
  addDailyCounts(batch: DailyCountBatch): Promise<void> {
    return run(async () => {
      const projectUuids = [...new Set(batch.counts.map((c) => c.projectUuid))];
      const existing = new Set(
        ((await this.m.projects.find({ uuid: { $in: projectUuids } }, { uuid: 1 }).lean()) as Doc[]).map((d) => d.uuid),
      );
      for (const count of batch.counts) {
        if (!existing.has(count.projectUuid)) continue;
        try {
          await this.m.dailyCounters.updateOne(
            { projectUuid: count.projectUuid, topicName: count.topicName, day: count.day, batches: { $ne: batch.id } },
            {
              $inc: { messages: count.messages, bytes: count.bytes },
              $push: { batches: { $each: [batch.id], $slice: -RECENT_BATCHES } },
            },
            { upsert: true },
          );
        } catch (err) {
          if (!isDuplicate(err)) throw err;
        }
      }
    });
  }

  dailyCounts(filter: DailyCountFilter): Promise<DailyCount[]> {
    return run(async () => {
      const docs = (await this.m.dailyCounters
        .find(dailyQuery(filter))
        .sort({ day: -1, projectUuid: 1, topicName: 1 })
        .lean()) as Doc[];
      return docs.map((d) => ({ projectUuid: d.projectUuid, topicName: d.topicName, day: d.day, messages: d.messages, bytes: d.bytes }));
    });
  }

  async messageTotals(filter: DailyCountFilter): Promise<ProjectMessageTotal[]> {
    const totals = new Map<string, { messages: number; bytes: number }>();
    for (const count of await this.dailyCounts({ ...filter, topicName: undefined })) {
      const total = totals.get(count.projectUuid) ?? { messages: 0, bytes: 0 };
      total.messages += count.messages;
      total.bytes += count.bytes;
      totals.set(count.projectUuid, total);
    }
    return [...totals].map(([projectUuid, t]) => ({ projectUuid, ...t }));
  }

  countCreated(projectUuid: string, from: Date, to: Date): Promise<CreatedCounts> {
    return run(async () => {
      const createdOn = { $gte: from, $lte: to };
      const [topics, subscriptions, users] = await Promise.all([
        this.m.topics.countDocuments({ projectUuid, createdOn }),
        this.m.subscriptions.countDocuments({ projectUuid, createdOn }),
        this.m.users.countDocuments({ 'projects.projectUuid': projectUuid, createdOn }),
      ]);
      return { topics, subscriptions, users };
    });
  }

  addResourceCounts(batch: ResourceCountBatch): Promise<void> {
    return run(async () => {
      // A batch may hold several increments of one counter (two rate windows), so each carries its own mark.
      for (const [i, count] of batch.counts.entries()) {
        if (await this.incarnationExists(count)) await this.addResourceCount(`${batch.id}/${i}`, count);
      }
    });
  }

  async resourceCounters(kind: CountedKind, projectUuid: string, name: string, incarnation: string): Promise<ResourceCounters> {
    const doc = await run(async () => (await this.m.resourceCounters.findOne({ kind, projectUuid, name, incarnation }).lean()) as Doc | null);
    if (doc === null) return { messages: 0, bytes: 0, lastAt: null, rateWindow: null };
    return {
      messages: doc.messages,
      bytes: doc.bytes,
      lastAt: doc.lastAt,
      rateWindow: { start: doc.rateStart, messages: doc.rateMessages },
    };
  }

  putNodeSample(sample: NodeSampleRecord): Promise<void> {
    return run(async () => {
      await this.m.nodes.updateOne({ host: sample.host }, { $set: { ...sample } }, { upsert: true });
    });
  }

  nodeSamples(): Promise<NodeSampleRecord[]> {
    return run(async () => {
      const docs = (await this.m.nodes.find({}).sort({ host: 1 }).lean()) as Doc[];
      return docs.map((d) => ({ host: d.host, cpu: d.cpu, memory: d.memory, sampledAt: d.sampledAt }));
    });
  }

  /**
   * Whether the counted topic (by log id) or subscription (by creation time) still exists. Checked before the write,
   * not with it: a deletion in between leaves a counter of a dead incarnation, which no read asks for and the next
   * deletion of that name or of the project removes.
   */
  private async incarnationExists(count: ResourceCount): Promise<boolean> {
    const { projectUuid, name } = count;
    if (count.kind === 'topic') return (await this.m.topics.exists({ projectUuid, name, logId: count.incarnation })) !== null;
    const createdOn = new Date(Number(count.incarnation));
    return (await this.m.subscriptions.exists({ projectUuid, name, createdOn })) !== null;
  }

  /**
   * One increment, as single-document conditional updates (no transactions): the rate window of the stored counter is
   * the same as the increment's, older, or newer, and exactly one of the three updates matches unless the increment's
   * mark (batch id and position) was applied already or the counter does not exist yet. Then an insert creates it; a
   * duplicate key means another writer created it (or this increment applied): look again.
   */
  private async addResourceCount(mark: string, c: ResourceCount): Promise<void> {
    const key = { kind: c.kind, projectUuid: c.projectUuid, name: c.name, incarnation: c.incarnation };
    const fresh = { ...key, batches: { $ne: mark } };
    const common = {
      $inc: { messages: c.messages, bytes: c.bytes },
      $max: { lastAt: c.lastAt },
      $push: { batches: { $each: [mark], $slice: -RECENT_BATCHES } },
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      const sameWindow = await this.m.resourceCounters.updateOne(
        { ...fresh, rateStart: c.windowStart },
        { ...common, $inc: { ...common.$inc, rateMessages: c.messages } },
      );
      if (sameWindow.matchedCount === 1) return;
      const newerWindow = await this.m.resourceCounters.updateOne(
        { ...fresh, rateStart: { $lt: c.windowStart } },
        { ...common, $set: { rateStart: c.windowStart, rateMessages: c.messages } },
      );
      if (newerWindow.matchedCount === 1) return;
      const olderWindow = await this.m.resourceCounters.updateOne({ ...fresh, rateStart: { $gt: c.windowStart } }, common);
      if (olderWindow.matchedCount === 1) return;
      if ((await this.m.resourceCounters.exists({ ...key, batches: mark })) !== null) return;
      try {
        await this.m.resourceCounters.create({
          ...key,
          messages: c.messages,
          bytes: c.bytes,
          lastAt: c.lastAt,
          rateStart: c.windowStart,
          rateMessages: c.messages,
          batches: [mark],
        });
        return;
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
    }
    throw new Error(`resource counter ${c.kind} ${c.name}: too many concurrent changes`);
  }

  forgetDailyCountBatches(beforeDay: string): Promise<number> {
    return run(async () => {
      const forgotten = await this.m.dailyCounters.collection.updateMany(
        { day: { $lt: beforeDay }, 'batches.0': { $exists: true } },
        { $set: { batches: [] } },
      );
      return forgotten.modifiedCount;
    });
  }
}

function dailyQuery(filter: DailyCountFilter): FilterQuery<Doc> {
  const query: FilterQuery<Doc> = { day: { $gte: filter.fromDay, $lte: filter.toDay } };
  if (filter.projectUuids !== undefined) query.projectUuid = { $in: [...filter.projectUuids] };
  if (filter.topicName !== undefined) query.topicName = filter.topicName;
  return query;
}
