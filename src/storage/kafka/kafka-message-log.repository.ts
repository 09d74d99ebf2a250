import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import kafkajs from 'kafkajs';
import { Clock } from '../../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../../config/config.js';
import { type Appended, LogNotFoundError, type LogRead, type MessageLog } from '../ports/message-log.repository.js';
import type { LogBounds, NewMessage, StoredMessage } from '../ports/records.js';
import { StoreUnavailableError } from '../ports/store-errors.js';
import { encode, isUnknownTopic, KafkaClient } from './kafka-client.js';
import { type Abandoned, KafkaReader } from './kafka-reader.js';
import { KafkaWriter } from './kafka-writer.js';

/** Each call gives up after this long with a 503, so an outage never leaves a client hanging (issue: 10 s). */
const CALL_DEADLINE_MS = 8000;

/** Looks, 100 ms apart, until a deleted topic is gone from the broker's metadata. */
const DELETE_SETTLE_CHECKS = 20;

/** A log id as topics get them (randomUUID). */
const LOG_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The message log on Kafka: one single-partition topic per AMS topic incarnation, named `<prefix><logId>` (the log id
 * is a UUID, so renames, re-creations and same-named topics in two projects never collide). Appends go through the
 * writer (one idempotent producer, acks=all, a bounded outbox) and resolve once Kafka has the messages. Reads go
 * through the reader: one Fetch by offset straight from the partition leader, concurrently, with no consumer group
 * (docs/architecture.md explains the choice). Topics are created, listed and deleted here through the admin client.
 */
@Injectable()
export class KafkaMessageLog implements MessageLog, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaMessageLog.name);
  private readonly client: KafkaClient;
  private readonly writer: KafkaWriter;
  private readonly reader: KafkaReader;
  /**
   * Calls still running (a read, a ping of the health monitor, an admin request). Shutdown waits for them before it
   * closes the clients: a call that connected a broker after the close would keep the process alive.
   */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    if (config.kafka === null) throw new Error('KafkaMessageLog needs the Kafka settings');
    this.client = new KafkaClient(config.kafka);
    this.writer = new KafkaWriter(this.client, {
      maxAppends: config.kafka.outboxMaxAppends,
      maxBytes: config.kafka.outboxMaxBytes,
      requestBytes: config.bodyLimit,
    });
    this.reader = new KafkaReader(this.client);
  }

  async onModuleInit(): Promise<void> {
    // Connect eagerly but do not fail start-up: an unreachable broker answers 503 until it is back.
    await Promise.all([this.writer.connect(), this.reader.connect()]).catch((err: unknown) => {
      this.logger.warn(`Kafka not reachable at start: ${(err as Error).message}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((done) => (waited = setTimeout(done, CALL_DEADLINE_MS))),
    ]);
    clearTimeout(waited);
    await this.writer.close();
    await this.reader.close().catch(() => undefined);
    await this.client.close();
  }

  async ping(): Promise<void> {
    await this.call(async () => {
      await this.client.admin.connect();
      await this.client.admin.describeCluster();
    });
  }

  async createLog(logId: string, retentionSeconds: number | null = null): Promise<void> {
    const settings = this.client.settings;
    await this.call(async () => {
      await this.client.admin.connect();
      await this.client.admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.topicOf(logId),
            numPartitions: 1,
            replicationFactor: settings.replicationFactor,
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
      await this.client.admin.connect();
      const prefix = this.client.settings.topicPrefix;
      return (await this.client.admin.listTopics())
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
      await this.client.admin.connect();
      await this.client.admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: this.topicOf(logId), configEntries: this.topicConfig(retentionSeconds) }],
      });
    });
  }

  /** The configuration of a log's Kafka topic; a null retention is the service's (AMS_MESSAGE_RETENTION_S). */
  private topicConfig(retentionSeconds: number | null): { name: string; value: string }[] {
    return [
      { name: 'retention.ms', value: String(retentionSeconds === null ? this.client.settings.retentionMs : retentionSeconds * 1000) },
      // A publish is one record batch; let it be as large as the largest request body.
      { name: 'max.message.bytes', value: String(this.config.bodyLimit + 1024 * 1024) },
      { name: 'min.insync.replicas', value: String(Math.min(2, this.client.settings.replicationFactor)) },
    ];
  }

  async deleteLog(logId: string): Promise<void> {
    await this.call(async () => {
      await this.client.admin.connect();
      const topic = this.topicOf(logId);
      try {
        await this.client.admin.deleteTopics({ topics: [topic], timeout: 5000 });
      } catch (err) {
        if (!isUnknownTopic(err)) throw err;
      }
      this.client.forget((t) => t !== topic);
      // The controller has deleted it; the broker's metadata (what listLogs reads) follows a moment later.
      for (let i = 0; i < DELETE_SETTLE_CHECKS && (await this.client.admin.listTopics()).includes(topic); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  }

  /**
   * Not raced like the other calls: the writer keeps the deadline itself, so that an append it answers 503 for
   * before handing it to Kafka is also taken out of the outbox (never written later).
   */
  async append(logId: string, messages: readonly NewMessage[]): Promise<Appended[]> {
    if (messages.length === 0) return [];
    const publishTime = this.clock.nowMicros();
    const timestamp = String(Math.floor(publishTime / 1000));
    const values = messages.map((m) => encode(m, publishTime));
    try {
      const base = await this.writer.append(this.topicOf(logId), values, timestamp, Date.now() + CALL_DEADLINE_MS);
      return messages.map((_, i) => ({ offset: base + i, publishTime }));
    } catch (err) {
      if (isUnknownTopic(err)) throw new LogNotFoundError(logId);
      throw unavailable(err);
    }
  }

  async read(logId: string, from: number, max: number, maxBytes: number): Promise<StoredMessage[]> {
    return this.call((call) => this.reader.read(this.topicOf(logId), from, max, maxBytes, call));
  }

  async readWithBounds(logId: string, from: number, max: number, maxBytes: number): Promise<LogRead> {
    return this.call((call) => this.reader.readWithBounds(this.topicOf(logId), from, max, maxBytes, call));
  }

  async bounds(logId: string): Promise<LogBounds> {
    return this.call(async (call) => (await this.reader.bounds(this.topicOf(logId), call)) ?? { min: 0, max: 0 });
  }

  async offsetAtTime(logId: string, epochMicros: number): Promise<number | null> {
    return this.call((call) => this.reader.offsetAtTime(this.topicOf(logId), epochMicros, call));
  }

  /** The Kafka topic of a log. */
  topicOf(logId: string): string {
    return this.client.topicOf(logId);
  }

  /**
   * Bounds a call in time and turns broker-level failures into StoreUnavailableError (a 503). Each call has its own
   * deadline; a call given up on is marked abandoned, so the reader skips what it has not started.
   */
  private async call<T>(work: (call: Abandoned) => Promise<T>): Promise<T> {
    if (this.closing) throw new StoreUnavailableError('kafka', new Error('shutting down'));
    const state = { abandoned: false };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        state.abandoned = true;
        reject(new StoreUnavailableError('kafka', new Error('no answer in time')));
      }, CALL_DEADLINE_MS);
    });
    const running = work(state);
    this.inFlight.add(running);
    void running.catch(() => undefined).finally(() => this.inFlight.delete(running));
    try {
      return await Promise.race([running, deadline]);
    } catch (err) {
      throw unavailable(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

function unavailable(err: unknown): unknown {
  if (err instanceof LogNotFoundError || err instanceof StoreUnavailableError) return err;
  if (err instanceof kafkajs.KafkaJSError) return new StoreUnavailableError('kafka', err);
  return err;
}
