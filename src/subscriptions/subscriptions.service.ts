import { Inject, Injectable } from '@nestjs/common';
import { aclListFilter, type Caller } from '../auth/caller.js';
import { AclService } from '../auth/acl.service.js';
import { AmsError } from '../common/ams-error.js';
import { fieldsToUpdate } from '../common/update-mask.js';
import type { AclDto } from '../common/dto/acl.dto.js';
import { parseSubscriptionTopic, subscriptionRef, topicRef } from '../common/names.js';
import { type PageQuery, pageBody } from '../common/pagination.js';
import { Clock, formatSeconds, parseZuluMillis } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { afterSeek, clampFloor } from '../delivery/cumulative-ack.js';
import { afterSeekIndividual } from '../delivery/individual-ack.js';
import { backoff, CAS_RETRIES } from '../delivery/shared.js';
import type { PushConfigInDto } from '../push/dto/push-config.dto.js';
import { PushConfigService } from '../push/push-config.service.js';
import { MESSAGE_LOG, type MessageLog } from '../storage/ports/message-log.repository.js';
import { type NewCursor, SUBSCRIPTIONS, type SubscriptionStore } from '../storage/ports/subscription-store.repository.js';
import { TOPICS, type TopicStore } from '../storage/ports/topic-store.repository.js';
import type { AckMode, LogBounds, ProjectRecord, SubscriptionRecord } from '../storage/ports/records.js';
import { PROJECTS, type ProjectStore } from '../storage/ports/project-store.repository.js';
import type {
  CreateSubscriptionDto,
  OffsetDto,
  OffsetsDto,
  SubscriptionDto,
  SubscriptionPageDto,
  UpdateSubscriptionDto,
} from './dto/subscription.dto.js';
import { expirationAfter, expirationTtlOf, expirationView } from './expiration.js';

const DEFAULT_ACK_DEADLINE_SECONDS = 10;

/** `ackMode` of a create body (pubsub-extensions 1): absent is AMS's cumulative; anything else is a 400. */
function ackModeOf(body: CreateSubscriptionDto): AckMode {
  const mode = body.ackMode ?? 'cumulative';
  if (mode !== 'cumulative' && mode !== 'individual') throw AmsError.invalid('Invalid Subscription Arguments');
  return mode;
}

/** `pushStatus` of an active push subscription whose deliveries succeed (spec 4.6). */
export function activeStatus(project: string, subscription: string): string {
  return `Subscription ${subscriptionRef(project, subscription)} is currently active`;
}

@Injectable()
export class SubscriptionsService {
  constructor(
    @Inject(SUBSCRIPTIONS) private readonly subscriptionStore: SubscriptionStore,
    @Inject(TOPICS) private readonly topicStore: TopicStore,
    @Inject(PROJECTS) private readonly projectStore: ProjectStore,
    @Inject(MESSAGE_LOG) private readonly log: MessageLog,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    private readonly acl: AclService,
    private readonly push: PushConfigService,
  ) {}

  async list(caller: Caller, project: ProjectRecord, page: PageQuery): Promise<SubscriptionPageDto> {
    const found = await this.subscriptionStore.listSubscriptions(project.uuid, aclListFilter(caller, 'consumer'), page);
    if (found === null) throw AmsError.invalid('Invalid page token');
    return pageBody('subscriptions', found, found.items.map((s) => this.view(project, s)));
  }

  /** spec 3.6, in its order: body -> topic reference -> topic exists -> push config -> name free. */
  async create(project: ProjectRecord, name: string, body: CreateSubscriptionDto): Promise<SubscriptionDto> {
    const ackMode = ackModeOf(body);
    const expirationTtl = expirationTtlOf(body.expirationPolicy);
    const topicName = parseSubscriptionTopic(body.topic ?? '');
    if (topicName === null) throw AmsError.invalid('Invalid Topic name');
    const topic = await this.topicStore.topic(project.uuid, topicName);
    if (topic === null) throw AmsError.notFound('Topic');
    const { pushConfig, worker } = await this.push.configure(body.pushConfig, null, ackMode);
    // Mattermost is active at once: the push worker joins the ACL (spec 4.6 activation).
    const active = pushConfig?.verified === true && worker !== null;
    const { max } = await this.log.bounds(topic.logId);
    const subscription: SubscriptionRecord = {
      projectUuid: project.uuid,
      name,
      topicName,
      ackDeadlineSeconds: body.ackDeadlineSeconds || DEFAULT_ACK_DEADLINE_SECONDS,
      pushConfig,
      authorizedUsers: active ? [worker.uuid] : [],
      ackMode,
      createdOn: this.clock.now(),
      // New subscriptions see only what is published after them (spec 3.6).
      cursor: { ackFloor: max, readOffset: max, window: null, version: 0 },
      pushStatus: null,
      ...expirationAfter({ expirationTtlSeconds: null, expiresAt: null }, expirationTtl, this.clock.now()),
    };
    if (!(await this.subscriptionStore.createSubscription(subscription))) throw AmsError.alreadyExists('Subscription');
    if (active) {
      await this.push.joinProject(worker, project);
      this.push.changed(project.uuid, name);
    }
    return this.view(project, subscription);
  }

  async show(project: ProjectRecord, name: string): Promise<SubscriptionDto> {
    return this.view(project, await this.existing(project, name));
  }

  /** `PATCH .../subscriptions/S` (pubsub-extensions 10): today the expiration policy can change. */
  async update(project: ProjectRecord, name: string, body: UpdateSubscriptionDto): Promise<SubscriptionDto> {
    const fields = fieldsToUpdate(body, ['expirationPolicy']);
    const subscription = await this.existing(project, name);
    if (!fields.has('expirationPolicy')) return this.view(project, subscription);
    const expiration = expirationAfter(subscription, expirationTtlOf(body.expirationPolicy), this.clock.now());
    const updated = await this.subscriptionStore.updateSubscription(project.uuid, name, expiration);
    if (updated === null) throw AmsError.notFound('Subscription');
    return this.view(project, updated);
  }

  /**
   * House-keeping: deletes up to `limit` subscriptions whose expiration passed, as a DELETE would (push workers are
   * told); each is read again first, so activity recorded since the listing saves it. Answers how many went.
   */
  async deleteExpired(now: Date, limit: number): Promise<number> {
    let deleted = 0;
    for (const candidate of await this.subscriptionStore.expiredSubscriptions(now, limit)) {
      const current = await this.subscriptionStore.subscription(candidate.projectUuid, candidate.name);
      const project = await this.projectStore.projectByUuid(candidate.projectUuid);
      if (current?.expiresAt == null || current.expiresAt > now || project === null) continue;
      await this.delete(project, candidate.name).then(
        () => (deleted += 1),
        (err: unknown) => {
          if (!(err instanceof AmsError && err.code === 404)) throw err; // deleted meanwhile
        },
      );
    }
    return deleted;
  }

  async delete(project: ProjectRecord, name: string): Promise<{ message: string } | undefined> {
    const subscription = await this.existing(project, name);
    if (!(await this.subscriptionStore.deleteSubscription(project.uuid, name))) throw AmsError.notFound('Subscription');
    if (subscription.pushConfig === null) return undefined;
    this.push.changed(project.uuid, name);
    // spec 3.6: deleting an active (verified) push subscription reports its deactivation.
    return subscription.pushConfig.verified
      ? { message: `Subscription ${subscriptionRef(project.name, name)} deactivated` }
      : undefined;
  }

  /**
   * spec 4.6: deactivate, store the new config, re-activate when it is active (same verified endpoint, or mattermost).
   * The push worker is in the ACL exactly while the subscription is active; the push status starts afresh.
   */
  async modifyPushConfig(project: ProjectRecord, name: string, input: PushConfigInDto | undefined): Promise<void> {
    const subscription = await this.existing(project, name);
    const { pushConfig, worker } = await this.push.configure(input, subscription.pushConfig, subscription.ackMode);
    const active = pushConfig?.verified === true && worker !== null;
    const workerUuid = worker?.uuid ?? (await this.push.workerUuid());
    const others = subscription.authorizedUsers.filter((uuid) => uuid !== workerUuid);
    const authorizedUsers = active ? [...others, worker.uuid] : others;
    if ((await this.subscriptionStore.updateSubscription(project.uuid, name, { pushConfig, authorizedUsers, pushStatus: null })) === null) {
      throw AmsError.notFound('Subscription');
    }
    if (active) await this.push.joinProject(worker, project);
    if (pushConfig !== null || subscription.pushConfig !== null) this.push.changed(project.uuid, name);
  }

  /**
   * spec 4.6 `:verifyPushEndpoint`, in its order: push on (409), worker (500), subscription (404), http_endpoint (409),
   * not verified yet (409); then `GET <scheme>://<host[:port]>/ams_verification_hash` must answer 200 with the hash.
   */
  async verifyPushEndpoint(project: ProjectRecord, name: string): Promise<void> {
    const worker = await this.push.worker();
    const subscription = await this.existing(project, name);
    const config = subscription.pushConfig;
    if (config === null || config.type !== 'http_endpoint') throw AmsError.conflict('Subscription is not in http push mode');
    if (config.verified) throw AmsError.conflict('Push endpoint is already verified');
    const verified = await this.push.verify(config);
    const authorizedUsers = [...subscription.authorizedUsers.filter((uuid) => uuid !== worker.uuid), worker.uuid];
    const patch = { pushConfig: verified, authorizedUsers, pushStatus: null };
    if ((await this.subscriptionStore.updateSubscription(project.uuid, name, patch)) === null) throw AmsError.notFound('Subscription');
    await this.push.joinProject(worker, project);
    this.push.changed(project.uuid, name);
  }

  async showAcl(project: ProjectRecord, name: string): Promise<AclDto> {
    return this.acl.view((await this.existing(project, name)).authorizedUsers);
  }

  async modifyAcl(project: ProjectRecord, name: string, users: readonly string[]): Promise<void> {
    const uuids = await this.acl.resolve(project, users);
    if ((await this.subscriptionStore.updateSubscription(project.uuid, name, { authorizedUsers: uuids })) === null) {
      throw AmsError.notFound('Subscription');
    }
  }

  /** spec 4.4; a floor below the oldest retained offset (or past a re-created topic's end) is corrected and kept. */
  async offsets(project: ProjectRecord, name: string): Promise<OffsetsDto> {
    const subscription = await this.existing(project, name);
    const bounds = await this.boundsOf(project, subscription);
    const current = clampFloor(subscription.cursor, bounds);
    if (current !== subscription.cursor.ackFloor) {
      const next: NewCursor = { ...subscription.cursor, ackFloor: current };
      // Best effort: a concurrent cursor change wins and will be corrected on its next read.
      await this.subscriptionStore.compareAndSetCursor(project.uuid, name, subscription.cursor.version, next);
    }
    return { max: bounds.max, min: bounds.min, current };
  }

  async modifyOffset(project: ProjectRecord, name: string, offset: number | undefined): Promise<void> {
    const target = offset ?? 0;
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const subscription = await this.existing(project, name);
      const bounds = await this.boundsOf(project, subscription);
      if (target < bounds.min || target > bounds.max) throw AmsError.invalid('Offset out of bounds');
      const version = subscription.cursor.version;
      const moved =
        subscription.ackMode === 'individual'
          ? await this.subscriptionStore.compareAndSetLeases(project.uuid, name, version, afterSeekIndividual(target)) // leases go too
          : await this.subscriptionStore.compareAndSetCursor(project.uuid, name, version, afterSeek(target));
      if (moved) return;
      await backoff(attempt);
    }
    throw AmsError.internal('Backend Error');
  }

  async timeToOffset(project: ProjectRecord, name: string, time: string | undefined): Promise<OffsetDto> {
    const subscription = await this.existing(project, name);
    const micros = parseZuluMillis(time ?? '');
    if (micros === null) throw AmsError.invalid('Time is not in valid Zulu format.');
    const topic = await this.topicStore.topic(project.uuid, subscription.topicName);
    const offset = topic === null ? null : await this.log.offsetAtTime(topic.logId, micros);
    if (offset === null) throw AmsError.conflict("Timestamp is out of bounds for the subscription's topic/partition");
    return { offset };
  }

  /** Bounds of the subscription's topic; a deleted topic reads as {0, 0} (spec 8.5). */
  private async boundsOf(project: ProjectRecord, subscription: SubscriptionRecord): Promise<LogBounds> {
    const topic = await this.topicStore.topic(project.uuid, subscription.topicName);
    return topic === null ? { min: 0, max: 0 } : this.log.bounds(topic.logId);
  }

  private async existing(project: ProjectRecord, name: string): Promise<SubscriptionRecord> {
    const subscription = await this.subscriptionStore.subscription(project.uuid, name);
    if (subscription === null) throw AmsError.notFound('Subscription');
    return subscription;
  }

  private view(project: ProjectRecord, subscription: SubscriptionRecord): SubscriptionDto {
    return {
      name: subscriptionRef(project.name, subscription.name),
      topic: topicRef(project.name, subscription.topicName),
      pushConfig: this.push.view(subscription.pushConfig),
      ackDeadlineSeconds: subscription.ackDeadlineSeconds,
      // An AMS client sees AMS's representation: the extension's field only where it was asked for.
      ...(subscription.ackMode === 'individual' ? { ackMode: subscription.ackMode } : {}),
      ...(subscription.pushConfig?.verified === true && this.config.push.enabled
        ? { pushStatus: subscription.pushStatus ?? activeStatus(project.name, subscription.name) }
        : {}),
      createdOn: formatSeconds(subscription.createdOn),
      ...expirationView(subscription),
    };
  }
}
