import { Schema } from 'mongoose';

/**
 * The MongoDB documents of the metadata store. `_id` is an ObjectId everywhere: its order is creation order, which
 * lists need (newest first) and page positions name. Natural keys carry unique indexes; cursors live inside the
 * subscription document so every cursor change is one conditional single-document update (no transactions, which
 * the test server lacks and which the design does not need).
 */

export const PROJECT = 'Project';
export const USER = 'User';
export const TOPIC = 'Topic';
export const SUBSCRIPTION = 'Subscription';
export const DAILY_COUNT = 'DailyCount';
export const RESOURCE_COUNTER = 'ResourceCounter';
export const NODE_SAMPLE = 'NodeSample';
export const MESSAGE_SCHEMA = 'MessageSchema';

const options = { versionKey: false, strict: true, minimize: false } as const;

export const ProjectSchema = new Schema(
  {
    uuid: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    createdOn: { type: Date, required: true },
    modifiedOn: { type: Date, required: true },
    createdBy: { type: String, default: null },
  },
  { ...options, collection: 'projects' },
);
ProjectSchema.index({ uuid: 1 }, { unique: true });
ProjectSchema.index({ name: 1 }, { unique: true });

const MembershipSchema = new Schema({ projectUuid: String, roles: [String] }, { _id: false });

export const UserSchema = new Schema(
  {
    uuid: { type: String, required: true },
    name: { type: String, required: true },
    email: { type: String, default: '' },
    firstName: { type: String, default: '' },
    lastName: { type: String, default: '' },
    organization: { type: String, default: '' },
    description: { type: String, default: '' },
    tokenHash: { type: String, required: true },
    tokenSealed: { type: String, required: true },
    serviceRoles: { type: [String], default: [] },
    projects: { type: [MembershipSchema], default: [] },
    createdOn: { type: Date, required: true },
    modifiedOn: { type: Date, required: true },
    createdBy: { type: String, default: null },
  },
  { ...options, collection: 'users' },
);
UserSchema.index({ uuid: 1 }, { unique: true });
UserSchema.index({ name: 1 }, { unique: true });
UserSchema.index({ tokenHash: 1 }, { unique: true });
UserSchema.index({ 'projects.projectUuid': 1 });

export const TopicSchema = new Schema(
  {
    projectUuid: { type: String, required: true },
    name: { type: String, required: true },
    logId: { type: String, required: true },
    schemaUuid: { type: String, default: null },
    acl: { type: [String], default: [] },
    createdOn: { type: Date, required: true },
    retentionSeconds: { type: Number, default: null },
  },
  { ...options, collection: 'topics' },
);
TopicSchema.index({ projectUuid: 1, name: 1 }, { unique: true });
TopicSchema.index({ schemaUuid: 1 });

/**
 * Message schemas (spec 3.7). The document is kept as JSON text: JSON Schema keys such as `$schema`, `$ref` and
 * property names with dots are not valid MongoDB field names everywhere, and Avro field order must survive as given.
 */
export const MessageSchemaSchema = new Schema(
  {
    uuid: { type: String, required: true },
    projectUuid: { type: String, required: true },
    name: { type: String, required: true },
    type: { type: String, required: true },
    document: { type: String, required: true },
  },
  { ...options, collection: 'schemas' },
);
MessageSchemaSchema.index({ uuid: 1 }, { unique: true });
MessageSchemaSchema.index({ projectUuid: 1, name: 1 }, { unique: true });

export const SubscriptionSchema = new Schema(
  {
    projectUuid: { type: String, required: true },
    name: { type: String, required: true },
    topicName: { type: String, required: true },
    ackDeadlineSeconds: { type: Number, required: true },
    pushConfig: { type: Schema.Types.Mixed, default: null },
    acl: { type: [String], default: [] },
    ackMode: { type: String, required: true },
    createdOn: { type: Date, required: true },
    cursor: {
      ackFloor: { type: Number, required: true },
      readOffset: { type: Number, required: true },
      windowEnd: { type: Number, default: null },
      windowPulledAt: { type: Date, default: null },
      version: { type: Number, required: true },
      // Individual ack mode (pubsub-extensions 1): leases and offsets acknowledged above the floor, in the same
      // document as the version that guards them. Absent on subscriptions that never had any.
      leases: {
        type: [{ offset: Number, deadline: Date, deliveryAttempt: Number, leaseId: String, _id: false }],
        default: undefined,
      },
      acked: { type: [Number], default: undefined },
    },
    pushStatus: { type: String, default: null },
    expirationTtlSeconds: { type: Number, default: null },
    expiresAt: { type: Date, default: null },
  },
  { ...options, collection: 'subscriptions' },
);
SubscriptionSchema.index({ projectUuid: 1, name: 1 }, { unique: true });
SubscriptionSchema.index({ projectUuid: 1, topicName: 1 });
SubscriptionSchema.index({ expiresAt: 1 }, { sparse: true });

/** Messages per topic per UTC day. `batches` keeps the ids of the last roll-ups applied, which makes them idempotent. */
export const DailyCountSchema = new Schema(
  {
    projectUuid: { type: String, required: true },
    topicName: { type: String, required: true },
    day: { type: String, required: true },
    messages: { type: Number, default: 0 },
    bytes: { type: Number, default: 0 },
    batches: { type: [String], default: [] },
  },
  { ...options, collection: 'daily_counts' },
);
DailyCountSchema.index({ projectUuid: 1, topicName: 1, day: 1 }, { unique: true });
DailyCountSchema.index({ day: 1 });

export const REGISTRATION = 'Registration';

/** User registrations (spec 3.4); listed in registration order, which is `_id` order. */
export const RegistrationSchema = new Schema(
  {
    uuid: { type: String, required: true },
    name: { type: String, required: true },
    firstName: { type: String, default: '' },
    lastName: { type: String, default: '' },
    organization: { type: String, default: '' },
    description: { type: String, default: '' },
    email: { type: String, default: '' },
    status: { type: String, required: true },
    declineComment: { type: String, default: '' },
    activationToken: { type: String, default: null },
    registeredAt: { type: Date, required: true },
    modifiedBy: { type: String, default: null },
    modifiedAt: { type: Date, default: null },
  },
  { ...options, collection: 'registrations' },
);
RegistrationSchema.index({ uuid: 1 }, { unique: true });
RegistrationSchema.index({ status: 1 });
RegistrationSchema.index({ activationToken: 1 });
/**
 * Counters of one topic or subscription incarnation (spec 3.8): totals, last message time and the latest rate window
 * with its messages. `batches` makes roll-ups idempotent, as on daily counters.
 */
export const ResourceCounterSchema = new Schema(
  {
    kind: { type: String, required: true },
    projectUuid: { type: String, required: true },
    name: { type: String, required: true },
    incarnation: { type: String, required: true },
    messages: { type: Number, default: 0 },
    bytes: { type: Number, default: 0 },
    lastAt: { type: Date, required: true },
    rateStart: { type: Date, required: true },
    rateMessages: { type: Number, default: 0 },
    batches: { type: [String], default: [] },
  },
  { ...options, collection: 'resource_counters' },
);
ResourceCounterSchema.index({ kind: 1, projectUuid: 1, name: 1, incarnation: 1 }, { unique: true });

/** The latest CPU and memory sample of each API node: one document per host (spec 5.2). */
export const NodeSampleSchema = new Schema(
  {
    host: { type: String, required: true },
    cpu: { type: Number, required: true },
    memory: { type: Number, required: true },
    sampledAt: { type: Date, required: true },
  },
  { ...options, collection: 'node_samples' },
);
NodeSampleSchema.index({ host: 1 }, { unique: true });

/** Every model of the metadata store, written once: MongoModels registers them and creates their indexes. */
export const MONGO_MODELS = [
  { name: PROJECT, schema: ProjectSchema },
  { name: USER, schema: UserSchema },
  { name: TOPIC, schema: TopicSchema },
  { name: SUBSCRIPTION, schema: SubscriptionSchema },
  { name: DAILY_COUNT, schema: DailyCountSchema },
  { name: REGISTRATION, schema: RegistrationSchema },
  { name: RESOURCE_COUNTER, schema: ResourceCounterSchema },
  { name: NODE_SAMPLE, schema: NodeSampleSchema },
  { name: MESSAGE_SCHEMA, schema: MessageSchemaSchema },
] as const;
