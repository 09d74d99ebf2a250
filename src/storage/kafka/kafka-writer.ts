import type { Producer } from 'kafkajs';
import { StoreUnavailableError } from '../ports/store-errors.js';
import { isUnknownTopic, type KafkaClient, PARTITION } from './kafka-client.js';

/** One append waiting in the outbox or in flight. */
interface PendingAppend {
  readonly topic: string;
  readonly values: readonly string[];
  readonly timestamp: string;
  readonly bytes: number;
  /** queued: in the outbox, not yet handed to the producer; sent: in a produce request; settled: answered. */
  state: 'queued' | 'sent' | 'settled';
  timer?: NodeJS.Timeout;
  resolve(baseOffset: number): void;
  reject(err: unknown): void;
}

export interface OutboxLimits {
  /** Appends waiting or in flight at most; past it an append fails at once. */
  readonly maxAppends: number;
  /** Bytes of record values waiting or in flight at most (one append alone may exceed it). */
  readonly maxBytes: number;
  /** Bytes of one produce request at most (about one request body); a larger append goes alone. */
  readonly requestBytes: number;
}

/**
 * Appends through one idempotent producer (acks=all) with a bounded outbox and group commit.
 *
 * - **Group commit.** The idempotent producer has one request in flight, so concurrent publishes would each wait a full
 *   round trip for the ones before them. Appends that arrive while a request is in flight go out together in the next
 *   one: the waiting appends of one topic (the oldest waiting append's), in arrival order, each append's records
 *   contiguous, up to `requestBytes`.
 * - **One topic per request.** A produce request to one single-partition topic succeeds or fails as a whole, so an
 *   append answered 200 is written exactly once, and a failure is never followed by re-sending appends Kafka may have
 *   taken (a request for several topics can fail for one while the others are written).
 * - **Deadlines.** Each append has the deadline of its call. One still in the outbox at its deadline is removed and
 *   answered 503: it is never written. One in flight at its deadline is answered 503 too, and may still be written
 *   (Kafka may have taken it without answering): the client's retry makes delivery at-least-once.
 * - **Bounded.** The appends waiting or in flight are bounded by count and bytes; past them an append is answered 503
 *   at once, so a stalled broker cannot make the outbox grow.
 * - **A fresh producer after a failure.** kafkajs rolls back the producer's sequence numbers when a request fails;
 *   if Kafka took that request after all, the next request would reuse them and be taken for a duplicate. A new
 *   producer (a new producer id) starts its sequences afresh.
 */
export class KafkaWriter {
  private outbox: PendingAppend[] = [];
  private waitingBytes = 0;
  private inFlight = 0;
  private producing = false;
  private current: { producer: Producer; release(): Promise<void>; ready: Promise<void> | null } | null = null;
  private readonly releases = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly limits: OutboxLimits,
  ) {}

  /** Connects the producer (done lazily otherwise). */
  async connect(): Promise<void> {
    await this.producer().ready;
  }

  /**
   * Queues record values for one topic; resolves with the first offset once Kafka has them, rejects with
   * StoreUnavailableError when the outbox is full or the deadline (epoch ms) passes first.
   */
  append(topic: string, values: readonly string[], timestamp: string, deadline: number): Promise<number> {
    const bytes = values.reduce((sum, value) => sum + value.length, 0);
    if (this.closed) return Promise.reject(new StoreUnavailableError('kafka', new Error('shutting down')));
    const pending = this.outbox.length + this.inFlight;
    if (pending >= this.limits.maxAppends || (pending > 0 && this.waitingBytes + bytes > this.limits.maxBytes)) {
      return Promise.reject(
        new StoreUnavailableError('kafka', new Error(`the outbox is full (${pending} appends, ${this.waitingBytes} bytes waiting)`)),
      );
    }
    return new Promise((resolve, reject) => {
      const append: PendingAppend = { topic, values, timestamp, bytes, state: 'queued', resolve, reject };
      append.timer = setTimeout(() => this.expire(append), Math.max(0, deadline - Date.now()));
      this.outbox.push(append);
      this.waitingBytes += bytes;
      void this.drain();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const append of this.outbox) this.settle(append, new StoreUnavailableError('kafka', new Error('shutting down')));
    this.outbox = [];
    if (this.current !== null) this.retire();
    await Promise.allSettled([...this.releases]);
  }

  private expire(append: PendingAppend): void {
    if (append.state === 'queued') {
      this.outbox.splice(this.outbox.indexOf(append), 1);
      this.waitingBytes -= append.bytes;
      this.settle(append, new StoreUnavailableError('kafka', new Error('not handed to Kafka in time; not written')));
    } else {
      this.settle(append, new StoreUnavailableError('kafka', new Error('no answer in time; the publish may be written')));
    }
  }

  private settle(append: PendingAppend, outcome: number | Error): void {
    if (append.state === 'settled') return;
    append.state = 'settled';
    clearTimeout(append.timer);
    if (typeof outcome === 'number') append.resolve(outcome);
    else append.reject(outcome);
  }

  private async drain(): Promise<void> {
    if (this.producing) return;
    this.producing = true;
    try {
      while (this.outbox.length > 0 && !this.closed) {
        try {
          await this.producer().ready;
        } catch (err) {
          // Nothing was sent: every waiting append fails now rather than at its deadline.
          this.retire();
          for (const append of this.outbox.splice(0)) this.settle(append, asError(err));
          this.waitingBytes = 0;
          continue;
        }
        await this.send(this.takeBatch());
      }
    } finally {
      this.producing = false;
    }
  }

  /** The oldest waiting append and the later ones of its topic, up to one request's bytes; marked sent. */
  private takeBatch(): PendingAppend[] {
    const topic = this.outbox[0].topic;
    const batch: PendingAppend[] = [];
    let bytes = 0;
    for (const append of this.outbox) {
      if (append.topic !== topic) continue;
      if (batch.length > 0 && bytes + append.bytes > this.limits.requestBytes) break;
      batch.push(append);
      bytes += append.bytes;
    }
    const taken = new Set(batch);
    this.outbox = this.outbox.filter((append) => !taken.has(append));
    for (const append of batch) append.state = 'sent';
    this.waitingBytes -= bytes;
    this.inFlight += batch.length;
    return batch;
  }

  private async send(batch: PendingAppend[], retried = false): Promise<void> {
    try {
      const { producer, ready } = this.producer();
      await ready;
      const [result] = await producer.sendBatch({
        acks: -1,
        topicMessages: [
          {
            topic: batch[0].topic,
            messages: batch.flatMap((a) => a.values.map((value) => ({ value, timestamp: a.timestamp, partition: PARTITION }))),
          },
        ],
      });
      let offset = Number(result?.baseOffset);
      for (const append of batch) {
        this.settle(append, offset);
        offset += append.values.length;
      }
    } catch (err) {
      this.retire();
      // An unknown topic fails before anything is written (metadata, or the one partition's error): a topic deleted
      // meanwhile, here or by another replica. The clients forget the deleted topics and the batch goes once more.
      if (isUnknownTopic(err) && !retried) {
        const forgotten = await this.client.forgetDeleted().then(() => true, () => false);
        if (forgotten) return this.send(batch, true);
      }
      for (const append of batch) this.settle(append, asError(err));
    } finally {
      if (!retried) this.inFlight -= batch.length;
    }
  }

  private producer(): NonNullable<KafkaWriter['current']> {
    if (this.closed) throw new StoreUnavailableError('kafka', new Error('shutting down'));
    if (this.current === null) {
      const made = this.client.newProducer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Bounded: a request is retried twice, then the appends in it fail (and the producer is replaced).
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      this.current = { ...made, ready: null };
    }
    const current = this.current;
    current.ready ??= current.producer.connect();
    return current;
  }

  /** Drops the producer after a failure; the next send makes a new one. */
  private retire(): void {
    const old = this.current;
    this.current = null;
    if (old === null) return;
    const release = old.release().finally(() => this.releases.delete(release));
    this.releases.add(release);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
