import { type FilterQuery, isValidObjectId, type Model, Types } from 'mongoose';
import type { Page, PageQuery } from '../../common/pagination.js';
import type {
  AckMode,
  Membership,
  ProjectRecord,
  PushConfigRecord,
  RegistrationRecord,
  RegistrationStatus,
  SchemaRecord,
  ServiceRole,
  SubscriptionRecord,
  TopicRecord,
  UpdateOutcome,
  UserRecord,
} from '../ports/records.js';
import type { NewCursor } from '../ports/subscription-store.repository.js';
import { isDuplicate, run } from './mongo-errors.js';

/**
 * The documents of the metadata collections and the domain records they hold, and the reads and writes every adapter
 * of this folder does the same way: the one place that maps them.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any> & { _id: Types.ObjectId };

export function projectFrom(d: Doc): ProjectRecord {
  return {
    uuid: d.uuid,
    name: d.name,
    description: d.description ?? '',
    createdOn: d.createdOn,
    modifiedOn: d.modifiedOn,
    createdBy: d.createdBy ?? null,
  };
}

export function userFrom(d: Doc): UserRecord {
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

export function topicFrom(d: Doc): TopicRecord {
  return {
    projectUuid: d.projectUuid,
    name: d.name,
    logId: d.logId,
    schemaUuid: d.schemaUuid ?? null,
    authorizedUsers: [...(d.acl ?? [])],
    createdOn: d.createdOn,
    retentionSeconds: d.retentionSeconds ?? null,
  };
}

export function schemaFrom(d: Doc): SchemaRecord {
  return {
    uuid: d.uuid,
    projectUuid: d.projectUuid,
    name: d.name,
    type: d.type as SchemaRecord['type'],
    document: JSON.parse(d.document as string) as Record<string, unknown>,
  };
}

export function subscriptionFrom(d: Doc): SubscriptionRecord {
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
    expirationTtlSeconds: d.expirationTtlSeconds ?? null,
    expiresAt: d.expiresAt ?? null,
  };
}

export function registrationFrom(d: Doc): RegistrationRecord {
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

export const cursorFields = (c: NewCursor): Record<string, unknown> => ({
  'cursor.ackFloor': c.ackFloor,
  'cursor.readOffset': c.readOffset,
  'cursor.windowEnd': c.window?.end ?? null,
  'cursor.windowPulledAt': c.window?.pulledAt ?? null,
});

/** Only the keys a patch sets, renamed to document fields. */
export function setOf(patch: object, rename: Record<string, string> = {}): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(patch)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [rename[key] ?? key, value]),
  );
}

export function insert(model: Model<Doc>, doc: object): Promise<boolean> {
  return run(async () => {
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
export function one<T>(model: Model<Doc>, query: Record<string, string>, map: (d: Doc) => T): Promise<T | null> {
  return run(async () => {
    const doc = (await model.collection.findOne(query)) as Doc | null;
    return doc === null ? null : map(doc);
  });
}

export function many<T>(model: Model<Doc>, query: FilterQuery<Doc>, map: (d: Doc) => T): Promise<T[]> {
  return run(async () => ((await model.find(query).lean()) as Doc[]).map(map));
}

export function update<T>(model: Model<Doc>, query: FilterQuery<Doc>, set: Record<string, unknown>, map: (d: Doc) => T): Promise<UpdateOutcome<T>> {
  return run(async () => {
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
export function pageOf<T>(model: Model<Doc>, query: FilterQuery<Doc>, page: PageQuery, map: (d: Doc) => T): Promise<Page<T> | null> {
  return run(async () => {
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

/** The documents `query` matches in creation order. */
export function inCreationOrder<T>(model: Model<Doc>, query: FilterQuery<Doc>, map: (d: Doc) => T): Promise<T[]> {
  return run(async () => ((await model.find(query).sort({ _id: 1 }).lean()) as Doc[]).map(map));
}

/** Names of the project's documents whose ACL holds the user, in creation order. */
export function aclNames(model: Model<Doc>, projectUuid: string, userUuid: string): Promise<string[]> {
  return run(async () =>
    ((await model.find({ projectUuid, acl: userUuid }, { name: 1 }).sort({ _id: 1 }).lean()) as Doc[]).map((d) => d.name as string),
  );
}

export function withAcl(query: FilterQuery<Doc>, aclUser: string | undefined): FilterQuery<Doc> {
  return aclUser === undefined ? query : { ...query, acl: aclUser };
}
