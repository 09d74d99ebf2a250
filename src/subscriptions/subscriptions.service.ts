import { Inject, Injectable } from '@nestjs/common';
import { type Caller, isServiceAdmin } from '../auth/caller.js';
import { newSecret } from '../auth/token-vault.js';
import { AclService } from '../common/acl.service.js';
import { formatAckId, parseAckId } from '../common/ack-id.js';
import { AmsError } from '../common/ams-error.js';
import type { AclDto } from '../common/dto/acl.dto.js';
import { decodeBody } from '../common/json-body.js';
import { parseSubscriptionTopic, subscriptionRef, topicRef } from '../common/names.js';
import { type PageQuery, pageBody } from '../common/pagination.js';
import { Clock, formatSeconds, parseZuluMillis } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { dataBytes, TrafficCounter } from '../metrics/traffic-counter.js';
import { AmsMetrics } from '../metrics/ams-metrics.js';
import { MESSAGE_LOG, type MessageLog } from '../storage/ports/message-log.repository.js';
import { METADATA_STORE, type MetadataStore, type NewCursor } from '../storage/ports/metadata-store.repository.js';
import type {
  AckMode,
  LogBounds,
  ProjectRecord,
  PushConfigRecord,
  StoredMessage,
  SubscriptionRecord,
  TopicRecord,
  UserRecord,
} from '../storage/ports/records.js';
import { PublishSignal } from '../topics/publish-signal.js';
import { afterAcknowledge, afterPull, afterSeek, clampFloor } from './cumulative-ack.js';
import { IndividualDelivery } from './individual-delivery.js';
import {
  type CreateSubscriptionDto,
  INVALID_ACK_DEADLINE,
  type OffsetDto,
  type OffsetsDto,
  PullDto,
  type PullResultDto,
  type PushConfigInDto,
  type ReceivedMessageDto,
  type SubscriptionDto,
  type SubscriptionPageDto,
} from './dto/subscription.dto.js';
import { checkHostAllowed } from '../push/address-guard.js';
import { verificationUrl } from '../push/push-body.js';
import { OutboundError, PushHttpClient } from '../push/push-http-client.js';
import { PushNotices } from '../push/push-notices.js';
import { backoff, CAS_RETRIES, LONG_POLL_RECHECK_MS, pulledMessage } from './delivery.js';
import { isEmptyPushConfig, pushConfigView, pushTargetUrl, resolvePushConfig } from './push-config.js';

const DEFAULT_ACK_DEADLINE_SECONDS = 10;
const PUSH_DISABLED = 'Push functionality is currently disabled';
/** The push worker acknowledges a batch by its last message, which only cumulative acknowledgement supports. */
const PUSH_NEEDS_CUMULATIVE = 'Push delivery needs ackMode cumulative';

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
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    @Inject(MESSAGE_LOG) private readonly log: MessageLog,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    private readonly acl: AclService,
    private readonly signal: PublishSignal,
    private readonly traffic: TrafficCounter,
    private readonly metrics: AmsMetrics,
    private readonly outbound: PushHttpClient,
    private readonly notices: PushNotices,
    private readonly individual: IndividualDelivery,
  ) {}

  async list(caller: Caller, project: ProjectRecord, page: PageQuery): Promise<SubscriptionPageDto> {
    // spec 2.4: plain consumers see only the subscriptions whose ACL holds them.
    const filtered = caller.roles.has('consumer') && !caller.roles.has('project_admin') && !isServiceAdmin(caller);
    const found = await this.store.listSubscriptions(
      project.uuid,
      filtered ? { aclUser: caller.user?.uuid ?? '' } : {},
      page,
    );
    if (found === null) throw AmsError.invalid('Invalid page token');
    return pageBody('subscriptions', found, found.items.map((s) => this.view(project, s)));
  }

  /** spec 3.6, in its order: body -> topic reference -> topic exists -> push config -> name free. */
  async create(project: ProjectRecord, name: string, body: CreateSubscriptionDto): Promise<SubscriptionDto> {
    const ackMode = ackModeOf(body);
    const topicName = parseSubscriptionTopic(body.topic ?? '');
    if (topicName === null) throw AmsError.invalid('Invalid Topic name');
    const topic = await this.store.topic(project.uuid, topicName);
    if (topic === null) throw AmsError.notFound('Topic');
    const worker = isEmptyPushConfig(body.pushConfig) ? null : await this.pushWorker();
    const pushConfig = resolvePushConfig(body.pushConfig, null, newSecret, this.config.push);
    if (pushConfig !== null && ackMode === 'individual') throw AmsError.invalid(PUSH_NEEDS_CUMULATIVE);
    if (pushConfig !== null) await this.checkPushTarget(pushConfig);
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
    };
    if (!(await this.store.createSubscription(subscription))) throw AmsError.alreadyExists('Subscription');
    if (active) {
      await this.joinProject(worker, project);
      this.notices.changed({ projectUuid: project.uuid, subscription: name });
    }
    return this.view(project, subscription);
  }

  async show(project: ProjectRecord, name: string): Promise<SubscriptionDto> {
    return this.view(project, await this.existing(project, name));
  }

  async delete(project: ProjectRecord, name: string): Promise<{ message: string } | undefined> {
    const subscription = await this.existing(project, name);
    if (!(await this.store.deleteSubscription(project.uuid, name))) throw AmsError.notFound('Subscription');
    if (subscription.pushConfig === null) return undefined;
    this.notices.changed({ projectUuid: project.uuid, subscription: name });
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
    const worker = isEmptyPushConfig(input) ? null : await this.pushWorker();
    const pushConfig = resolvePushConfig(input, subscription.pushConfig, newSecret, this.config.push);
    if (pushConfig !== null && subscription.ackMode === 'individual') throw AmsError.invalid(PUSH_NEEDS_CUMULATIVE);
    if (pushConfig !== null) await this.checkPushTarget(pushConfig);
    const active = pushConfig?.verified === true && worker !== null;
    const workerUuid = worker?.uuid ?? (await this.store.userByName(this.config.push.workerUser))?.uuid;
    const others = subscription.authorizedUsers.filter((uuid) => uuid !== workerUuid);
    const authorizedUsers = active ? [...others, worker.uuid] : others;
    if ((await this.store.updateSubscription(project.uuid, name, { pushConfig, authorizedUsers, pushStatus: null })) === null) {
      throw AmsError.notFound('Subscription');
    }
    if (active) await this.joinProject(worker, project);
    if (pushConfig !== null || subscription.pushConfig !== null) {
      this.notices.changed({ projectUuid: project.uuid, subscription: name });
    }
  }

  /**
   * spec 4.6 `:verifyPushEndpoint`, in its order: push on (409), worker (500), subscription (404), http_endpoint (409),
   * not verified yet (409); then `GET <scheme>://<host[:port]>/ams_verification_hash` must answer 200 with the hash.
   */
  async verifyPushEndpoint(project: ProjectRecord, name: string): Promise<void> {
    const worker = await this.pushWorker();
    const subscription = await this.existing(project, name);
    const config = subscription.pushConfig;
    if (config === null || config.type !== 'http_endpoint') throw AmsError.conflict('Subscription is not in http push mode');
    if (config.verified) throw AmsError.conflict('Push endpoint is already verified');
    const failed = (reason: string) => new AmsError(401, 'UNAUTHORIZED', `Endpoint verification failed.${reason}`);
    let answer;
    try {
      answer = await this.outbound.send({ method: 'GET', url: verificationUrl(config.pushEndpoint) });
    } catch (err) {
      throw failed(err instanceof OutboundError ? err.message : String(err));
    }
    if (answer.status !== 200) throw failed('Wrong response status code');
    if (answer.body !== config.verificationHash) throw failed('Wrong verification hash');
    const verified: PushConfigRecord = { ...config, verified: true };
    const authorizedUsers = [...subscription.authorizedUsers.filter((uuid) => uuid !== worker.uuid), worker.uuid];
    const patch = { pushConfig: verified, authorizedUsers, pushStatus: null };
    if ((await this.store.updateSubscription(project.uuid, name, patch)) === null) throw AmsError.notFound('Subscription');
    await this.joinProject(worker, project);
    this.notices.changed({ projectUuid: project.uuid, subscription: name });
  }

  /**
   * The subscription's deadline (spec 4.3); with `ackIds` on an individual-ack subscription, the leases of those
   * deliveries instead (pubsub-extensions 1). A cumulative subscription ignores `ackIds`, as AMS does unknown keys.
   */
  async modifyAckDeadline(
    project: ProjectRecord,
    name: string,
    seconds: number | undefined,
    ackIds?: readonly string[],
  ): Promise<void> {
    const ackDeadlineSeconds = seconds ?? 0;
    if (ackDeadlineSeconds < 0 || ackDeadlineSeconds > 600) throw AmsError.invalid(INVALID_ACK_DEADLINE);
    if (ackIds !== undefined && (await this.existing(project, name)).ackMode === 'individual') {
      return this.individual.modifyDeadlines(project, name, ackIds, ackDeadlineSeconds);
    }
    if ((await this.store.updateSubscription(project.uuid, name, { ackDeadlineSeconds })) === null) {
      throw AmsError.notFound('Subscription');
    }
  }

  async showAcl(project: ProjectRecord, name: string): Promise<AclDto> {
    return this.acl.view((await this.existing(project, name)).authorizedUsers);
  }

  async modifyAcl(project: ProjectRecord, name: string, users: readonly string[]): Promise<void> {
    const uuids = await this.acl.resolve(project, users);
    if ((await this.store.updateSubscription(project.uuid, name, { authorizedUsers: uuids })) === null) {
      throw AmsError.notFound('Subscription');
    }
  }

  /** spec 4.2, in its order: subscription -> push rule and ACL -> topic -> body; then read, wait if asked, record. */
  async pull(caller: Caller, project: ProjectRecord, name: string, raw: unknown, gone: AbortSignal): Promise<PullResultDto> {
    let subscription = await this.existing(project, name);
    this.checkMayPull(caller, subscription);
    const topic = await this.store.topic(project.uuid, subscription.topicName);
    if (topic === null) throw AmsError.conflict("Subscription's topic doesn't exist");
    const body = decodeBody(raw, PullDto);
    const max = Math.min(pullCount(body.maxMessages), this.config.pullMaxMessages);
    const wait = body.returnImmediately === 'false' || body.returnImmediately === false;
    if (subscription.ackMode === 'individual') {
      return { receivedMessages: await this.individual.pull(project, subscription, topic, max, wait, gone) };
    }

    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      // One round trip to the log: the read at the cursor also brings the bounds that clamp it.
      const read = await this.log.readWithBounds(topic.logId, subscription.cursor.ackFloor, max, this.config.pullMaxBytes);
      const floor = clampFloor(subscription.cursor, read.bounds);
      let messages = read.messages;
      if (wait && messages.length > 0 && messages.length < max) {
        messages = await this.waitForMore(topic, floor, max, messages, gone);
      }
      const next = afterPull(subscription.cursor, floor, messages.length, this.clock.now());
      if (await this.store.compareAndSetCursor(project.uuid, name, subscription.cursor.version, next)) {
        // spec 3.8 / 5.2: the messages returned count (not those read), rolled up in memory.
        this.traffic.recordPull(subscription, messages.length, dataBytes(messages), this.clock.now());
        this.metrics.recordPulled(project.name, name, messages.length, dataBytes(messages));
        return { receivedMessages: messages.map((m) => received(project.name, name, m)) };
      }
      await backoff(attempt);
      subscription = await this.existing(project, name);
    }
    throw AmsError.internal('Backend Error');
  }

  /** spec 4.3: cumulative; the highest ackId acknowledges everything before it. */
  async acknowledge(project: ProjectRecord, name: string, ackIds: readonly string[] | undefined): Promise<Record<string, never>> {
    let subscription = await this.existing(project, name);
    if (ackIds === undefined || ackIds.length === 0) throw AmsError.invalid('Invalid ack id');
    if (subscription.ackMode === 'individual') {
      await this.individual.acknowledge(project, name, ackIds);
      return {};
    }
    let highest = -1;
    for (const ackId of ackIds) {
      const offset = parseAckId(ackId, project.name, name);
      if (offset === null) throw AmsError.invalid('Invalid ack id');
      highest = Math.max(highest, offset);
    }
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const next = afterAcknowledge(subscription.cursor, highest + 1, subscription.ackDeadlineSeconds, this.clock.now());
      if (next instanceof AmsError) throw next;
      if (await this.store.compareAndSetCursor(project.uuid, name, subscription.cursor.version, next)) {
        this.metrics.recordAcknowledged(project.name, name, next.ackFloor - subscription.cursor.ackFloor);
        return {};
      }
      await backoff(attempt);
      subscription = await this.existing(project, name);
    }
    throw AmsError.internal('Error handling acknowledgement');
  }

  /** spec 4.4; a floor below the oldest retained offset (or past a re-created topic's end) is corrected and kept. */
  async offsets(project: ProjectRecord, name: string): Promise<OffsetsDto> {
    const subscription = await this.existing(project, name);
    const bounds = await this.boundsOf(project, subscription);
    const current = clampFloor(subscription.cursor, bounds);
    if (current !== subscription.cursor.ackFloor) {
      const next: NewCursor = { ...subscription.cursor, ackFloor: current };
      // Best effort: a concurrent cursor change wins and will be corrected on its next read.
      await this.store.compareAndSetCursor(project.uuid, name, subscription.cursor.version, next);
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
      if (subscription.ackMode === 'individual') {
        if (await this.individual.seek(project, name, version, target)) return; // leases are dropped with the move
      } else if (await this.store.compareAndSetCursor(project.uuid, name, version, afterSeek(target))) return;
      await backoff(attempt);
    }
    throw AmsError.internal('Backend Error');
  }

  async timeToOffset(project: ProjectRecord, name: string, time: string | undefined): Promise<OffsetDto> {
    const subscription = await this.existing(project, name);
    const micros = parseZuluMillis(time ?? '');
    if (micros === null) throw AmsError.invalid('Time is not in valid Zulu format.');
    const topic = await this.store.topic(project.uuid, subscription.topicName);
    const offset = topic === null ? null : await this.log.offsetAtTime(topic.logId, micros);
    if (offset === null) throw AmsError.conflict("Timestamp is out of bounds for the subscription's topic/partition");
    return { offset };
  }

  private async waitForMore(
    topic: TopicRecord,
    floor: number,
    max: number,
    first: StoredMessage[],
    gone: AbortSignal,
  ): Promise<StoredMessage[]> {
    const until = Date.now() + this.config.pullMaxWaitSeconds * 1000;
    let messages = first;
    while (messages.length < max && !gone.aborted && !this.signal.shuttingDown && Date.now() < until) {
      await this.signal.next(topic.logId, Math.min(LONG_POLL_RECHECK_MS, until - Date.now()), gone);
      messages = await this.log.read(topic.logId, floor, max, this.config.pullMaxBytes);
    }
    return messages;
  }

  /**
   * spec 2.4: push subscriptions are pulled only by the push worker (409 while push is off) or a service admin;
   * consumers need the ACL.
   */
  private checkMayPull(caller: Caller, subscription: SubscriptionRecord): void {
    if (subscription.pushConfig !== null && !caller.roles.has('push_worker') && !isServiceAdmin(caller)) {
      throw AmsError.forbidden();
    }
    if (subscription.pushConfig !== null && caller.roles.has('push_worker') && !this.config.push.enabled) {
      throw AmsError.conflict(PUSH_DISABLED);
    }
    if (caller.roles.has('consumer') && !subscription.authorizedUsers.includes(caller.user?.uuid ?? '')) {
      throw AmsError.forbidden();
    }
  }

  /** Bounds of the subscription's topic; a deleted topic reads as {0, 0} (spec 8.5). */
  private async boundsOf(project: ProjectRecord, subscription: SubscriptionRecord): Promise<LogBounds> {
    const topic = await this.store.topic(project.uuid, subscription.topicName);
    return topic === null ? { min: 0, max: 0 } : this.log.bounds(topic.logId);
  }

  /** The push worker user that push needs (spec 4.6 order: push on -> 409, worker user present -> 500). */
  private async pushWorker(): Promise<UserRecord> {
    if (!this.config.push.enabled) throw AmsError.conflict(PUSH_DISABLED);
    const worker = await this.store.userByName(this.config.push.workerUser);
    if (worker === null || !worker.serviceRoles.includes('push_worker')) {
      throw AmsError.internal('Push functionality is currently unavailable');
    }
    return worker;
  }

  /** Activation adds the push worker to the project, without roles (spec 4.6; roles `[]`, not the original's null). */
  private async joinProject(worker: UserRecord, project: ProjectRecord): Promise<void> {
    if (worker.projects.some((m) => m.projectUuid === project.uuid)) return;
    await this.store.updateUser(worker.uuid, {
      projects: [...worker.projects, { projectUuid: project.uuid, roles: [] }],
      modifiedOn: this.clock.now(),
    });
  }

  /**
   * Outbound safety at config time (pubsub-extensions 9): a push URL whose host is, or resolves to, a loopback,
   * link-local, private or reserved address is refused unless AMS_PUSH_ALLOW_PRIVATE. Delivery checks again on every
   * connection, since names can resolve differently later.
   */
  private async checkPushTarget(config: PushConfigRecord): Promise<void> {
    const host = new URL(pushTargetUrl(config)).hostname;
    const refused = await checkHostAllowed(host, this.config.push.allowPrivate);
    if (refused !== null) {
      throw AmsError.invalid(`Push endpoint must not address a loopback, link-local, private or reserved network (${refused})`);
    }
  }

  private async existing(project: ProjectRecord, name: string): Promise<SubscriptionRecord> {
    const subscription = await this.store.subscription(project.uuid, name);
    if (subscription === null) throw AmsError.notFound('Subscription');
    return subscription;
  }

  private view(project: ProjectRecord, subscription: SubscriptionRecord): SubscriptionDto {
    return {
      name: subscriptionRef(project.name, subscription.name),
      topic: topicRef(project.name, subscription.topicName),
      pushConfig: pushConfigView(subscription.pushConfig),
      ackDeadlineSeconds: subscription.ackDeadlineSeconds,
      // An AMS client sees AMS's representation: the extension's field only where it was asked for.
      ...(subscription.ackMode === 'individual' ? { ackMode: subscription.ackMode } : {}),
      ...(subscription.pushConfig?.verified === true && this.config.push.enabled
        ? { pushStatus: subscription.pushStatus ?? activeStatus(project.name, subscription.name) }
        : {}),
      createdOn: formatSeconds(subscription.createdOn),
    };
  }
}

/**
 * `maxMessages`: absent or unparsable -> 1; 0 or negative act as 1 (spec 4.2). A string must be a whole decimal
 * number as Go's strconv.Atoi reads it: `"2abc"` or `"1.5"` is unparsable (parseInt would read 2 and 1).
 */
export function pullCount(raw: string | number | undefined): number {
  const value = typeof raw === 'number' ? raw : /^[+-]?\d+$/.test(raw ?? '') ? Number(raw) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 1;
}

function received(project: string, subscription: string, m: StoredMessage): ReceivedMessageDto {
  return { ackId: formatAckId(project, subscription, m.offset), message: pulledMessage(m) };
}
