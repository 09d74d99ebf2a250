import kafkajs, { type Admin, type Producer, type ProducerConfig } from 'kafkajs';
import { TrackedSockets } from '../../common/tracked-sockets.js';
import type { KafkaConfig } from '../../config/config.js';
import type { NewMessage, StoredMessage } from '../ports/records.js';

/** The stored form of a message in Kafka: the value is this JSON; the record timestamp is publishTime in ms. */
interface KafkaValue {
  readonly data: string;
  readonly attributes?: Record<string, string>;
  /** Publish time in epoch microseconds (Kafka keeps milliseconds only). */
  readonly t: number;
}

/** The one partition of every AMS log. */
export const PARTITION = 0;

/** A broker connection of a cluster client: the two requests the reader sends straight to a partition leader. */
export interface Broker {
  fetch(request: object): Promise<FetchResponse>;
  listOffsets(request: object): Promise<{ responses: { partitions: { partition: number; offset: string }[] }[] }>;
}

/** kafkajs's internal cluster client: the subset this adapter uses to read by offset without a consumer group. */
export interface Cluster {
  targetTopics: Set<string>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string }): Promise<Broker>;
  fetchTopicsOffset(
    topics: { topic: string; fromTimestamp?: number; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/**
 * A Fetch response (kafkajs decodes v11). `lastStartOffset` is kafkajs's spelling of the partition's log start offset;
 * checkFetchResponse below names it when an upgrade changes it.
 */
export interface FetchResponse {
  responses: {
    partitions: {
      partition: number;
      highWatermark: string;
      lastStartOffset: string;
      messages: { offset: string; value: Buffer | null }[];
    }[];
  }[];
}

/** The Cluster methods the reader calls, checked on the object kafkajs makes (a missing one fails loudly). */
const CLUSTER_METHODS = ['connect', 'disconnect', 'addTargetTopic', 'refreshMetadata',
  'findLeaderForPartitions', 'findBroker', 'fetchTopicsOffset'] as const;

/** The description of the private symbol under which a kafkajs Kafka instance keeps its cluster-client factory. */
export const CLUSTER_FACTORY = 'private:Kafka:createCluster';

type ClusterFactory = (options: object) => Cluster;

/** An internal of kafkajs this adapter relies on is not where it was (kafkajs upgraded?). */
export class KafkaInternalsError extends Error {
  constructor(internal: string) {
    super(`kafkajs internal "${internal}" is missing: this adapter is written against kafkajs 2.2.4 (pinned in package.json)`);
    this.name = 'KafkaInternalsError';
  }
}

function clusterFactory(kafka: kafkajs.Kafka): { symbol: symbol; create: ClusterFactory } {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CLUSTER_FACTORY);
  if (symbol === undefined) throw new KafkaInternalsError(`Kafka[Symbol(${CLUSTER_FACTORY})]`);
  return { symbol, create: (kafka as unknown as Record<symbol, ClusterFactory>)[symbol] };
}

/** Throws KafkaInternalsError naming the first Cluster member kafkajs no longer has. */
export function checkCluster(cluster: Cluster): void {
  if (!(cluster.targetTopics instanceof Set)) throw new KafkaInternalsError('Cluster.targetTopics');
  for (const method of CLUSTER_METHODS) {
    if (typeof cluster[method] !== 'function') throw new KafkaInternalsError(`Cluster.${method}()`);
  }
}

/** Throws KafkaInternalsError naming the first field of a Fetch response partition that the reader needs and lacks. */
export function checkFetchResponse(partition: Record<string, unknown> | undefined): void {
  for (const field of ['highWatermark', 'lastStartOffset', 'messages']) {
    if (partition?.[field] === undefined) throw new KafkaInternalsError(`Fetch response partition.${field}`);
  }
}

/**
 * One kafkajs Kafka instance and what the writer and the reader share: the admin client, and the list of every
 * cluster client made from the instance (the producers', the admin's, the reader's), to keep their topic lists current
 * and to close them all on shutdown.
 *
 * kafkajs (2.2, feature-frozen) keeps its cluster clients private. The adapter needs two things from them: fetch by
 * offset without a consumer group (a cluster client does that directly), and the list of topics each client refreshes
 * metadata for (see forgetDeleted). The Kafka instance makes every client through one factory under a private symbol,
 * found by its description; wrapping it records each cluster client made afterwards. The exact kafkajs version is
 * pinned, and the contract suite (kafka-internals.spec) fails naming the internal if an upgrade moves one.
 */
export class KafkaClient {
  readonly kafka: kafkajs.Kafka;
  readonly admin: Admin;
  private readonly clusters: Cluster[] = [];
  private readonly create: ClusterFactory;
  /** A read in flight at shutdown can connect a broker after its cluster client was disconnected: close() ends it. */
  private readonly sockets = new TrackedSockets();

  constructor(readonly settings: KafkaConfig) {
    this.kafka = new kafkajs.Kafka({
      clientId: 'ams',
      brokers: [...settings.brokers],
      connectionTimeout: 3000,
      requestTimeout: 6000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
      logLevel: kafkajs.logLevel.NOTHING,
      socketFactory: this.sockets.factory,
    });
    const { symbol, create } = clusterFactory(this.kafka);
    this.create = create;
    (this.kafka as unknown as Record<symbol, ClusterFactory>)[symbol] = (options: object) => {
      const cluster = create(options);
      checkCluster(cluster);
      this.clusters.push(cluster);
      return cluster;
    };
    this.admin = this.kafka.admin();
  }

  /** The Kafka topic of a log. */
  topicOf(logId: string): string {
    return `${this.settings.topicPrefix}${logId}`;
  }

  /** A cluster client for reads by offset, tracked like the others. */
  newCluster(): Cluster {
    const cluster = this.create({ allowAutoTopicCreation: false, metadataMaxAge: 30000 });
    checkCluster(cluster);
    this.clusters.push(cluster);
    return cluster;
  }

  /** A producer, and a release that disconnects it and stops tracking its cluster client. */
  newProducer(options: ProducerConfig): { producer: Producer; release(): Promise<void> } {
    const before = this.clusters.length;
    const producer = this.kafka.producer(options);
    const own = this.clusters.slice(before);
    return {
      producer,
      release: async () => {
        await producer.disconnect().catch(() => undefined);
        await Promise.allSettled(own.map((cluster) => cluster.disconnect()));
        for (const cluster of own) this.clusters.splice(this.clusters.indexOf(cluster), 1);
      },
    };
  }

  /**
   * kafkajs refreshes metadata for every topic a client has used, and fails the whole refresh when one of them no
   * longer exists: one deleted topic (by this replica or another) would break every publish and read. After a failure
   * for an unknown topic, the clients forget the topics that are gone.
   */
  async forgetDeleted(): Promise<void> {
    await this.admin.connect();
    const existing = new Set(await this.admin.listTopics());
    this.forget((topic) => existing.has(topic));
  }

  forget(keep: (topic: string) => boolean): void {
    for (const cluster of this.clusters) cluster.targetTopics = new Set([...cluster.targetTopics].filter(keep));
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
    // Every cluster client: connections opened by calls still in flight would keep the process alive.
    await Promise.allSettled(this.clusters.map((cluster) => cluster.disconnect()));
    this.sockets.destroyAll();
  }
}

export function encode(message: NewMessage, publishTime: number): string {
  const value: KafkaValue =
    Object.keys(message.attributes).length === 0
      ? { data: message.data, t: publishTime }
      : { data: message.data, attributes: message.attributes, t: publishTime };
  return JSON.stringify(value);
}

export function decode(offset: number, raw: Buffer): StoredMessage {
  const value = JSON.parse(raw.toString('utf8')) as KafkaValue;
  return { offset, data: value.data, attributes: value.attributes ?? {}, publishTime: value.t };
}

export function isUnknownTopic(err: unknown): boolean {
  const type = (err as { type?: string } | null)?.type;
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== err && isUnknownTopic(cause);
}
