import type { LogRead } from '../ports/message-log.repository.js';
import type { LogBounds, StoredMessage } from '../ports/records.js';
import { StoreUnavailableError } from '../ports/store-errors.js';
import { type Broker, checkFetchResponse, type Cluster, decode, isUnknownTopic, type KafkaClient, PARTITION } from './kafka-client.js';

/** Messages read per step when a time lookup walks the millisecond Kafka found. */
const TIME_SCAN_BATCH = 500;
/** Metadata refreshes while looking for a partition leader before giving up with a 503. */
const LEADER_LOOKUPS = 5;
/** Upper bound of one fetch; Kafka still returns a first record batch larger than this. */
const MAX_FETCH_BYTES = 64 * 1024 * 1024;
/** Asked for on top of the estimate: record batch and record headers. */
const MIN_FETCH_BYTES = 16 * 1024;
/** Fetches of one read past the first, when the record size estimate was too small. */
const MAX_FETCH_ROUNDS = 4;
/** ListOffsets timestamps: the next offset to be written, and the oldest retained one. */
const LATEST = -1;
const EARLIEST = -2;
const READ_COMMITTED = 1;

/** Set once the caller stopped waiting for a read (its deadline passed): work not yet started is skipped. */
export interface Abandoned {
  readonly abandoned: boolean;
}

/** What a Fetch at an offset inside the log answered, or that the offset was outside it. */
type Fetched = { readonly bounds: LogBounds; readonly messages: StoredMessage[] } | 'out-of-range';

/**
 * Reads by offset straight from the partition leader over one kafkajs cluster client, with no consumer group: any
 * number of subscriptions read any offsets concurrently over one connection per broker (kafkajs pipelines requests on
 * it), and the cursor stays in the metadata store.
 *
 * Reads run concurrently. Only the cluster-level steps (connecting, adding a topic to the client, refreshing metadata)
 * go one at a time, because kafkajs runs them without a lock and concurrent ones open broker connections it then
 * loses track of (they outlive disconnect() and keep the process alive). A read whose topic and leader are known (the
 * steady state) takes no turn at all; one that was abandoned while waiting for its turn skips it.
 *
 * A Fetch response carries the partition's high watermark and log start offset, so a pull is one round trip
 * (readWithBounds); the bounds are looked up (ListOffsets) only when Kafka answers that the offset is outside the log.
 */
export class KafkaReader {
  private readonly cluster: Cluster;
  /** The tail of the queue of cluster-level steps (see serially). */
  private metadataQueue: Promise<unknown> = Promise.resolve();
  private clusterReady: Promise<void> | null = null;
  /** Running estimate of the bytes of one record value, to size Fetches (see fetch). */
  private recordBytes = 1024;
  private closed = false;

  constructor(private readonly client: KafkaClient) {
    this.cluster = client.newCluster();
  }

  async connect(): Promise<void> {
    await this.serially({ abandoned: false }, () => this.connected());
  }

  async read(topic: string, from: number, max: number, maxBytes: number, call: Abandoned): Promise<StoredMessage[]> {
    return (await this.readWithBounds(topic, from, max, maxBytes, call)).messages;
  }

  /** Messages from max(from, min) on, with the bounds: one Fetch while `from` is inside the log. */
  async readWithBounds(topic: string, from: number, max: number, maxBytes: number, call: Abandoned): Promise<LogRead> {
    const start = Math.max(from, 0);
    try {
      const first = await this.fetch(topic, start, max, maxBytes, call);
      if (first !== 'out-of-range') return first;
      const bounds = await this.boundsOf(topic, call);
      if (bounds === null) return { bounds: { min: 0, max: 0 }, messages: [] };
      if (start >= bounds.max) return { bounds, messages: [] };
      const again = await this.fetch(topic, Math.max(start, bounds.min), max, maxBytes, call);
      return again === 'out-of-range' ? { bounds, messages: [] } : again;
    } catch (err) {
      if (isUnknownTopic(err)) return { bounds: { min: 0, max: 0 }, messages: [] };
      throw err;
    }
  }

  async bounds(topic: string, call: Abandoned): Promise<LogBounds | null> {
    return this.boundsOf(topic, call);
  }

  async offsetAtTime(topic: string, epochMicros: number, call: Abandoned): Promise<number | null> {
    const bounds = await this.boundsOf(topic, call);
    if (bounds === null) return null;
    // Record timestamps are the publish time floored to ms, so the first record at or after the floored time is
    // the first message published at or after the time asked for (whose precision is ms as well).
    // Negative timestamps mean latest/earliest to Kafka; every message is later than a time before the epoch.
    let offset = await this.listOffset(topic, Math.max(0, Math.floor(epochMicros / 1000)), call);
    if (offset < bounds.min || offset >= bounds.max) return null;
    // Messages of that millisecond published before the microsecond asked for are skipped.
    while (offset < bounds.max) {
      const batch = await this.read(topic, offset, TIME_SCAN_BATCH, Number.MAX_SAFE_INTEGER, call);
      const hit = batch.find((m) => m.publishTime >= epochMicros);
      if (hit !== undefined) return hit.offset;
      if (batch.length === 0) return null;
      offset = batch[batch.length - 1].offset + 1;
    }
    return null;
  }

  /**
   * Fetches until `max` messages or `maxBytes` of data, or the end of the log. Kafka answers up to the bytes asked
   * for (and always the whole record batch holding the first offset), and kafkajs decodes every record it answers, so
   * asking for `maxBytes` (10 MiB by default) to return 100 messages decoded a hundred times too much. Each Fetch asks
   * for about `max` records of the size seen so far; when that was too little, one more Fetch goes on from there.
   */
  private async fetch(topic: string, start: number, max: number, maxBytes: number, call: Abandoned): Promise<Fetched> {
    if (max <= 0) return { bounds: (await this.boundsOf(topic, call)) ?? { min: 0, max: 0 }, messages: [] };
    const messages: StoredMessage[] = [];
    let bytes = 0;
    let next = start;
    let seen: LogBounds = { min: 0, max: 0 };
    for (let round = 0; ; round++) {
      const wanted = Math.ceil((max - messages.length) * this.recordBytes * 1.25) + MIN_FETCH_BYTES;
      const fetched = await this.fetchOnce(topic, next, Math.min(wanted, maxBytes - bytes, MAX_FETCH_BYTES), call);
      // A later Fetch that finds its offset gone (retention ran meanwhile) ends the read with what it has.
      if (fetched === 'out-of-range') return round === 0 ? fetched : { bounds: seen, messages };
      seen = fetched.bounds;
      for (const message of fetched.messages) {
        bytes += message.data.length;
        if (messages.length > 0 && bytes > maxBytes) return { bounds: fetched.bounds, messages };
        messages.push(message);
        if (messages.length >= max) return { bounds: fetched.bounds, messages };
      }
      next = messages.length === 0 ? start : messages[messages.length - 1].offset + 1;
      if (fetched.messages.length === 0 || next >= fetched.bounds.max || round >= MAX_FETCH_ROUNDS) {
        return { bounds: fetched.bounds, messages };
      }
    }
  }

  /** One Fetch from `start`: the records at or after it (decoded) and the partition's bounds. */
  private async fetchOnce(topic: string, start: number, fetchBytes: number, call: Abandoned): Promise<Fetched> {
    const broker = await this.leaderOf(topic, call);
    const bytes = Math.max(1, Math.floor(fetchBytes));
    let response;
    try {
      response = await broker.fetch({
        replicaId: -1,
        isolationLevel: READ_COMMITTED,
        maxWaitTime: 0,
        minBytes: 1,
        maxBytes: bytes,
        topics: [{ topic, partitions: [{ partition: PARTITION, fetchOffset: String(start), maxBytes: bytes }] }],
      });
    } catch (err) {
      if ((err as Error | null)?.name === 'KafkaJSOffsetOutOfRange') return 'out-of-range';
      throw err;
    }
    const partition = response.responses[0]?.partitions[0];
    checkFetchResponse(partition as unknown as Record<string, unknown>);
    const messages: StoredMessage[] = [];
    let valueBytes = 0;
    for (const record of partition.messages) {
      const offset = Number(record.offset);
      // Kafka answers whole record batches, which can begin before the offset asked for.
      if (offset < start || record.value === null) continue;
      valueBytes += record.value.length;
      messages.push(decode(offset, record.value));
    }
    if (messages.length > 0) this.recordBytes = (this.recordBytes + valueBytes / messages.length) / 2;
    return { bounds: { min: Number(partition.lastStartOffset), max: Number(partition.highWatermark) }, messages };
  }

  private async boundsOf(topic: string, call: Abandoned): Promise<LogBounds | null> {
    try {
      const [max, min] = await Promise.all([this.listOffset(topic, LATEST, call), this.listOffset(topic, EARLIEST, call)]);
      return { min, max };
    } catch (err) {
      if (isUnknownTopic(err)) return null;
      throw err;
    }
  }

  /** One ListOffsets request to the leader: the offset for a timestamp (or LATEST / EARLIEST). */
  private async listOffset(topic: string, timestamp: number, call: Abandoned): Promise<number> {
    const broker = await this.leaderOf(topic, call);
    const { responses } = await broker.listOffsets({
      replicaId: -1,
      isolationLevel: READ_COMMITTED,
      topics: [{ topic, partitions: [{ partition: PARTITION, timestamp }] }],
    });
    return Number(responses[0]?.partitions[0]?.offset ?? -1);
  }

  /**
   * The connection to the partition leader. The steady state (client connected, topic known, leader known) is a
   * lookup in the client's metadata; anything else takes a turn (see serially), and a deleted topic in the client's
   * list (which fails every metadata refresh) is forgotten before one more try.
   */
  private async leaderOf(topic: string, call: Abandoned): Promise<Broker> {
    if (this.closed) throw new StoreUnavailableError('kafka', new Error('shutting down'));
    // kafkajs reconnects a broker connection that dropped by itself, in findBroker.
    const known = this.cluster.targetTopics.has(topic) ? this.leaderNode(topic) : undefined;
    if (known !== undefined) return this.cluster.findBroker({ nodeId: known });
    return this.serially(call, async () => {
      try {
        return await this.lookUpLeader(topic);
      } catch (err) {
        if (!isUnknownTopic(err)) throw err;
        await this.client.forgetDeleted();
        return this.lookUpLeader(topic);
      }
    });
  }

  private async lookUpLeader(topic: string): Promise<Broker> {
    await this.connected();
    await this.cluster.addTargetTopic(topic);
    for (let attempt = 0; attempt < LEADER_LOOKUPS; attempt++) {
      const nodeId = this.leaderNode(topic);
      if (nodeId !== undefined) return this.cluster.findBroker({ nodeId });
      // No leader yet (a topic just created, a broker restarting): fresh metadata, then look again.
      await this.cluster.refreshMetadata();
    }
    throw new StoreUnavailableError('kafka', new Error(`no leader for ${topic}`));
  }

  private leaderNode(topic: string): string | undefined {
    try {
      return Object.keys(this.cluster.findLeaderForPartitions(topic, [PARTITION]))[0];
    } catch {
      return undefined; // no metadata for the topic yet
    }
  }

  /** Connects once (again only after a failed attempt): never after close, where it would outlive the process. */
  private connected(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('kafka', new Error('shutting down')));
    this.clusterReady ??= this.cluster.connect().catch((err: unknown) => {
      this.clusterReady = null;
      throw err;
    });
    return this.clusterReady;
  }

  /**
   * Runs a cluster-level step after the ones before it. A step whose caller gave up while it waited is skipped, so
   * an abandoned read costs nothing later.
   */
  private serially<T>(call: Abandoned, work: () => Promise<T>): Promise<T> {
    const run = this.metadataQueue.then(() => {
      if (call.abandoned) throw new StoreUnavailableError('kafka', new Error('no answer in time'));
      return work();
    });
    this.metadataQueue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.cluster.disconnect();
  }
}
