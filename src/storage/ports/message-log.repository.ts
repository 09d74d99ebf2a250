import type { LogBounds, NewMessage, StoredMessage } from './records.js';

export const MESSAGE_LOG = Symbol('MessageLog');

/** What an append assigned: the offset and the publish time (epoch microseconds) of each message, in input order. */
export interface Appended {
  readonly offset: number;
  readonly publishTime: number;
}

/** A read with the log's bounds at the time of the read. */
export interface LogRead {
  readonly bounds: LogBounds;
  /** From max(from, bounds.min) on; none when from >= bounds.max. */
  readonly messages: StoredMessage[];
}

/**
 * One append-only log per topic incarnation (architecture decision 2). Offsets start at 0 and have no gaps;
 * publish times never go backwards within a log, so time-to-offset can search by offset.
 */
export interface MessageLog {
  /** Resolves when the backend answers; rejects (StoreUnavailableError) when it cannot be reached. */
  ping(): Promise<void>;
  /** Creates the log (nothing happens if it exists); its retention in seconds, absent or null: the service's. */
  createLog(logId: string, retentionSeconds?: number | null): Promise<void>;
  /** Changes how long the log keeps messages (null: the service's retention, AMS_MESSAGE_RETENTION_S). */
  setRetention(logId: string, retentionSeconds: number | null): Promise<void>;
  /**
   * Removes a log: from the moment this resolves it has no bounds, reads give nothing and appends fail. The space
   * may come back later, in steps that never block the process (the embedded store drains it in chunks).
   */
  deleteLog(logId: string): Promise<void>;
  /** Resolves only once the messages are durable (decision 7). */
  append(logId: string, messages: readonly NewMessage[]): Promise<Appended[]>;
  /** Messages from `from` on, at most `max` of them and, past the first, at most about `maxBytes` of data. */
  read(logId: string, from: number, max: number, maxBytes: number): Promise<StoredMessage[]>;
  /**
   * A consumer's read: the bounds and the messages from `from` (raised to the oldest retained offset) on, as `read`
   * limits them. On Kafka one Fetch, whose response carries both; a log that does not exist reads as `{0, 0}`.
   */
  readWithBounds(logId: string, from: number, max: number, maxBytes: number): Promise<LogRead>;
  /** Bounds of a log; a log that does not exist has `{min: 0, max: 0}`. */
  bounds(logId: string): Promise<LogBounds>;
  /** The first offset published at or after `epochMicros`, or null if none is. */
  offsetAtTime(logId: string, epochMicros: number): Promise<number | null>;
  /** The ids of every log this backend holds for this service (house-keeping finds the ones no topic refers to). */
  listLogs(): Promise<string[]>;
  /**
   * Message retention: deletes at most `limit` of the oldest messages published longer than the log's retention before
   * `nowMicros` and raises the log's `min` past them; resolves to how many went (0 once none is left). Offsets are
   * never reused. A backend whose broker applies the retention itself (Kafka's `retention.ms`) deletes nothing here.
   */
  expire(logId: string, nowMicros: number, limit: number): Promise<number>;
}

/** An append to a log that no longer exists (its topic was deleted meanwhile). */
export class LogNotFoundError extends Error {
  constructor(readonly logId: string) {
    super(`message log ${logId} does not exist`);
    this.name = 'LogNotFoundError';
  }
}
