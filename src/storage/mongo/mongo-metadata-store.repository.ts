import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { type Connection, type FilterQuery, isValidObjectId, type Model, type Schema, Types } from 'mongoose';
import type { Page, PageQuery } from '../../common/pagination.js';
import type {
  DailyCountFilter,
  MetadataStore,
  NewCursor,
  NewLeaseState,
  ProjectPatch,
  RegistrationChange,
  RegistrationFilter,
  SchemaPatch,
  SubscriptionFilter,
  SubscriptionPatch,
  TopicFilter,
  TopicPatch,
  UpdateOutcome,
  UserFilter,
  UserPatch,
} from '../ports/metadata-store.repository.js';
import type {
  AckMode,
  CountedKind,
  CreatedCounts,
  DailyCount,
  DailyCountBatch,
  LeaseRecord,
  LeaseState,
  OrphanCounts,
  ProjectMessageTotal,
  Membership,
  NodeSampleRecord,
  ProjectRecord,
  PushConfigRecord,
  RegistrationRecord,
  RegistrationStatus,
  ResourceCount,
  ResourceCountBatch,
  ResourceCounters,
  SchemaRecord,
  ServiceRole,
  SubscriptionRecord,
  TopicRecord,
  UserRecord,
} from '../ports/records.js';
import { StoreUnavailableError } from '../ports/store-errors.js';
import {
  DAILY_COUNT,
  DailyCountSchema,
  NODE_SAMPLE,
  NodeSampleSchema,
  MESSAGE_SCHEMA,
  MessageSchemaSchema,
  PROJECT,
  ProjectSchema,
  REGISTRATION,
  RegistrationSchema,
  RESOURCE_COUNTER,
  ResourceCounterSchema,
  SUBSCRIPTION,
  SubscriptionSchema,
  TOPIC,
  TopicSchema,
  USER,
  UserSchema,
} from './mongo-schemas.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any> & { _id: Types.ObjectId };

const DUPLICATE_KEY = 11000;
const isDuplicate = (err: unknown): boolean => (err as { code?: number } | null)?.code === DUPLICATE_KEY;

/**
 * Connection-level failures (server down or unreachable, connections reset, pool cleared), as opposed to an operation
 * the server refused. The driver's network errors all derive from MongoNetworkError.
 */
export function isMongoUnavailable(err: unknown): boolean {
  return (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoServerClosedError ||
    (err instanceof Error && err.name === 'MongooseServerSelectionError') ||
    // The driver lets some socket errors through unwrapped (EPIPE when writing to a connection the server closed).
    SOCKET_ERRORS.has((err as NodeJS.ErrnoException | null)?.code ?? '')
  );
}

const SOCKET_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN']);

function projectFrom(d: Doc): ProjectRecord {
  return {
    uuid: d.uuid,
    name: d.name,
    description: d.description ?? '',
    createdOn: d.createdOn,
    modifiedOn: d.modifiedOn,
    createdBy: d.createdBy ?? null,
  };
}

function userFrom(d: Doc): UserRecord {
  return {
    uuid: d.uuid,
    name: d.name,
    email: d.email ?? '',
    firstName: d.firstName ?? '',
    lastName: d.lastName ?? '',
    organization: d.organization ?? '',
    description: d.description ?? '',
    tokenHash: d.tokenHash,
    tokenSealed: d.tokenSealed,
    serviceRoles: (d.serviceRoles ?? []) as ServiceRole[],
    projects: ((d.projects ?? []) as Membership[]).map((m) => ({ projectUuid: m.projectUuid, roles: [...m.roles] })),
    createdOn: d.createdOn,
    modifiedOn: d.modifiedOn,
    createdBy: d.createdBy ?? null,
  };
}

function topicFrom(d: Doc): TopicRecord {
  return {
    projectUuid: d.projectUuid,
    name: d.name,
    logId: d.logId,
    schemaUuid: d.schemaUuid ?? null,
    authorizedUsers: [...(d.acl ?? [])],
    createdOn: d.createdOn,
  };
}

function schemaFrom(d: Doc): SchemaRecord {
  return {
    uuid: d.uuid,
    projectUuid: d.projectUuid,
    name: d.name,
    type: d.type as SchemaRecord['type'],
    document: JSON.parse(d.document as string) as Record<string, unknown>,
  };
}

function subscriptionFrom(d: Doc): SubscriptionRecord {
  const c = d.cursor;
  return {
    projectUuid: d.projectUuid,
    name: d.name,
    topicName: d.topicName,
    ackDeadlineSeconds: d.ackDeadlineSeconds,
    pushConfig: (d.pushConfig ?? null) as PushConfigRecord | null,
    authorizedUsers: [...(d.acl ?? [])],
    ackMode: d.ackMode as AckMode,
    createdOn: d.createdOn,
    cursor: {
      ackFloor: c.ackFloor,
      readOffset: c.readOffset,
      window: c.windowEnd === null || c.windowEnd === undefined ? null : { end: c.windowEnd, pulledAt: c.windowPulledAt },
      version: c.version,
    },
    pushStatus: d.pushStatus ?? null,
  };
}

function registrationFrom(d: Doc): RegistrationRecord {
  return {
    uuid: d.uuid,
    name: d.name,
    firstName: d.firstName ?? '',
    lastName: d.lastName ?? '',
    organization: d.organization ?? '',
    description: d.description ?? '',
    email: d.email ?? '',
    status: d.status as RegistrationStatus,
    declineComment: d.declineComment ?? '',
    activationToken: d.activationToken ?? null,
    registeredAt: d.registeredAt,
    modifiedBy: d.modifiedBy ?? null,
    modifiedAt: d.modifiedAt ?? null,
  };
}

const cursorFields = (c: NewCursor): Record<string, unknown> => ({
  'cursor.ackFloor': c.ackFloor,
  'cursor.readOffset': c.readOffset,
  'cursor.windowEnd': c.window?.end ?? null,
  'cursor.windowPulledAt': c.window?.pulledAt ?? null,
});

/** Only the keys a patch sets, renamed to document fields. */
function setOf(patch: object, rename: Record<string, string> = {}): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(patch)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [rename[key] ?? key, value]),
  );
}

@Injectable()
export class MongoMetadataStore implements MetadataStore, OnModuleInit {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    @InjectModel(PROJECT) private readonly projects: Model<Doc>,
    @InjectModel(USER) private readonly users: Model<Doc>,
    @InjectModel(TOPIC) private readonly topics: Model<Doc>,
    @InjectModel(SUBSCRIPTION) private readonly subscriptions: Model<Doc>,
    @InjectModel(DAILY_COUNT) private readonly dailyCounters: Model<Doc>,
    @InjectModel(REGISTRATION) private readonly registrations: Model<Doc>,
    @InjectModel(RESOURCE_COUNTER) private readonly trafficCounters: Model<Doc>,
    @InjectModel(NODE_SAMPLE) private readonly nodes: Model<Doc>,
    @InjectModel(MESSAGE_SCHEMA) private readonly schemas: Model<Doc>,
  ) {}

  /** The store on a connection made outside Nest (the contract suite). */
  static on(connection: Connection): MongoMetadataStore {
    const model = (name: string, schema: Schema): Model<Doc> => connection.model<Doc>(name, schema as Schema<Doc>);
    return new MongoMetadataStore(
      connection,
      model(PROJECT, ProjectSchema),
      model(USER, UserSchema),
      model(TOPIC, TopicSchema),
      model(SUBSCRIPTION, SubscriptionSchema),
      model(DAILY_COUNT, DailyCountSchema),
      model(REGISTRATION, RegistrationSchema),
      model(RESOURCE_COUNTER, ResourceCounterSchema),
      model(NODE_SAMPLE, NodeSampleSchema),
      model(MESSAGE_SCHEMA, MessageSchemaSchema),
    );
  }

  /** Unique indexes must exist before the first insert relies on them, so start-up waits for them. */
  async onModuleInit(): Promise<void> {
    await this.run(async () => {
      const models = [
        this.projects,
        this.users,
        this.topics,
        this.subscriptions,
        this.dailyCounters,
        this.trafficCounters,
        this.nodes,
        this.registrations,
        this.schemas,
      ];
      for (const model of models) await model.createIndexes();
    });
  }

  async ping(): Promise<void> {
    await this.run(async () => {
      const db = this.connection.db;
      if (db === undefined) throw new StoreUnavailableError('mongodb', new Error('not connected'));
      await db.admin().ping();
    });
  }

  // ---- projects -------------------------------------------------------------------------------------------------

  createProject(p: ProjectRecord): Promise<boolean> {
    return this.insert(this.projects, { ...p });
  }

  projectByName(name: string): Promise<ProjectRecord | null> {
    return this.one(this.projects, { name }, projectFrom);
  }

  projectByUuid(uuid: string): Promise<ProjectRecord | null> {
    return this.one(this.projects, { uuid }, projectFrom);
  }

  listProjects(): Promise<ProjectRecord[]> {
    return this.run(async () => ((await this.projects.find({}).sort({ _id: 1 }).lean()) as Doc[]).map(projectFrom));
  }

  updateProject(uuid: string, patch: ProjectPatch): Promise<UpdateOutcome<ProjectRecord>> {
    return this.update(this.projects, { uuid }, setOf(patch), projectFrom);
  }

  async deleteProject(uuid: string): Promise<boolean> {
    return this.run(async () => {
      // Children first: a crash half-way leaves the project in place, and deleting it again finishes the job.
      await this.topics.deleteMany({ projectUuid: uuid });
      await this.schemas.deleteMany({ projectUuid: uuid });
      await this.subscriptions.deleteMany({ projectUuid: uuid });
      await this.dailyCounters.deleteMany({ projectUuid: uuid });
      await this.trafficCounters.deleteMany({ projectUuid: uuid });
      await this.users.updateMany({ 'projects.projectUuid': uuid }, { $pull: { projects: { projectUuid: uuid } } });
      return (await this.projects.deleteOne({ uuid })).deletedCount === 1;
    });
  }

  // ---- users ----------------------------------------------------------------------------------------------------

  createUser(u: UserRecord): Promise<boolean> {
    return this.insert(this.users, { ...u, serviceRoles: [...u.serviceRoles], projects: u.projects.map((m) => ({ ...m })) });
  }

  userByName(name: string): Promise<UserRecord | null> {
    return this.one(this.users, { name }, userFrom);
  }

  userByUuid(uuid: string): Promise<UserRecord | null> {
    return this.one(this.users, { uuid }, userFrom);
  }

  userByTokenHash(tokenHash: string): Promise<UserRecord | null> {
    return this.one(this.users, { tokenHash }, userFrom);
  }

  usersByUuid(uuids: readonly string[]): Promise<UserRecord[]> {
    return this.many(this.users, { uuid: { $in: [...uuids] } }, userFrom);
  }

  usersByName(names: readonly string[]): Promise<UserRecord[]> {
    return this.many(this.users, { name: { $in: [...names] } }, userFrom);
  }

  listUsers(filter: UserFilter, page: PageQuery): Promise<Page<UserRecord> | null> {
    const query: FilterQuery<Doc> = filter.projectUuid === undefined ? {} : { 'projects.projectUuid': filter.projectUuid };
    return this.page(this.users, query, page, userFrom);
  }

  updateUser(uuid: string, patch: UserPatch): Promise<UpdateOutcome<UserRecord>> {
    const set = setOf(patch);
    if (patch.projects !== undefined) set.projects = patch.projects.map((m) => ({ projectUuid: m.projectUuid, roles: [...m.roles] }));
    if (patch.serviceRoles !== undefined) set.serviceRoles = [...patch.serviceRoles];
    return this.update(this.users, { uuid }, set, userFrom);
  }

  deleteUser(uuid: string): Promise<boolean> {
    return this.run(async () => (await this.users.deleteOne({ uuid })).deletedCount === 1);
  }

  // ---- topics ---------------------------------------------------------------------------------------------------

  createTopic(t: TopicRecord): Promise<boolean> {
    const { authorizedUsers, ...rest } = t;
    return this.insert(this.topics, { ...rest, acl: [...authorizedUsers] });
  }

  topic(projectUuid: string, name: string): Promise<TopicRecord | null> {
    return this.one(this.topics, { projectUuid, name }, topicFrom);
  }

  listTopics(projectUuid: string, filter: TopicFilter, page: PageQuery): Promise<Page<TopicRecord> | null> {
    return this.page(this.topics, withAcl({ projectUuid }, filter.aclUser), page, topicFrom);
  }

  async updateTopic(projectUuid: string, name: string, patch: TopicPatch): Promise<TopicRecord | null> {
    const outcome = await this.update(this.topics, { projectUuid, name }, setOf(patch, { authorizedUsers: 'acl' }), topicFrom);
    return typeof outcome === 'string' ? null : outcome;
  }

  deleteTopic(projectUuid: string, name: string): Promise<boolean> {
    return this.run(async () => {
      const deleted = (await this.topics.deleteOne({ projectUuid, name })).deletedCount === 1;
      await this.trafficCounters.deleteMany({ kind: 'topic', projectUuid, name });
      return deleted;
    });
  }

  // ---- schemas --------------------------------------------------------------------------------------------------

  createSchema(s: SchemaRecord): Promise<boolean> {
    return this.insert(this.schemas, { ...s, document: JSON.stringify(s.document) });
  }

  schemaByUuid(uuid: string): Promise<SchemaRecord | null> {
    return this.one(this.schemas, { uuid }, schemaFrom);
  }

  schemaByName(projectUuid: string, name: string): Promise<SchemaRecord | null> {
    return this.one(this.schemas, { projectUuid, name }, schemaFrom);
  }

  listSchemas(projectUuid: string): Promise<SchemaRecord[]> {
    return this.run(async () => ((await this.schemas.find({ projectUuid }).sort({ _id: 1 }).lean()) as Doc[]).map(schemaFrom));
  }

  updateSchema(uuid: string, patch: SchemaPatch): Promise<UpdateOutcome<SchemaRecord>> {
    const set = setOf(patch);
    if (patch.document !== undefined) set.document = JSON.stringify(patch.document);
    return this.update(this.schemas, { uuid }, set, schemaFrom);
  }

  /**
   * Topics first, then the schema: an interrupted delete leaves the schema in place (deleting again finishes), never a
   * topic pointing at nothing. The second pass detaches topics that attached the schema while it was being deleted.
   */
  deleteSchema(uuid: string): Promise<boolean> {
    return this.run(async () => {
      await this.topics.updateMany({ schemaUuid: uuid }, { $set: { schemaUuid: null } });
      const deleted = (await this.schemas.deleteOne({ uuid })).deletedCount === 1;
      await this.topics.updateMany({ schemaUuid: uuid }, { $set: { schemaUuid: null } });
      return deleted;
    });
  }

  // ---- subscriptions --------------------------------------------------------------------------------------------

  createSubscription(s: SubscriptionRecord): Promise<boolean> {
    const { authorizedUsers, cursor, ...rest } = s;
    return this.insert(this.subscriptions, {
      ...rest,
      acl: [...authorizedUsers],
      cursor: {
        ackFloor: cursor.ackFloor,
        readOffset: cursor.readOffset,
        windowEnd: cursor.window?.end ?? null,
        windowPulledAt: cursor.window?.pulledAt ?? null,
        version: cursor.version,
      },
    });
  }

  subscription(projectUuid: string, name: string): Promise<SubscriptionRecord | null> {
    return this.one(this.subscriptions, { projectUuid, name }, subscriptionFrom);
  }

  listSubscriptions(projectUuid: string, filter: SubscriptionFilter, page: PageQuery): Promise<Page<SubscriptionRecord> | null> {
    const query: FilterQuery<Doc> = filter.topicName === undefined ? { projectUuid } : { projectUuid, topicName: filter.topicName };
    return this.page(this.subscriptions, withAcl(query, filter.aclUser), page, subscriptionFrom);
  }

  async updateSubscription(projectUuid: string, name: string, patch: SubscriptionPatch): Promise<SubscriptionRecord | null> {
    const set = setOf(patch, { authorizedUsers: 'acl' });
    const outcome = await this.update(this.subscriptions, { projectUuid, name }, set, subscriptionFrom);
    return typeof outcome === 'string' ? null : outcome;
  }

  deleteSubscription(projectUuid: string, name: string): Promise<boolean> {
    return this.run(async () => {
      const deleted = (await this.subscriptions.deleteOne({ projectUuid, name })).deletedCount === 1;
      await this.trafficCounters.deleteMany({ kind: { $ne: 'topic' }, projectUuid, name });
      return deleted;
    });
  }

  listActivePushSubscriptions(): Promise<SubscriptionRecord[]> {
    return this.run(async () => {
      const docs = (await this.subscriptions.collection.find({ 'pushConfig.verified': true }).sort({ _id: 1 }).toArray()) as Doc[];
      return docs.map(subscriptionFrom);
    });
  }

  /** One conditional update on the subscription document: applies only while the version is the expected one. */
  compareAndSetCursor(projectUuid: string, name: string, expectedVersion: number, next: NewCursor): Promise<boolean> {
    return this.run(async () => {
      const result = await this.subscriptions.updateOne(
        { projectUuid, name, 'cursor.version': expectedVersion },
        { $set: cursorFields(next), $inc: { 'cursor.version': 1 } },
      );
      return result.modifiedCount === 1;
    });
  }

  leaseState(projectUuid: string, name: string): Promise<LeaseState | null> {
    return this.one(this.subscriptions, { projectUuid, name }, (d) => ({
      cursor: subscriptionFrom(d).cursor,
      leases: ((d.cursor.leases ?? []) as Doc[])
        .map((l): LeaseRecord => ({ offset: l.offset, deadline: l.deadline, deliveryAttempt: l.deliveryAttempt, leaseId: l.leaseId }))
        .sort((a, b) => a.offset - b.offset),
      acked: [...((d.cursor.acked ?? []) as number[])].sort((a, b) => a - b),
    }));
  }

  /** Leases live in the subscription document: one conditional update replaces them with the cursor. */
  compareAndSetLeases(projectUuid: string, name: string, expectedVersion: number, next: NewLeaseState): Promise<boolean> {
    return this.run(async () => {
      const result = await this.subscriptions.collection.updateOne(
        { projectUuid, name, 'cursor.version': expectedVersion },
        {
          $set: {
            ...cursorFields(next.cursor),
            'cursor.leases': next.leases.map((l) => ({
              offset: l.offset,
              deadline: l.deadline,
              deliveryAttempt: l.deliveryAttempt,
              leaseId: l.leaseId,
            })),
            'cursor.acked': [...next.acked],
          },
          $inc: { 'cursor.version': 1 },
        },
      );
      return result.modifiedCount === 1;
    });
  }

  aclResourcesOf(projectUuid: string, userUuid: string): Promise<{ topics: string[]; subscriptions: string[] }> {
    return this.run(async () => {
      const names = async (model: Model<Doc>): Promise<string[]> =>
        ((await model.find({ projectUuid, acl: userUuid }, { name: 1 }).sort({ _id: 1 }).lean()) as Doc[]).map((d) => d.name);
      return { topics: await names(this.topics), subscriptions: await names(this.subscriptions) };
    });
  }

  // ---- registrations --------------------------------------------------------------------------------------------

  createRegistration(r: RegistrationRecord): Promise<boolean> {
    return this.insert(this.registrations, { ...r });
  }

  registrationByUuid(uuid: string): Promise<RegistrationRecord | null> {
    return this.one(this.registrations, { uuid }, registrationFrom);
  }

  listRegistrations(filter: RegistrationFilter): Promise<RegistrationRecord[]> {
    // Only the fields given, each an exact string match (values are strings, never operators).
    const query = setOf(filter) as Record<string, string>;
    return this.run(async () => ((await this.registrations.find(query).sort({ _id: 1 }).lean()) as Doc[]).map(registrationFrom));
  }

  /** One conditional update on the registration document: applies only while the status is still `from`. */
  async changeRegistration(uuid: string, from: RegistrationStatus, change: RegistrationChange): Promise<RegistrationRecord | null> {
    const outcome = await this.update(this.registrations, { uuid, status: from }, { ...change }, registrationFrom);
    return typeof outcome === 'string' ? null : outcome;
  }

  deleteRegistration(uuid: string): Promise<boolean> {
    return this.run(async () => (await this.registrations.deleteOne({ uuid })).deletedCount === 1);
  }

  // ---- daily message counters ----------------------------------------------------------------------------------

  /**
   * One upsert per counter, conditional on the batch id not being recorded on it yet: a counter that already holds
   * the id does not match, the upsert then collides with the unique key (11000), and that means "already applied".
   */
  addDailyCounts(batch: DailyCountBatch): Promise<void> {
    return this.run(async () => {
      const projectUuids = [...new Set(batch.counts.map((c) => c.projectUuid))];
      const existing = new Set(
        ((await this.projects.find({ uuid: { $in: projectUuids } }, { uuid: 1 }).lean()) as Doc[]).map((d) => d.uuid),
      );
      for (const count of batch.counts) {
        if (!existing.has(count.projectUuid)) continue;
        try {
          await this.dailyCounters.updateOne(
            { projectUuid: count.projectUuid, topicName: count.topicName, day: count.day, batches: { $ne: batch.id } },
            {
              $inc: { messages: count.messages, bytes: count.bytes },
              $push: { batches: { $each: [batch.id], $slice: -RECENT_BATCHES } },
            },
            { upsert: true },
          );
        } catch (err) {
          if (!isDuplicate(err)) throw err;
        }
      }
    });
  }

  dailyCounts(filter: DailyCountFilter): Promise<DailyCount[]> {
    return this.run(async () => {
      const docs = (await this.dailyCounters
        .find(dailyQuery(filter))
        .sort({ day: -1, projectUuid: 1, topicName: 1 })
        .lean()) as Doc[];
      return docs.map((d) => ({ projectUuid: d.projectUuid, topicName: d.topicName, day: d.day, messages: d.messages, bytes: d.bytes }));
    });
  }

  async messageTotals(filter: DailyCountFilter): Promise<ProjectMessageTotal[]> {
    const totals = new Map<string, { messages: number; bytes: number }>();
    for (const count of await this.dailyCounts({ ...filter, topicName: undefined })) {
      const total = totals.get(count.projectUuid) ?? { messages: 0, bytes: 0 };
      total.messages += count.messages;
      total.bytes += count.bytes;
      totals.set(count.projectUuid, total);
    }
    return [...totals].map(([projectUuid, t]) => ({ projectUuid, ...t }));
  }

  countCreated(projectUuid: string, from: Date, to: Date): Promise<CreatedCounts> {
    return this.run(async () => {
      const createdOn = { $gte: from, $lte: to };
      const [topics, subscriptions, users] = await Promise.all([
        this.topics.countDocuments({ projectUuid, createdOn }),
        this.subscriptions.countDocuments({ projectUuid, createdOn }),
        this.users.countDocuments({ 'projects.projectUuid': projectUuid, createdOn }),
      ]);
      return { topics, subscriptions, users };
    });
  }

  // ---- resource counters and node samples -----------------------------------------------------------------------

  addResourceCounts(batch: ResourceCountBatch): Promise<void> {
    return this.run(async () => {
      // A batch may hold several increments of one counter (two rate windows), so each carries its own mark.
      for (const [i, count] of batch.counts.entries()) {
        if (await this.incarnationExists(count)) await this.addResourceCount(`${batch.id}/${i}`, count);
      }
    });
  }

  async resourceCounters(kind: CountedKind, projectUuid: string, name: string, incarnation: string): Promise<ResourceCounters> {
    const doc = await this.run(async () => (await this.trafficCounters.findOne({ kind, projectUuid, name, incarnation }).lean()) as Doc | null);
    if (doc === null) return { messages: 0, bytes: 0, lastAt: null, rateWindow: null };
    return {
      messages: doc.messages,
      bytes: doc.bytes,
      lastAt: doc.lastAt,
      rateWindow: { start: doc.rateStart, messages: doc.rateMessages },
    };
  }

  putNodeSample(sample: NodeSampleRecord): Promise<void> {
    return this.run(async () => {
      await this.nodes.updateOne({ host: sample.host }, { $set: { ...sample } }, { upsert: true });
    });
  }

  nodeSamples(): Promise<NodeSampleRecord[]> {
    return this.run(async () => {
      const docs = (await this.nodes.find({}).sort({ host: 1 }).lean()) as Doc[];
      return docs.map((d) => ({ host: d.host, cpu: d.cpu, memory: d.memory, sampledAt: d.sampledAt }));
    });
  }

  /**
   * Whether the counted topic (by log id) or subscription (by creation time) still exists. Checked before the write,
   * not with it: a deletion in between leaves a counter of a dead incarnation, which no read asks for and the next
   * deletion of that name or of the project removes.
   */
  private async incarnationExists(count: ResourceCount): Promise<boolean> {
    const { projectUuid, name } = count;
    if (count.kind === 'topic') return (await this.topics.exists({ projectUuid, name, logId: count.incarnation })) !== null;
    const createdOn = new Date(Number(count.incarnation));
    return (await this.subscriptions.exists({ projectUuid, name, createdOn })) !== null;
  }

  /**
   * One increment, as single-document conditional updates (no transactions): the rate window of the stored counter is
   * the same as the increment's, older, or newer, and exactly one of the three updates matches unless the increment's
   * mark (batch id and position) was applied already or the counter does not exist yet. Then an insert creates it; a
   * duplicate key means another writer created it (or this increment applied): look again.
   */
  private async addResourceCount(mark: string, c: ResourceCount): Promise<void> {
    const key = { kind: c.kind, projectUuid: c.projectUuid, name: c.name, incarnation: c.incarnation };
    const fresh = { ...key, batches: { $ne: mark } };
    const common = {
      $inc: { messages: c.messages, bytes: c.bytes },
      $max: { lastAt: c.lastAt },
      $push: { batches: { $each: [mark], $slice: -RECENT_BATCHES } },
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      const sameWindow = await this.trafficCounters.updateOne(
        { ...fresh, rateStart: c.windowStart },
        { ...common, $inc: { ...common.$inc, rateMessages: c.messages } },
      );
      if (sameWindow.matchedCount === 1) return;
      const newerWindow = await this.trafficCounters.updateOne(
        { ...fresh, rateStart: { $lt: c.windowStart } },
        { ...common, $set: { rateStart: c.windowStart, rateMessages: c.messages } },
      );
      if (newerWindow.matchedCount === 1) return;
      const olderWindow = await this.trafficCounters.updateOne({ ...fresh, rateStart: { $gt: c.windowStart } }, common);
      if (olderWindow.matchedCount === 1) return;
      if ((await this.trafficCounters.exists({ ...key, batches: mark })) !== null) return;
      try {
        await this.trafficCounters.create({
          ...key,
          messages: c.messages,
          bytes: c.bytes,
          lastAt: c.lastAt,
          rateStart: c.windowStart,
          rateMessages: c.messages,
          batches: [mark],
        });
        return;
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
    }
    throw new Error(`resource counter ${c.kind} ${c.name}: too many concurrent changes`);
  }

  // ---- house-keeping --------------------------------------------------------------------------------------------

  forgetDailyCountBatches(beforeDay: string): Promise<number> {
    return this.run(async () => {
      const forgotten = await this.dailyCounters.collection.updateMany(
        { day: { $lt: beforeDay }, 'batches.0': { $exists: true } },
        { $set: { batches: [] } },
      );
      return forgotten.modifiedCount;
    });
  }

  /**
   * No transactions, so the order makes it safe: first the project uuids the children name, then which of those
   * projects exist. A project created meanwhile is not among the uuids read first; one deleted meanwhile is swept
   * now or next time. Each delete is conditional on the uuid, so a child written later is never touched by mistake.
   */
  removeOrphans(): Promise<OrphanCounts> {
    return this.run(async () => {
      const children = [this.topics, this.subscriptions, this.dailyCounters, this.schemas, this.trafficCounters];
      const named = new Set<string>();
      for (const model of children) {
        for (const uuid of (await model.collection.distinct('projectUuid')) as string[]) named.add(uuid);
      }
      for (const uuid of (await this.users.collection.distinct('projects.projectUuid')) as string[]) named.add(uuid);
      if (named.size === 0) return { topics: 0, subscriptions: 0, dailyCounts: 0, memberships: 0 };
      const existing = new Set(
        ((await this.projects.find({ uuid: { $in: [...named] } }, { uuid: 1 }).lean()) as Doc[]).map((d) => d.uuid as string),
      );
      const gone = [...named].filter((uuid) => !existing.has(uuid));
      if (gone.length === 0) return { topics: 0, subscriptions: 0, dailyCounts: 0, memberships: 0 };
      const inGone = { projectUuid: { $in: gone } };
      const topics = (await this.topics.collection.deleteMany(inGone)).deletedCount;
      const subscriptions = (await this.subscriptions.collection.deleteMany(inGone)).deletedCount;
      const dailyCounts = (await this.dailyCounters.collection.deleteMany(inGone)).deletedCount;
      await this.schemas.collection.deleteMany(inGone);
      await this.trafficCounters.collection.deleteMany(inGone);
      let memberships = 0;
      const members = (await this.users.find({ 'projects.projectUuid': { $in: gone } }, { uuid: 1, projects: 1 }).lean()) as Doc[];
      for (const member of members) {
        const stale = (member.projects as Membership[]).filter((m) => gone.includes(m.projectUuid)).length;
        await this.users.updateOne({ uuid: member.uuid }, { $pull: { projects: inGone } });
        memberships += stale;
      }
      return { topics, subscriptions, dailyCounts, memberships };
    });
  }

  topicLogIds(): Promise<string[]> {
    return this.run(async () => ((await this.topics.find({}, { logId: 1 }).lean()) as Doc[]).map((d) => d.logId as string));
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  /** Every call goes through here: connection-level failures become StoreUnavailableError (a 503 to clients). */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isMongoUnavailable(err)) throw new StoreUnavailableError('mongodb', err);
      throw err;
    }
  }

  private insert(model: Model<Doc>, doc: object): Promise<boolean> {
    return this.run(async () => {
      try {
        await model.collection.insertOne({ _id: new Types.ObjectId(), ...doc });
        return true;
      } catch (err) {
        if (isDuplicate(err)) return false;
        throw err;
      }
    });
  }

  /** Point lookups run on every request (project, caller, topic), so they skip mongoose's query layer: keys are plain strings. */
  private one<T>(model: Model<Doc>, query: Record<string, string>, map: (d: Doc) => T): Promise<T | null> {
    return this.run(async () => {
      const doc = (await model.collection.findOne(query)) as Doc | null;
      return doc === null ? null : map(doc);
    });
  }

  private many<T>(model: Model<Doc>, query: FilterQuery<Doc>, map: (d: Doc) => T): Promise<T[]> {
    return this.run(async () => ((await model.find(query).lean()) as Doc[]).map(map));
  }

  private update<T>(model: Model<Doc>, query: FilterQuery<Doc>, set: Record<string, unknown>, map: (d: Doc) => T): Promise<UpdateOutcome<T>> {
    return this.run(async () => {
      try {
        const doc = (await model.findOneAndUpdate(query, { $set: set }, { new: true }).lean()) as Doc | null;
        return doc === null ? 'missing' : map(doc);
      } catch (err) {
        if (isDuplicate(err)) return 'name-taken';
        throw err;
      }
    });
  }

  /** Newest first by ObjectId; a page position is the hex id of the next page's first document. */
  private page<T>(model: Model<Doc>, query: FilterQuery<Doc>, page: PageQuery, map: (d: Doc) => T): Promise<Page<T> | null> {
    return this.run(async () => {
      let bounded = query;
      if (page.after !== undefined) {
        if (!isValidObjectId(page.after) || !/^[0-9a-f]{24}$/.test(page.after)) return null;
        const from = new Types.ObjectId(page.after);
        if ((await model.exists({ ...query, _id: from })) === null) return null;
        bounded = { ...query, _id: { $lte: from } };
      }
      const total = await model.countDocuments(query);
      let cursor = model.find(bounded).sort({ _id: -1 });
      if (page.size > 0) cursor = cursor.limit(page.size + 1);
      const docs = (await cursor.lean()) as Doc[];
      const hasMore = page.size > 0 && docs.length > page.size;
      const items = (hasMore ? docs.slice(0, page.size) : docs).map(map);
      return { items, next: hasMore ? docs[page.size]._id.toHexString() : null, total };
    });
  }
}

/** How many recent batch ids a counter remembers: retries follow their failure closely. */
const RECENT_BATCHES = 50;

function dailyQuery(filter: DailyCountFilter): FilterQuery<Doc> {
  const query: FilterQuery<Doc> = { day: { $gte: filter.fromDay, $lte: filter.toDay } };
  if (filter.projectUuids !== undefined) query.projectUuid = { $in: [...filter.projectUuids] };
  if (filter.topicName !== undefined) query.topicName = filter.topicName;
  return query;
}

function withAcl(query: FilterQuery<Doc>, aclUser: string | undefined): FilterQuery<Doc> {
  return aclUser === undefined ? query : { ...query, acl: aclUser };
}
