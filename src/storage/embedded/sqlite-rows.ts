import type {
  AckMode,
  LeaseRecord,
  Membership,
  ProjectRecord,
  PushConfigRecord,
  RegistrationRecord,
  RegistrationStatus,
  SchemaRecord,
  ServiceRole,
  SubscriptionRecord,
  TopicRecord,
  UserRecord,
} from '../ports/records.js';
import type { RegistrationFilter } from '../ports/registration-store.repository.js';

/** Rows of the embedded store's tables and the domain records they hold, both ways: the one place that maps them. */

export type Row = Record<string, unknown>;

export const toDate = (ms: unknown): Date => new Date(ms as number);
export const json = <T>(text: unknown): T => JSON.parse(text as string) as T;
export const isUniqueViolation = (err: unknown): boolean =>
  err instanceof Error && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

export function projectFrom(row: Row): ProjectRecord {
  return {
    uuid: row.uuid as string,
    name: row.name as string,
    description: row.description as string,
    createdOn: toDate(row.created_on),
    modifiedOn: toDate(row.modified_on),
    createdBy: (row.created_by as string | null) ?? null,
  };
}

export function userFrom(row: Row): UserRecord {
  return {
    uuid: row.uuid as string,
    name: row.name as string,
    email: row.email as string,
    firstName: row.first_name as string,
    lastName: row.last_name as string,
    organization: row.organization as string,
    description: row.description as string,
    tokenHash: row.token_hash as string,
    tokenSealed: row.token_sealed as string,
    serviceRoles: json<ServiceRole[]>(row.service_roles),
    projects: json<Membership[]>(row.projects),
    createdOn: toDate(row.created_on),
    modifiedOn: toDate(row.modified_on),
    createdBy: (row.created_by as string | null) ?? null,
  };
}

export function topicFrom(row: Row): TopicRecord {
  return {
    projectUuid: row.project_uuid as string,
    name: row.name as string,
    logId: row.log_id as string,
    schemaUuid: (row.schema_uuid as string | null) ?? null,
    authorizedUsers: json<string[]>(row.acl),
    createdOn: toDate(row.created_on),
    retentionSeconds: (row.retention_seconds as number | null) ?? null,
  };
}

export function schemaFrom(row: Row): SchemaRecord {
  return {
    uuid: row.uuid as string,
    projectUuid: row.project_uuid as string,
    name: row.name as string,
    type: row.type as SchemaRecord['type'],
    document: json<Record<string, unknown>>(row.document),
  };
}

export function subscriptionFrom(row: Row): SubscriptionRecord {
  const windowEnd = row.window_end as number | null;
  return {
    projectUuid: row.project_uuid as string,
    name: row.name as string,
    topicName: row.topic_name as string,
    ackDeadlineSeconds: row.ack_deadline as number,
    pushConfig: row.push_config === null ? null : json<PushConfigRecord>(row.push_config),
    authorizedUsers: json<string[]>(row.acl),
    ackMode: row.ack_mode as AckMode,
    createdOn: toDate(row.created_on),
    cursor: {
      ackFloor: row.ack_floor as number,
      readOffset: row.read_offset as number,
      window: windowEnd === null ? null : { end: windowEnd, pulledAt: toDate(row.window_pulled_at) },
      version: row.cursor_version as number,
    },
    pushStatus: (row.push_status as string | null) ?? null,
    expirationTtlSeconds: (row.expiration_ttl_seconds as number | null) ?? null,
    expiresAt: row.expires_at === null || row.expires_at === undefined ? null : toDate(row.expires_at),
  };
}

export function leaseFrom(row: Row): LeaseRecord {
  return {
    offset: row.offset as number,
    deadline: toDate(row.deadline),
    deliveryAttempt: row.delivery_attempt as number,
    leaseId: row.lease_id as string,
  };
}

export const sameLease = (a: LeaseRecord, b: LeaseRecord): boolean =>
  a.deadline.getTime() === b.deadline.getTime() && a.deliveryAttempt === b.deliveryAttempt && a.leaseId === b.leaseId;

export function registrationFrom(row: Row): RegistrationRecord {
  return {
    uuid: row.uuid as string,
    name: row.name as string,
    firstName: row.first_name as string,
    lastName: row.last_name as string,
    organization: row.organization as string,
    description: row.description as string,
    email: row.email as string,
    status: row.status as RegistrationStatus,
    declineComment: row.decline_comment as string,
    activationToken: (row.activation_token as string | null) ?? null,
    registeredAt: toDate(row.registered_at),
    modifiedBy: (row.modified_by as string | null) ?? null,
    modifiedAt: row.modified_at === null ? null : toDate(row.modified_at),
  };
}

/** Filter fields of `GET /registrations` and their columns. */
export const REGISTRATION_FILTER_COLUMNS: Record<keyof RegistrationFilter, string> = {
  status: 'status',
  name: 'name',
  email: 'email',
  organization: 'organization',
  activationToken: 'activation_token',
};

/** Column assignments for a patch: only the keys present, mapped to their columns and encodings. */
export function assignments(patch: object, columns: Record<string, (value: never) => unknown>): [string[], unknown[]] {
  const names: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const encode = columns[key];
    if (encode === undefined || value === undefined) continue;
    names.push(`${camelToSnake(key)} = ?`);
    values.push(encode(value as never));
  }
  return [names, values];
}

const camelToSnake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const same = (value: unknown): unknown => value;
const asJson = (value: unknown): string => JSON.stringify(value);
const asMillis = (value: Date): number => value.getTime();

export const PROJECT_COLUMNS = { name: same, description: same, modifiedOn: asMillis };
export const USER_COLUMNS = {
  name: same,
  email: same,
  firstName: same,
  lastName: same,
  organization: same,
  description: same,
  tokenHash: same,
  tokenSealed: same,
  serviceRoles: asJson,
  projects: asJson,
  modifiedOn: asMillis,
};
export const SCHEMA_COLUMNS = { name: same, type: same, document: asJson };
export const TOPIC_COLUMNS = { schemaUuid: same, authorizedUsers: asJson, retentionSeconds: same };
export const SUBSCRIPTION_COLUMNS = {
  ackDeadlineSeconds: same,
  pushConfig: (value: PushConfigRecord | null) => (value === null ? null : JSON.stringify(value)),
  authorizedUsers: asJson,
  pushStatus: same,
  expirationTtlSeconds: same,
  expiresAt: (value: Date | null) => (value === null ? null : value.getTime()),
};
export const RENAMED_COLUMNS: Record<string, string> = {
  'authorized_users = ?': 'acl = ?',
  'ack_deadline_seconds = ?': 'ack_deadline = ?',
};

/** A user row holds a membership in the project bound to `?`. */
export const MEMBER_OF = "EXISTS (SELECT 1 FROM json_each(users.projects) WHERE json_extract(value, '$.projectUuid') = ?)";
/** The row's ACL holds the user uuid bound to `?`. */
export const IN_ACL = 'EXISTS (SELECT 1 FROM json_each(acl) WHERE value = ?)';
