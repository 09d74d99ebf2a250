import { Injectable } from '@nestjs/common';
import type { CounterStore, DailyCountFilter } from '../ports/counter-store.repository.js';
import type {
  CountedKind,
  CreatedCounts,
  DailyCount,
  DailyCountBatch,
  NodeSampleRecord,
  ProjectMessageTotal,
  ResourceCountBatch,
  ResourceCounters,
} from '../ports/records.js';
import { SqliteAdapter } from './sqlite-adapter.js';
import { MEMBER_OF, type Row, toDate } from './sqlite-rows.js';

/** Daily counters, resource counters and node samples in the embedded store's file. */
@Injectable()
export class SqliteCounterStore extends SqliteAdapter implements CounterStore {
  async addDailyCounts(batch: DailyCountBatch): Promise<void> {
    this.db.transaction(() => {
      const seen = this.sql('INSERT INTO daily_count_batches (batch_id) VALUES (?) ON CONFLICT (batch_id) DO NOTHING').run(batch.id);
      if (seen.changes === 0) return;
      const add = this.sql(
        `INSERT INTO daily_counts (project_uuid, topic_name, day, messages, bytes)
           SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM projects WHERE uuid = ?)
         ON CONFLICT (project_uuid, topic_name, day)
           DO UPDATE SET messages = messages + excluded.messages, bytes = bytes + excluded.bytes`,
      );
      for (const c of batch.counts) add.run(c.projectUuid, c.topicName, c.day, c.messages, c.bytes, c.projectUuid);
      // A batch is retried within seconds of its first try; remembering the last ones is plenty.
      this.sql('DELETE FROM daily_count_batches WHERE seq <= ?').run(Number(seen.lastInsertRowid) - KEPT_BATCH_IDS);
    }).immediate();
  }

  async dailyCounts(filter: DailyCountFilter): Promise<DailyCount[]> {
    const [where, params] = dailyWhere(filter, true);
    const rows = this.sql(
      `SELECT project_uuid, topic_name, day, messages, bytes FROM daily_counts WHERE ${where}
       ORDER BY day DESC, project_uuid, topic_name`,
    ).all(...params) as Row[];
    return rows.map((row) => ({
      projectUuid: row.project_uuid as string,
      topicName: row.topic_name as string,
      day: row.day as string,
      messages: row.messages as number,
      bytes: row.bytes as number,
    }));
  }

  async messageTotals(filter: DailyCountFilter): Promise<ProjectMessageTotal[]> {
    const [where, params] = dailyWhere(filter, false);
    const rows = this.sql(
      `SELECT project_uuid, sum(messages) AS messages, sum(bytes) AS bytes FROM daily_counts WHERE ${where}
       GROUP BY project_uuid`,
    ).all(...params) as Row[];
    return rows.map((row) => ({
      projectUuid: row.project_uuid as string,
      messages: row.messages as number,
      bytes: row.bytes as number,
    }));
  }

  async countCreated(projectUuid: string, from: Date, to: Date): Promise<CreatedCounts> {
    const window = [from.getTime(), to.getTime()];
    const count = (sql: string, ...params: unknown[]): number => this.sql(sql).pluck().get(...params) as number;
    return {
      topics: count('SELECT count(*) FROM topics WHERE project_uuid = ? AND created_on BETWEEN ? AND ?', projectUuid, ...window),
      subscriptions: count(
        'SELECT count(*) FROM subscriptions WHERE project_uuid = ? AND created_on BETWEEN ? AND ?',
        projectUuid,
        ...window,
      ),
      users: count(`SELECT count(*) FROM users WHERE created_on BETWEEN ? AND ? AND ${MEMBER_OF}`, ...window, projectUuid),
    };
  }

  async addResourceCounts(batch: ResourceCountBatch): Promise<void> {
    this.db.transaction(() => {
      const seen = this.sql(
        'INSERT INTO resource_count_batches (batch_id) VALUES (?) ON CONFLICT (batch_id) DO NOTHING',
      ).run(batch.id);
      if (seen.changes === 0) return;
      for (const c of batch.counts) {
        this.sql(ADD_RESOURCE_COUNT[c.kind]).run(
          c.kind,
          c.projectUuid,
          c.name,
          c.incarnation,
          c.messages,
          c.bytes,
          c.lastAt.getTime(),
          c.windowStart.getTime(),
          c.messages,
          c.projectUuid,
          c.name,
          c.kind === 'topic' ? c.incarnation : Number(c.incarnation),
        );
      }
      this.sql('DELETE FROM resource_count_batches WHERE seq <= ?').run(Number(seen.lastInsertRowid) - KEPT_BATCH_IDS);
    })();
  }

  async resourceCounters(kind: CountedKind, projectUuid: string, name: string, incarnation: string): Promise<ResourceCounters> {
    const row = this.sql(
      'SELECT * FROM resource_counters WHERE kind = ? AND project_uuid = ? AND name = ? AND incarnation = ?',
    ).get(kind, projectUuid, name, incarnation) as Row | undefined;
    if (row === undefined) return { messages: 0, bytes: 0, lastAt: null, rateWindow: null };
    return {
      messages: row.messages as number,
      bytes: row.bytes as number,
      lastAt: toDate(row.last_at),
      rateWindow: { start: toDate(row.rate_start), messages: row.rate_messages as number },
    };
  }

  async putNodeSample(sample: NodeSampleRecord): Promise<void> {
    this.sql(
      `INSERT INTO node_samples (host, cpu, memory, sampled_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (host) DO UPDATE SET cpu = excluded.cpu, memory = excluded.memory, sampled_at = excluded.sampled_at`,
    ).run(sample.host, sample.cpu, sample.memory, sample.sampledAt.getTime());
  }

  async nodeSamples(): Promise<NodeSampleRecord[]> {
    const rows = this.sql('SELECT * FROM node_samples ORDER BY host').all() as Row[];
    return rows.map((row) => ({
      host: row.host as string,
      cpu: row.cpu as number,
      memory: row.memory as number,
      sampledAt: toDate(row.sampled_at),
    }));
  }

  /**
   * Nothing to forget here: a batch is applied in one transaction, so its id only has to outlive a retry of a write
   * whose outcome was unknown, and addDailyCounts already keeps just the last KEPT_BATCH_IDS ids.
   */
  async forgetDailyCountBatches(_beforeDay: string): Promise<number> {
    return 0;
  }
}

const KEPT_BATCH_IDS = 10_000;

/**
 * Adds one increment to a resource incarnation's counters, only while that incarnation exists (a topic by its log id,
 * a subscription by its creation time). SET expressions all read the old row, so the rate window is decided on it.
 */
const resourceCountUpsert = (exists: string): string => `
  INSERT INTO resource_counters (kind, project_uuid, name, incarnation, messages, bytes, last_at, rate_start, rate_messages)
    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (${exists})
  ON CONFLICT (kind, project_uuid, name, incarnation) DO UPDATE SET
    messages = messages + excluded.messages,
    bytes = bytes + excluded.bytes,
    last_at = max(last_at, excluded.last_at),
    rate_messages = CASE
      WHEN excluded.rate_start = rate_start THEN rate_messages + excluded.rate_messages
      WHEN excluded.rate_start > rate_start THEN excluded.rate_messages
      ELSE rate_messages END,
    rate_start = max(rate_start, excluded.rate_start)`;

const ADD_SUBSCRIPTION_COUNT = resourceCountUpsert(
  'SELECT 1 FROM subscriptions WHERE project_uuid = ? AND name = ? AND created_on = ?',
);
const ADD_RESOURCE_COUNT: Record<CountedKind, string> = {
  topic: resourceCountUpsert('SELECT 1 FROM topics WHERE project_uuid = ? AND name = ? AND log_id = ?'),
  subscription: ADD_SUBSCRIPTION_COUNT,
  push_delivered: ADD_SUBSCRIPTION_COUNT,
  push_failed: ADD_SUBSCRIPTION_COUNT,
  push_retried: ADD_SUBSCRIPTION_COUNT,
};

/** WHERE clause of a daily-counter filter; the SQL text depends only on which filter fields are set (cached). */
function dailyWhere(filter: DailyCountFilter, withTopic: boolean): [string, unknown[]] {
  let where = 'day >= ? AND day <= ?';
  const params: unknown[] = [filter.fromDay, filter.toDay];
  if (filter.projectUuids !== undefined) {
    where += ' AND project_uuid IN (SELECT value FROM json_each(?))';
    params.push(JSON.stringify(filter.projectUuids));
  }
  if (withTopic && filter.topicName !== undefined) {
    where += ' AND topic_name = ?';
    params.push(filter.topicName);
  }
  return [where, params];
}
