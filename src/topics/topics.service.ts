import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { aclListFilter, type Caller } from '../auth/caller.js';
import { AclService } from '../auth/acl.service.js';
import { AmsError } from '../common/ams-error.js';
import { fieldsToUpdate } from '../common/update-mask.js';
import type { AclDto } from '../common/dto/acl.dto.js';
import { formatDuration, parseDurationSeconds } from '../common/durations.js';
import { decodeBody } from '../common/json-body.js';
import { subscriptionRef, topicRef } from '../common/names.js';
import { type PageQuery, pageBody } from '../common/pagination.js';
import { Clock, formatSeconds } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { dataBytes, TrafficCounter } from '../metrics/traffic-counter.js';
import { AmsMetrics } from '../metrics/ams-metrics.js';
import { UsageCounter } from '../metrics/usage-counter.js';
import { SchemasService } from '../schemas/schemas.service.js';
import { LogNotFoundError, MESSAGE_LOG, type MessageLog } from '../storage/ports/message-log.repository.js';
import { SUBSCRIPTIONS, type SubscriptionStore } from '../storage/ports/subscription-store.repository.js';
import { TOPICS, type TopicStore } from '../storage/ports/topic-store.repository.js';
import type { NewMessage, ProjectRecord, TopicRecord } from '../storage/ports/records.js';
import {
  type AttachSchemaDto,
  type CreateTopicDto,
  PublishDto,
  type PublishResultDto,
  type TopicDto,
  type TopicPageDto,
  type TopicSubscriptionsDto,
  type UpdateTopicDto,
} from './dto/topic.dto.js';
import { PublishSignal } from './publish-signal.js';

/** Widest id and publish time a stored message can carry, for the size check before anything is appended. */
const SIZE_PROBE = { messageId: '18446744073709551615', publishTime: '2006-01-02T15:04:05.999999999Z' };

@Injectable()
export class TopicsService {
  constructor(
    @Inject(SUBSCRIPTIONS) private readonly subscriptionStore: SubscriptionStore,
    @Inject(TOPICS) private readonly topicStore: TopicStore,
    @Inject(MESSAGE_LOG) private readonly log: MessageLog,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    private readonly acl: AclService,
    private readonly signal: PublishSignal,
    private readonly usage: UsageCounter,
    private readonly traffic: TrafficCounter,
    private readonly schemas: SchemasService,
    private readonly metrics: AmsMetrics,
  ) {}

  async list(caller: Caller, project: ProjectRecord, page: PageQuery): Promise<TopicPageDto> {
    const found = await this.topicStore.listTopics(project.uuid, aclListFilter(caller, 'publisher'), page);
    if (found === null) throw AmsError.invalid('Invalid page token');
    const refs = await this.schemas.referencesOf(project, found.items.map((t) => t.schemaUuid));
    return pageBody('topics', found, found.items.map((t) => view(project, t, refs)));
  }

  async create(project: ProjectRecord, name: string, body: CreateTopicDto): Promise<TopicDto> {
    const retentionSeconds = body.messageRetentionDuration === undefined ? null : retentionOf(body.messageRetentionDuration);
    const schema = body.schema === undefined || body.schema === '' ? null : await this.schemas.byReference(project, body.schema);
    const topic: TopicRecord = {
      projectUuid: project.uuid,
      name,
      logId: randomUUID(),
      schemaUuid: schema?.uuid ?? null,
      authorizedUsers: [],
      createdOn: this.clock.now(),
      retentionSeconds,
    };
    if (await this.topicStore.topic(project.uuid, name)) throw AmsError.alreadyExists('Topic');
    await this.log.createLog(topic.logId, retentionSeconds);
    if (!(await this.topicStore.createTopic(topic))) {
      await this.log.deleteLog(topic.logId);
      throw AmsError.alreadyExists('Topic');
    }
    return this.view(project, topic);
  }

  async show(project: ProjectRecord, name: string): Promise<TopicDto> {
    return this.view(project, await this.existing(project, name));
  }

  /**
   * `PATCH .../topics/T` (pubsub-extensions 10): today only `messageRetentionDuration` can change. The log's retention
   * changes first: a failure there leaves the record, and so what GET shows, as it was.
   */
  async update(project: ProjectRecord, name: string, body: UpdateTopicDto): Promise<TopicDto> {
    const fields = fieldsToUpdate(body, ['messageRetentionDuration']);
    const topic = await this.existing(project, name);
    if (!fields.has('messageRetentionDuration')) return this.view(project, topic);
    const retentionSeconds = body.messageRetentionDuration === undefined ? null : retentionOf(body.messageRetentionDuration);
    await this.log.setRetention(topic.logId, retentionSeconds);
    const updated = await this.topicStore.updateTopic(project.uuid, name, { retentionSeconds });
    if (updated === null) throw AmsError.notFound('Topic');
    return this.view(project, updated);
  }

  /** Spec 3.5: `{"schema": "projects/P/schemas/S"}` attaches; an empty body or no `schema` detaches. */
  async attachSchema(project: ProjectRecord, name: string, body: AttachSchemaDto): Promise<void> {
    await this.existing(project, name);
    const schema = body.schema === undefined || body.schema === '' ? null : await this.schemas.byReference(project, body.schema);
    await this.setSchema(project, name, schema?.uuid ?? null);
  }

  async detachSchema(project: ProjectRecord, name: string): Promise<void> {
    await this.setSchema(project, name, null);
  }

  /** The topic and its log go; its subscriptions stay and answer 409 until it is re-created (spec 4.5). */
  async delete(project: ProjectRecord, name: string): Promise<void> {
    const topic = await this.existing(project, name);
    if (!(await this.topicStore.deleteTopic(project.uuid, name))) throw AmsError.notFound('Topic');
    await this.log.deleteLog(topic.logId);
  }

  /** spec 4.1, in its order: topic -> ACL -> parse -> sizes of all messages -> append. */
  async publish(caller: Caller, project: ProjectRecord, name: string, raw: unknown): Promise<PublishResultDto> {
    const topic = await this.existing(project, name);
    this.checkPublisherAcl(caller, topic);
    const messages = toNewMessages(decodeBody(raw, PublishDto));
    // spec 4.1: with a schema, every message is validated before anything is stored.
    if (topic.schemaUuid !== null) await this.schemas.checkPublish(topic.schemaUuid, messages.map((m) => m.data));
    for (const message of messages) {
      if (exceedsSize(message, this.config.maxMessageBytes)) throw AmsError.tooLarge('Message size is too large');
    }
    try {
      const appended = await this.log.append(topic.logId, messages);
      if (appended.length > 0) {
        this.signal.published(topic.logId);
        // spec 4.1 side effects: the topic's UTC-day counter and its totals and rate, rolled up in memory, and the
        // Prometheus counters (no extra write here).
        const now = this.clock.now();
        const bytes = dataBytes(messages);
        this.usage.recordPublish(project.uuid, topic.name, appended.length, bytes, now);
        this.traffic.recordPublish(topic, appended.length, bytes, now);
        this.metrics.recordPublished(project.name, topic.name, appended.length, bytes);
      }
      return { messageIds: appended.map((a) => String(a.offset)) };
    } catch (err) {
      if (err instanceof LogNotFoundError) throw AmsError.notFound('Topic');
      throw err;
    }
  }

  async showAcl(project: ProjectRecord, name: string): Promise<AclDto> {
    return this.acl.view((await this.existing(project, name)).authorizedUsers);
  }

  async modifyAcl(project: ProjectRecord, name: string, users: readonly string[]): Promise<void> {
    const uuids = await this.acl.resolve(project, users);
    if ((await this.topicStore.updateTopic(project.uuid, name, { authorizedUsers: uuids })) === null) {
      throw AmsError.notFound('Topic');
    }
  }

  async subscriptionsOf(project: ProjectRecord, name: string): Promise<TopicSubscriptionsDto> {
    await this.existing(project, name);
    const found = await this.subscriptionStore.listSubscriptions(project.uuid, { topicName: name }, { size: 0 });
    return { subscriptions: (found?.items ?? []).map((s) => subscriptionRef(project.name, s.name)) };
  }

  /** spec 2.4: a caller holding `publisher` (even with other roles) must be in the topic's ACL. */
  checkPublisherAcl(caller: Caller, topic: TopicRecord): void {
    if (caller.roles.has('publisher') && !topic.authorizedUsers.includes(caller.user?.uuid ?? '')) {
      throw AmsError.forbidden();
    }
  }

  private async existing(project: ProjectRecord, name: string): Promise<TopicRecord> {
    const topic = await this.topicStore.topic(project.uuid, name);
    if (topic === null) throw AmsError.notFound('Topic');
    return topic;
  }

  private async setSchema(project: ProjectRecord, name: string, schemaUuid: string | null): Promise<void> {
    if ((await this.topicStore.updateTopic(project.uuid, name, { schemaUuid })) === null) throw AmsError.notFound('Topic');
  }

  /** One topic's representation, with its schema's full reference when it has one. */
  private async view(project: ProjectRecord, topic: TopicRecord): Promise<TopicDto> {
    return view(project, topic, await this.schemas.referencesOf(project, [topic.schemaUuid]));
  }
}

/** Spec 3.0: `{name, schema?, created_on}`; `refs` maps schema uuids to their `projects/P/schemas/S` references. */
function view(project: ProjectRecord, topic: TopicRecord, refs: ReadonlyMap<string, string>): TopicDto {
  const schema = topic.schemaUuid === null ? undefined : refs.get(topic.schemaUuid);
  return {
    name: topicRef(project.name, topic.name),
    ...(schema === undefined ? {} : { schema }),
    created_on: formatSeconds(topic.createdOn),
    ...(topic.retentionSeconds === null ? {} : { messageRetentionDuration: formatDuration(topic.retentionSeconds) }),
  };
}

/** pubsub-extensions 7: a topic keeps messages between 10 minutes and 31 days. */
const RETENTION_RANGE = { min: 600, max: 31 * 24 * 3600 };

function retentionOf(value: string | number): number {
  const seconds = parseDurationSeconds(value, RETENTION_RANGE.min, RETENTION_RANGE.max);
  if (typeof seconds === 'number') return seconds;
  throw AmsError.invalid(
    `Invalid messageRetentionDuration: must be between ${RETENTION_RANGE.min}s and ${RETENTION_RANGE.max}s, as "600s" or whole seconds`,
  );
}

function toNewMessages(body: PublishDto): NewMessage[] {
  return (body.messages ?? []).map((m) => ({ data: m.data ?? '', attributes: sortedAttributes(m.attributes) }));
}


/** Attributes come back with sorted keys (spec 4.1), so they are stored that way. */
function sortedAttributes(attributes: Record<string, string> | undefined): Record<string, string> {
  if (attributes === undefined) return {};
  return Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Size of the message as stored (JSON of id, attributes, data and publish time), spec 4.1. */
export function storedSize(message: NewMessage): number {
  return Buffer.byteLength(JSON.stringify({ ...SIZE_PROBE, attributes: message.attributes, data: message.data }));
}

/**
 * Whether a message exceeds the limit. JSON-encoding every payload on the publish path is costly, so the exact size is
 * computed only when a cheap upper bound (6 bytes per UTF-16 unit, the widest JSON escape) does not already clear it.
 */
export function exceedsSize(message: NewMessage, limit: number): boolean {
  let units = message.data.length + 128;
  for (const [key, value] of Object.entries(message.attributes)) units += key.length + value.length + 8;
  return units * 6 > limit && storedSize(message) > limit;
}
