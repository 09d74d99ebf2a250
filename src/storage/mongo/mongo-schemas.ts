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
  },
  { ...options, collection: 'topics' },
);
TopicSchema.index({ projectUuid: 1, name: 1 }, { unique: true });

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
    },
    pushStatus: { type: String, default: null },
  },
  { ...options, collection: 'subscriptions' },
);
SubscriptionSchema.index({ projectUuid: 1, name: 1 }, { unique: true });
SubscriptionSchema.index({ projectUuid: 1, topicName: 1 });

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
