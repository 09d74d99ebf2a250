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
  createLog(logId: string): Promise<void>;
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
}

/** An append to a log that no longer exists (its topic was deleted meanwhile). */
export class LogNotFoundError extends Error {
  constructor(readonly logId: string) {
    super(`message log ${logId} does not exist`);
    this.name = 'LogNotFoundError';
  }
}
