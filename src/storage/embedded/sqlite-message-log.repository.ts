import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { Clock } from '../../common/time.js';
import { type Appended, LogNotFoundError, type LogRead, type MessageLog } from '../ports/message-log.repository.js';
import type { LogBounds, NewMessage, StoredMessage } from '../ports/records.js';
import { SqliteFile } from './sqlite-file.js';

interface LogRow {
  min_offset: number;
  next_offset: number;
  last_publish_us: number;
}

interface MessageRow {
  offset: number;
  publish_us: number;
  data: string;
  attributes: string | null;
}

@Injectable()
export class SqliteMessageLog implements MessageLog {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly appendTx: (logId: string, messages: readonly NewMessage[]) => Appended[];

  constructor(
    file: SqliteFile,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.db = file.db;
    this.statements = {
      createLog: this.db.prepare(
        'INSERT OR IGNORE INTO logs (log_id, min_offset, next_offset, last_publish_us) VALUES (?, 0, 0, 0)',
      ),
      deleteLog: this.db.prepare('DELETE FROM logs WHERE log_id = ?'),
      logIds: this.db.prepare('SELECT log_id FROM logs').pluck(),
      deleteMessages: this.db.prepare('DELETE FROM messages WHERE log_id = ?'),
      log: this.db.prepare('SELECT min_offset, next_offset, last_publish_us FROM logs WHERE log_id = ?'),
      advance: this.db.prepare('UPDATE logs SET next_offset = ?, last_publish_us = ? WHERE log_id = ?'),
      insert: this.db.prepare(
        'INSERT INTO messages (log_id, offset, publish_us, data, attributes) VALUES (?, ?, ?, ?, ?)',
      ),
      read: this.db.prepare(
        'SELECT offset, publish_us, data, attributes FROM messages WHERE log_id = ? AND offset >= ? ORDER BY offset LIMIT ?',
      ),
      publishTimeAt: this.db.prepare('SELECT publish_us FROM messages WHERE log_id = ? AND offset = ?').pluck(),
    };
    this.appendTx = this.db.transaction((logId: string, messages: readonly NewMessage[]) => this.appendNow(logId, messages)).immediate;
  }

  async ping(): Promise<void> {
    this.statements.log.get('');
  }

  async createLog(logId: string): Promise<void> {
    this.statements.createLog.run(logId);
  }

  async listLogs(): Promise<string[]> {
    return this.statements.logIds.all() as string[];
  }

  async deleteLog(logId: string): Promise<void> {
    this.db.transaction(() => {
      this.statements.deleteMessages.run(logId);
      this.statements.deleteLog.run(logId);
    }).immediate();
  }

  async append(logId: string, messages: readonly NewMessage[]): Promise<Appended[]> {
    if (messages.length === 0) return [];
    // IMMEDIATE: take the write lock first (waiting up to busy_timeout), so a push worker process writing the same
    // file cannot make the read-then-write upgrade fail with SQLITE_BUSY.
    return this.appendTx(logId, messages);
  }

  async read(logId: string, from: number, max: number, maxBytes: number): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    let bytes = 0;
    for (const row of this.statements.read.iterate(logId, from, max) as IterableIterator<MessageRow>) {
      bytes += row.data.length + (row.attributes?.length ?? 0);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push({
        offset: row.offset,
        publishTime: row.publish_us,
        data: row.data,
        attributes: row.attributes === null ? {} : (JSON.parse(row.attributes) as Record<string, string>),
      });
    }
    return out;
  }

  async readWithBounds(logId: string, from: number, max: number, maxBytes: number): Promise<LogRead> {
    const bounds = await this.bounds(logId);
    const messages = from >= bounds.max ? [] : await this.read(logId, Math.max(from, bounds.min), max, maxBytes);
    return { bounds, messages };
  }

  async bounds(logId: string): Promise<LogBounds> {
    const row = this.statements.log.get(logId) as LogRow | undefined;
    return row === undefined ? { min: 0, max: 0 } : { min: row.min_offset, max: row.next_offset };
  }

  async offsetAtTime(logId: string, epochMicros: number): Promise<number | null> {
    const { min, max } = await this.bounds(logId);
    // Publish times never decrease along a log (see appendNow), so the first offset at or after the time is found
    // by bisection over point reads.
    let low = min;
    let high = max;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const publishedAt = this.statements.publishTimeAt.get(logId, mid) as number;
      if (publishedAt >= epochMicros) high = mid;
      else low = mid + 1;
    }
    return low < max ? low : null;
  }

  private appendNow(logId: string, messages: readonly NewMessage[]): Appended[] {
    const log = this.statements.log.get(logId) as LogRow | undefined;
    if (log === undefined) throw new LogNotFoundError(logId);
    const publishTime = Math.max(this.clock.nowMicros(), log.last_publish_us);
    const appended: Appended[] = [];
    let offset = log.next_offset;
    for (const message of messages) {
      const attributes = Object.keys(message.attributes).length === 0 ? null : JSON.stringify(message.attributes);
      this.statements.insert.run(logId, offset, publishTime, message.data, attributes);
      appended.push({ offset, publishTime });
      offset += 1;
    }
    this.statements.advance.run(offset, publishTime, logId);
    return appended;
  }
}
