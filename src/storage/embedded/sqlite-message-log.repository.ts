import { setImmediate as nextTurn } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { Clock } from '../../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../../config/config.js';
import { type Appended, LogNotFoundError, type LogRead, type MessageLog } from '../ports/message-log.repository.js';
import type { LogBounds, NewMessage, StoredMessage } from '../ports/records.js';
import { SqliteFile } from './sqlite-file.js';

interface LogRow {
  min_offset: number;
  next_offset: number;
  last_publish_us: number;
  retention_seconds: number | null;
}

interface MessageRow {
  offset: number;
  publish_us: number;
  data: string;
  attributes: string | null;
}

/**
 * Most messages one write transaction deletes (retention, dropped logs). better-sqlite3 is synchronous, so a chunk
 * holds the event loop for its length: a few milliseconds for this many 1 KB messages on a 2-core machine.
 */
export const DELETE_CHUNK = 500;
/** Free pages kept for reuse after deletes; beyond them, incremental vacuum gives pages back in steps of this size. */
const KEPT_FREE_PAGES = 1024;
const VACUUM_STEP_PAGES = 256;

@Injectable()
export class SqliteMessageLog implements MessageLog, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SqliteMessageLog.name);
  private readonly db: Database.Database;
  private readonly statements;
  private readonly appendTx: (logId: string, messages: readonly NewMessage[]) => Appended[];
  private readonly expireTx: (logId: string, nowMicros: number, limit: number) => number;
  /** Seconds a log without its own retention keeps messages (AMS_MESSAGE_RETENTION_S). */
  private readonly defaultRetentionSeconds: number;
  /** The drain of dropped logs in progress, if any; one at a time per process. */
  private draining: Promise<void> | null = null;
  private stopping = false;

  constructor(
    file: SqliteFile,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AMS_CONFIG) config: Pick<AmsConfig, 'messageRetentionSeconds'>,
  ) {
    this.db = file.db;
    this.defaultRetentionSeconds = config.messageRetentionSeconds;
    this.statements = {
      createLog: this.db.prepare(
        'INSERT OR IGNORE INTO logs (log_id, min_offset, next_offset, last_publish_us, retention_seconds) VALUES (?, 0, 0, 0, ?)',
      ),
      deleteLog: this.db.prepare('DELETE FROM logs WHERE log_id = ?'),
      logIds: this.db.prepare('SELECT log_id FROM logs').pluck(),
      drop: this.db.prepare('INSERT OR IGNORE INTO dropped_logs (log_id) VALUES (?)'),
      dropped: this.db.prepare('SELECT log_id FROM dropped_logs LIMIT 1').pluck(),
      forgetDropped: this.db.prepare('DELETE FROM dropped_logs WHERE log_id = ?'),
      deleteAllMessages: this.db.prepare('DELETE FROM messages WHERE log_id = ?'),
      deleteSomeMessages: this.db.prepare(
        'DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE log_id = ? LIMIT ?)',
      ),
      deleteRange: this.db.prepare('DELETE FROM messages WHERE log_id = ? AND offset >= ? AND offset < ?'),
      raiseMin: this.db.prepare('UPDATE logs SET min_offset = ? WHERE log_id = ?'),
      freePages: this.db.prepare('PRAGMA freelist_count').pluck(),
      log: this.db.prepare('SELECT min_offset, next_offset, last_publish_us, retention_seconds FROM logs WHERE log_id = ?'),
      setRetention: this.db.prepare('UPDATE logs SET retention_seconds = ? WHERE log_id = ?'),
      advance: this.db.prepare('UPDATE logs SET next_offset = ?, last_publish_us = ? WHERE log_id = ?'),
      insert: this.db.prepare(
        'INSERT INTO messages (log_id, offset, publish_us, data, attributes) VALUES (?, ?, ?, ?, ?)',
      ),
      // Bounded by the log's row: messages of a dropped log that are still being drained are never read.
      read: this.db.prepare(
        `SELECT offset, publish_us, data, attributes FROM messages
         WHERE log_id = ? AND offset >= ? AND offset < (SELECT next_offset FROM logs WHERE log_id = ?)
         ORDER BY offset LIMIT ?`,
      ),
      publishTimeAt: this.db.prepare('SELECT publish_us FROM messages WHERE log_id = ? AND offset = ?').pluck(),
    };
    this.appendTx = this.db.transaction((logId: string, messages: readonly NewMessage[]) => this.appendNow(logId, messages)).immediate;
    this.expireTx = this.db.transaction((logId: string, nowMicros: number, limit: number) =>
      this.expireNow(logId, nowMicros, limit),
    ).immediate;
  }

  /** Drops of an earlier run (or of another process on the same file) that were not drained to the end. */
  onApplicationBootstrap(): void {
    this.drainDroppedLogs();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.draining;
  }

  async ping(): Promise<void> {
    this.statements.log.get('');
  }

  /** A log id that was deleted and is still draining starts empty: what is left of the old log goes first. */
  async createLog(logId: string, retentionSeconds: number | null = null): Promise<void> {
    this.db.transaction(() => {
      if (this.statements.forgetDropped.run(logId).changes > 0) this.statements.deleteAllMessages.run(logId);
      this.statements.createLog.run(logId, retentionSeconds);
    }).immediate();
  }

  async setRetention(logId: string, retentionSeconds: number | null): Promise<void> {
    this.statements.setRetention.run(retentionSeconds, logId);
  }

  async listLogs(): Promise<string[]> {
    return this.statements.logIds.all() as string[];
  }

  /**
   * The log's row goes at once (bounds, reads and appends see no log); its messages are deleted in chunks afterwards
   * (drainDroppedLogs), so deleting a topic of millions of messages never holds the process for long. A re-created
   * topic has a new log id and so never sees them.
   */
  async deleteLog(logId: string): Promise<void> {
    this.db.transaction(() => {
      this.statements.deleteLog.run(logId);
      this.statements.drop.run(logId);
    }).immediate();
    this.drainDroppedLogs();
  }

  async expire(logId: string, nowMicros: number, limit: number): Promise<number> {
    const expired = this.expireTx(logId, nowMicros, Math.min(limit, DELETE_CHUNK));
    if (expired > 0) await this.releaseFreePages();
    return expired;
  }

  /** Starts draining the dropped logs in the background unless a drain runs already; it ends when none is left. */
  private drainDroppedLogs(): void {
    if (this.draining !== null || this.stopping) return;
    this.draining = this.drain()
      .catch((err: unknown) => this.logger.warn(`removing the messages of deleted topics stopped: ${String(err)}`))
      .finally(() => (this.draining = null));
  }

  private async drain(): Promise<void> {
    let drained = false;
    for (;;) {
      if (this.stopping) return;
      const logId = this.statements.dropped.get() as string | undefined;
      if (logId === undefined) break;
      const deleted = this.db.transaction(() => {
        const changes = this.statements.deleteSomeMessages.run(logId, DELETE_CHUNK).changes;
        if (changes < DELETE_CHUNK) this.statements.forgetDropped.run(logId);
        return changes;
      }).immediate();
      drained ||= deleted > 0;
      await nextTurn(); // requests waiting on the event loop go first
    }
    if (drained) await this.releaseFreePages();
  }

  /**
   * Gives free pages beyond KEPT_FREE_PAGES back to the file system in small steps (files created with auto_vacuum
   * INCREMENTAL; on older files the pragma does nothing and SQLite reuses the free pages for new messages).
   */
  private async releaseFreePages(): Promise<void> {
    while (!this.stopping && (this.statements.freePages.get() as number) > KEPT_FREE_PAGES) {
      const before = this.statements.freePages.get() as number;
      this.db.pragma(`incremental_vacuum(${Math.min(VACUUM_STEP_PAGES, before - KEPT_FREE_PAGES)})`);
      if ((this.statements.freePages.get() as number) >= before) return; // auto_vacuum is off on this file
      await nextTurn();
    }
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
    for (const row of this.statements.read.iterate(logId, from, logId, max) as IterableIterator<MessageRow>) {
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
    const found = this.firstOffsetAtOrAfter(logId, min, max, epochMicros);
    return found < max ? found : null;
  }

  /**
   * The first offset in [min, max) published at or after the time, or max. Publish times never decrease along a log
   * (see appendNow), so it is found by bisection over point reads.
   */
  private firstOffsetAtOrAfter(logId: string, min: number, max: number, epochMicros: number): number {
    let low = min;
    let high = max;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const publishedAt = this.statements.publishTimeAt.get(logId, mid) as number;
      if (publishedAt >= epochMicros) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private expireNow(logId: string, nowMicros: number, limit: number): number {
    const log = this.statements.log.get(logId) as LogRow | undefined;
    if (log === undefined || limit <= 0) return 0;
    const before = nowMicros - (log.retention_seconds ?? this.defaultRetentionSeconds) * 1_000_000;
    const end = Math.min(log.min_offset + limit, this.firstOffsetAtOrAfter(logId, log.min_offset, log.next_offset, before));
    if (end <= log.min_offset) return 0;
    this.statements.deleteRange.run(logId, log.min_offset, end);
    this.statements.raiseMin.run(end, logId);
    return end - log.min_offset;
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
