import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import kafkajs, { type Admin, type Producer } from 'kafkajs';
import { Clock } from '../../common/time.js';
import { AMS_CONFIG, type AmsConfig, type KafkaConfig } from '../../config/config.js';
import { type Appended, LogNotFoundError, type MessageLog } from '../ports/message-log.repository.js';
import type { LogBounds, NewMessage, StoredMessage } from '../ports/records.js';
import { StoreUnavailableError } from '../ports/store-errors.js';

/** The stored form of a message in Kafka: the value is this JSON; the record timestamp is publishTime in ms. */
interface KafkaValue {
  readonly data: string;
  readonly attributes?: Record<string, string>;
  /** Publish time in epoch microseconds (Kafka keeps milliseconds only). */
  readonly t: number;
}

/** kafkajs's internal cluster client: the subset this adapter uses to fetch by offset without a consumer group. */
interface Cluster {
  targetTopics: Set<string>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string }): Promise<{ fetch(request: object): Promise<FetchResponse> }>;
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning?: boolean; fromTimestamp?: number; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

interface FetchResponse {
  responses: {
    partitions: { partition: number; messages: { offset: string; value: Buffer | null; timestamp: string }[] }[];
  }[];
}

interface KafkaRecord {
  readonly value: string;
  readonly timestamp: string;
  readonly partition: number;
}

interface PendingAppend {
  readonly topic: string;
  readonly records: KafkaRecord[];
  readonly bytes: number;
  resolve(baseOffset: number): void;
  reject(err: unknown): void;
}

/** Each call gives up after this long with a 503, so an outage never leaves a client hanging (issue: 10 s). */
const CALL_DEADLINE_MS = 8000;
const PARTITION = 0;
/** Messages read per step when a time lookup walks the millisecond Kafka found. */
const TIME_SCAN_BATCH = 500;
/** Metadata refreshes while looking for a partition leader before giving up with a 503. */
const LEADER_LOOKUPS = 5;
/** Upper bound of one fetch; Kafka still returns a first record batch larger than this. */
const MAX_FETCH_BYTES = 64 * 1024 * 1024;

/** A log id as topics get them (randomUUID). */
const LOG_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The message log on Kafka: one single-partition topic per AMS topic incarnation, named `<prefix><logId>` (the log id
 * is a UUID, so renames, re-creations and same-named topics in two projects never collide). Appends go through one
 * idempotent producer with acks=all and resolve once Kafka has the messages. Reads fetch by offset straight from the
 * partition leader, with no consumer group: any number of subscriptions read any offsets over one connection per
 * broker, and the cursor stays in the metadata store (docs/architecture.md explains the choice).
 */
@Injectable()
export class KafkaMessageLog implements MessageLog, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaMessageLog.name);
  private readonly settings: KafkaConfig;
  private readonly kafka: kafkajs.Kafka;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly cluster: Cluster;
  /** Every kafkajs cluster client of this log (producer's, admin's, reads'), to keep their topic lists current. */
  private readonly clusters: Cluster[];
  private producerReady: Promise<void> | null = null;
  /** Appends waiting for the request in flight to finish (see produce). */
  private outbox: PendingAppend[] = [];
  private producing = false;
  /** The tail of the queue of reads on `cluster` (see exclusive). */
  private readQueue: Promise<unknown> = Promise.resolve();
  private clusterReady: Promise<void> | null = null;

  constructor(
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    if (config.kafka === null) throw new Error('KafkaMessageLog needs the Kafka settings');
    this.settings = config.kafka;
    this.kafka = new kafkajs.Kafka({
      clientId: 'ams',
      brokers: [...this.settings.brokers],
      connectionTimeout: 3000,
      requestTimeout: 6000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
      logLevel: kafkajs.logLevel.NOTHING,
    });
    this.clusters = trackClusters(this.kafka);
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.cluster = newCluster(this.kafka);
  }

  async onModuleInit(): Promise<void> {
    // Connect eagerly but do not fail start-up: an unreachable broker answers 503 until it is back.
    await Promise.all([this.ensureProducer(), this.ensureCluster()]).catch((err: unknown) => {
      this.logger.warn(`Kafka not reachable at start: ${(err as Error).message}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    // Every cluster client, the reads' one included: connections opened by calls still in flight during the
    // disconnects above would keep the process alive.
    await Promise.allSettled(this.clusters.map((cluster) => cluster.disconnect()));
  }

  async ping(): Promise<void> {
    await this.call(async () => {
      await this.admin.connect();
      await this.admin.describeCluster();
    });
  }

  async createLog(logId: string, retentionSeconds: number | null = null): Promise<void> {
    await this.call(async () => {
      await this.admin.connect();
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.topicOf(logId),
            numPartitions: 1,
            replicationFactor: this.settings.replicationFactor,
            configEntries: this.topicConfig(retentionSeconds),
          },
        ],
      });
    });
  }

  /**
   * The Kafka topics named `<prefix><uuid>`: only names of that exact shape are AMS logs, so other topics of a shared
   * cluster (even with an empty prefix) are never taken for one.
   */
  async listLogs(): Promise<string[]> {
    return this.call(async () => {
      await this.admin.connect();
      const prefix = this.settings.topicPrefix;
      return (await this.admin.listTopics())
        .filter((topic) => topic.startsWith(prefix) && LOG_ID.test(topic.slice(prefix.length)))
        .map((topic) => topic.slice(prefix.length));
    });
  }

  /** The broker deletes expired segments itself (each topic's `retention.ms`); `bounds` reports its oldest offset. */
  async expire(): Promise<number> {
    return 0;
  }

  /**
   * AlterConfigs replaces a topic's whole configuration (kafkajs has no incremental variant), so the update sends every
   * entry a topic is created with, not only the retention.
   */
  async setRetention(logId: string, retentionSeconds: number | null): Promise<void> {
    await this.call(async () => {
      await this.admin.connect();
      await this.admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: this.topicOf(logId), configEntries: this.topicConfig(retentionSeconds) }],
      });
    });
  }

  /** The configuration of a log's Kafka topic; a null retention is the service's (AMS_MESSAGE_RETENTION_S). */
  private topicConfig(retentionSeconds: number | null): { name: string; value: string }[] {
    return [
      { name: 'retention.ms', value: String(retentionSeconds === null ? this.settings.retentionMs : retentionSeconds * 1000) },
      // A publish is one record batch; let it be as large as the largest request body.
      { name: 'max.message.bytes', value: String(this.config.bodyLimit + 1024 * 1024) },
      { name: 'min.insync.replicas', value: String(Math.min(2, this.settings.replicationFactor)) },
    ];
  }

  async deleteLog(logId: string): Promise<void> {
    await this.call(async () => {
      await this.admin.connect();
      const topic = this.topicOf(logId);
      try {
        await this.admin.deleteTopics({ topics: [topic], timeout: 5000 });
      } catch (err) {
        if (!isUnknownTopic(err)) throw err;
      }
      this.forget((t) => t !== topic);
    });
  }

  async append(logId: string, messages: readonly NewMessage[]): Promise<Appended[]> {
    if (messages.length === 0) return [];
    const publishTime = this.clock.nowMicros();
    const timestamp = String(Math.floor(publishTime / 1000));
    return this.call(async () => {
      await this.ensureProducer();
      const records = messages.map((m) => ({ value: encode(m, publishTime), timestamp, partition: PARTITION }));
      const send = async (): Promise<Appended[]> => {
        const base = await this.produce(this.topicOf(logId), records);
        return messages.map((_, i) => ({ offset: base + i, publishTime }));
      };
      try {
        return await this.afterPruning(send);
      } catch (err) {
        if (isUnknownTopic(err)) throw new LogNotFoundError(logId);
        throw err;
      }
    });
  }

  async read(logId: string, from: number, max: number, maxBytes: number): Promise<StoredMessage[]> {
    return this.call(() => this.exclusive(() => this.readFrom(this.topicOf(logId), from, max, maxBytes)));
  }

  async bounds(logId: string): Promise<LogBounds> {
    return this.call(() => this.exclusive(async () => (await this.boundsOf(this.topicOf(logId))) ?? { min: 0, max: 0 }));
  }

  async offsetAtTime(logId: string, epochMicros: number): Promise<number | null> {
    const topic = this.topicOf(logId);
    return this.call(() => this.exclusive(async () => {
      const bounds = await this.boundsOf(topic);
      if (bounds === null) return null;
      // Record timestamps are the publish time floored to ms, so the first record at or after the floored time is
      // the first message published at or after the time asked for (whose precision is ms as well).
      const [found] = await this.cluster.fetchTopicsOffset([
        // Negative timestamps mean latest/earliest to Kafka; every message is later than a time before the epoch.
        { topic, fromTimestamp: Math.max(0, Math.floor(epochMicros / 1000)), partitions: [{ partition: PARTITION }] },
      ]);
      let offset = Number(found?.partitions[0]?.offset ?? -1);
      if (offset < bounds.min || offset >= bounds.max) return null;
      // Messages of that millisecond published before the microsecond asked for are skipped.
      while (offset < bounds.max) {
        const batch = await this.readFrom(topic, offset, TIME_SCAN_BATCH, Number.MAX_SAFE_INTEGER);
        const hit = batch.find((m) => m.publishTime >= epochMicros);
        if (hit !== undefined) return hit.offset;
        if (batch.length === 0) return null;
        offset = batch[batch.length - 1].offset + 1;
      }
      return null;
    }));
  }

  /** The Kafka topic of a log. */
  topicOf(logId: string): string {
    return `${this.settings.topicPrefix}${logId}`;
  }

  /**
   * One Fetch at the offset asked for: Kafka answers an offset outside the log with OFFSET_OUT_OF_RANGE, and only
   * then are the bounds looked up (two more round trips) to start at the oldest retained message or give nothing.
   */
  private async readFrom(topic: string, from: number, max: number, maxBytes: number): Promise<StoredMessage[]> {
    if (max <= 0) return [];
    await this.ensureCluster();
    try {
      return await this.afterPruning(async () => {
        await this.cluster.addTargetTopic(topic);
        return this.fetchFrom(topic, Math.max(from, 0), max, maxBytes);
      });
    } catch (err) {
      if (isUnknownTopic(err)) return [];
      if ((err as Error | null)?.name !== 'KafkaJSOffsetOutOfRange') throw err;
      const bounds = await this.boundsOf(topic);
      if (bounds === null || from >= bounds.max) return [];
      return this.fetchFrom(topic, Math.max(from, bounds.min), max, maxBytes);
    }
  }

  private async fetchFrom(topic: string, start: number, max: number, maxBytes: number): Promise<StoredMessage[]> {
    const broker = await this.leaderOf(topic);
    const fetchBytes = Math.min(maxBytes, MAX_FETCH_BYTES);
    const response = await broker.fetch({
      replicaId: -1,
      isolationLevel: 1,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes: fetchBytes,
      topics: [{ topic, partitions: [{ partition: PARTITION, fetchOffset: String(start), maxBytes: fetchBytes }] }],
    });
    const out: StoredMessage[] = [];
    let bytes = 0;
    for (const record of response.responses[0]?.partitions[0]?.messages ?? []) {
      const offset = Number(record.offset);
      // Kafka answers whole record batches, which can begin before the offset asked for.
      if (offset < start || record.value === null) continue;
      const message = decode(offset, record.value);
      bytes += message.data.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(message);
      if (out.length >= max) break;
    }
    return out;
  }

  private async boundsOf(topic: string): Promise<LogBounds | null> {
    await this.ensureCluster();
    try {
      return await this.afterPruning(async () => {
        await this.cluster.addTargetTopic(topic);
        const partitions = [{ partition: PARTITION }];
        const [[high], [low]] = await Promise.all([
          this.cluster.fetchTopicsOffset([{ topic, fromBeginning: false, partitions }]),
          this.cluster.fetchTopicsOffset([{ topic, fromBeginning: true, partitions }]),
        ]);
        return { min: Number(low.partitions[0].offset), max: Number(high.partitions[0].offset) };
      });
    } catch (err) {
      if (isUnknownTopic(err)) return null;
      throw err;
    }
  }

  private async leaderOf(topic: string): Promise<Awaited<ReturnType<Cluster['findBroker']>>> {
    for (let attempt = 0; attempt < LEADER_LOOKUPS; attempt++) {
      const nodeId = Object.keys(this.cluster.findLeaderForPartitions(topic, [PARTITION]))[0];
      if (nodeId !== undefined) return this.cluster.findBroker({ nodeId });
      // No leader yet (a topic just created, a broker restarting): fresh metadata, then look again.
      await this.cluster.refreshMetadata();
    }
    throw new StoreUnavailableError('kafka', new Error(`no leader for ${topic}`));
  }

  /**
   * kafkajs refreshes metadata for every topic a client has used, and fails the whole refresh when one of them no
   * longer exists: one deleted topic (by this replica or another) would break every publish and read. So when a call
   * fails for an unknown topic, the clients forget the topics that are gone and the call runs once more.
   */
  private async afterPruning<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!isUnknownTopic(err)) throw err;
      await this.admin.connect();
      const existing = new Set(await this.admin.listTopics());
      this.forget((topic) => existing.has(topic));
      return work();
    }
  }

  private forget(keep: (topic: string) => boolean): void {
    for (const cluster of this.clusters) cluster.targetTopics = new Set([...cluster.targetTopics].filter(keep));
  }

  /**
   * Group commit. The idempotent producer has one request in flight, so concurrent publishes would each wait a full
   * round trip for the ones before them. Instead, appends that arrive while a request is in flight go out together in
   * the next one (one record batch per topic, each append's records kept contiguous and in order), up to about one
   * request body's worth of bytes. Resolves with the append's first offset.
   */
  private produce(topic: string, records: KafkaRecord[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const bytes = records.reduce((sum, r) => sum + r.value.length, 0);
      this.outbox.push({ topic, records, bytes, resolve, reject });
      void this.drainOutbox();
    });
  }

  private async drainOutbox(): Promise<void> {
    if (this.producing) return;
    this.producing = true;
    try {
      while (this.outbox.length > 0) {
        let bytes = 0;
        let take = 0;
        while (take < this.outbox.length && (take === 0 || bytes + this.outbox[take].bytes <= this.config.bodyLimit)) {
          bytes += this.outbox[take].bytes;
          take += 1;
        }
        await this.sendTogether(this.outbox.splice(0, take));
      }
    } finally {
      this.producing = false;
    }
  }

  private async sendTogether(batch: PendingAppend[]): Promise<void> {
    const byTopic = new Map<string, PendingAppend[]>();
    for (const append of batch) byTopic.set(append.topic, [...(byTopic.get(append.topic) ?? []), append]);
    try {
      const results = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, appends]) => ({ topic, messages: appends.flatMap((a) => a.records) })),
      });
      for (const [topic, appends] of byTopic) {
        let offset = Number(results.find((r) => r.topicName === topic)?.baseOffset);
        for (const append of appends) {
          append.resolve(offset);
          offset += append.records.length;
        }
      }
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err);
        return;
      }
      // One failing topic (deleted meanwhile, say) must not fail the appends of others: each goes on its own.
      for (const append of batch) await this.sendTogether([append]);
    }
  }

  /**
   * Runs reads on the cluster client one at a time. kafkajs opens broker connections on first use without a lock, so
   * concurrent reads on a fresh or reconnecting client open duplicate connections and lose track of them; those
   * outlive disconnect() and keep the process alive. Each read is a few short round trips, so the queue costs little.
   */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.readQueue.then(work);
    this.readQueue = run.catch(() => undefined);
    return run;
  }

  private ensureProducer(): Promise<void> {
    this.producerReady ??= this.producer.connect().catch((err: unknown) => {
      this.producerReady = null;
      throw err;
    });
    return this.producerReady;
  }

  private ensureCluster(): Promise<void> {
    this.clusterReady ??= this.cluster.connect().catch((err: unknown) => {
      this.clusterReady = null;
      throw err;
    });
    return this.clusterReady;
  }

  /** Bounds every call in time and turns broker-level failures into StoreUnavailableError (a 503). */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError('kafka', new Error('no answer in time'))), CALL_DEADLINE_MS);
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (err) {
      if (err instanceof LogNotFoundError || err instanceof StoreUnavailableError) throw err;
      if (err instanceof kafkajs.KafkaJSError) throw new StoreUnavailableError('kafka', err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

function encode(message: NewMessage, publishTime: number): string {
  const value: KafkaValue =
    Object.keys(message.attributes).length === 0
      ? { data: message.data, t: publishTime }
      : { data: message.data, attributes: message.attributes, t: publishTime };
  return JSON.stringify(value);
}

function decode(offset: number, raw: Buffer): StoredMessage {
  const value = JSON.parse(raw.toString('utf8')) as KafkaValue;
  return { offset, data: value.data, attributes: value.attributes ?? {}, publishTime: value.t };
}

function isUnknownTopic(err: unknown): boolean {
  const type = (err as { type?: string } | null)?.type;
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== err && isUnknownTopic(cause);
}

const CLUSTER_FACTORY = 'private:Kafka:createCluster';

type ClusterFactory = (options: object) => Cluster;

function clusterFactory(kafka: kafkajs.Kafka): { symbol: symbol; create: ClusterFactory } {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CLUSTER_FACTORY);
  if (symbol === undefined) throw new Error('this kafkajs version has no internal cluster factory');
  return { symbol, create: (kafka as unknown as Record<symbol, ClusterFactory>)[symbol] };
}

/**
 * kafkajs (2.2, feature-frozen) keeps its cluster clients private. This adapter needs two things from them: fetch by
 * offset without a consumer group (a cluster client does that directly), and the list of topics each client refreshes
 * metadata for (see afterPruning). The Kafka instance makes every client through one factory under a private symbol,
 * found here by its description; wrapping it records each cluster client made afterwards. The contract suite pins
 * the behaviour relied on.
 */
function trackClusters(kafka: kafkajs.Kafka): Cluster[] {
  const clusters: Cluster[] = [];
  const { symbol, create } = clusterFactory(kafka);
  (kafka as unknown as Record<symbol, ClusterFactory>)[symbol] = (options: object) => {
    const cluster = create(options);
    clusters.push(cluster);
    return cluster;
  };
  return clusters;
}

/** A cluster client for reads by offset (made after trackClusters, so it is tracked like the others). */
function newCluster(kafka: kafkajs.Kafka): Cluster {
  const { create } = clusterFactory(kafka);
  return create({ allowAutoTopicCreation: false, metadataMaxAge: 30000 });
}
