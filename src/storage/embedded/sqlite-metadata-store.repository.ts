import { Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
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
  Membership,
  NodeSampleRecord,
  OrphanCounts,
  ProjectMessageTotal,
  ProjectRecord,
  PushConfigRecord,
  RegistrationRecord,
  RegistrationStatus,
  ResourceCountBatch,
  ResourceCounters,
  SchemaRecord,
  ServiceRole,
  SubscriptionRecord,
  TopicRecord,
  UserRecord,
} from '../ports/records.js';
import { SqliteFile } from './sqlite-file.js';

type Row = Record<string, unknown>;

const toDate = (ms: unknown): Date => new Date(ms as number);
const json = <T>(text: unknown): T => JSON.parse(text as string) as T;
const isUniqueViolation = (err: unknown): boolean =>
  err instanceof Error && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

function projectFrom(row: Row): ProjectRecord {
  return {
    uuid: row.uuid as string,
    name: row.name as string,
    description: row.description as string,
    createdOn: toDate(row.created_on),
    modifiedOn: toDate(row.modified_on),
    createdBy: (row.created_by as string | null) ?? null,
  };
}

function userFrom(row: Row): UserRecord {
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

function topicFrom(row: Row): TopicRecord {
  return {
    projectUuid: row.project_uuid as string,
    name: row.name as string,
    logId: row.log_id as string,
    schemaUuid: (row.schema_uuid as string | null) ?? null,
    authorizedUsers: json<string[]>(row.acl),
    createdOn: toDate(row.created_on),
  };
}

function schemaFrom(row: Row): SchemaRecord {
  return {
    uuid: row.uuid as string,
    projectUuid: row.project_uuid as string,
    name: row.name as string,
    type: row.type as SchemaRecord['type'],
    document: json<Record<string, unknown>>(row.document),
  };
}

function subscriptionFrom(row: Row): SubscriptionRecord {
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
  };
}

function leaseFrom(row: Row): LeaseRecord {
  return {
    offset: row.offset as number,
    deadline: toDate(row.deadline),
    deliveryAttempt: row.delivery_attempt as number,
    leaseId: row.lease_id as string,
  };
}

const sameLease = (a: LeaseRecord, b: LeaseRecord): boolean =>
  a.deadline.getTime() === b.deadline.getTime() && a.deliveryAttempt === b.deliveryAttempt && a.leaseId === b.leaseId;

function registrationFrom(row: Row): RegistrationRecord {
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
const REGISTRATION_FILTER_COLUMNS: Record<keyof RegistrationFilter, string> = {
  status: 'status',
  name: 'name',
  email: 'email',
  organization: 'organization',
  activationToken: 'activation_token',
};

/** Column assignments for a patch: only the keys present, mapped to their columns and encodings. */
function assignments(patch: object, columns: Record<string, (value: never) => unknown>): [string[], unknown[]] {
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

const PROJECT_COLUMNS = { name: same, description: same, modifiedOn: asMillis };
const USER_COLUMNS = {
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
const SCHEMA_COLUMNS = { name: same, type: same, document: asJson };
const TOPIC_COLUMNS = { schemaUuid: same, authorizedUsers: asJson };
const SUBSCRIPTION_COLUMNS = {
  ackDeadlineSeconds: same,
  pushConfig: (value: PushConfigRecord | null) => (value === null ? null : JSON.stringify(value)),
  authorizedUsers: asJson,
  pushStatus: same,
};
const RENAMED_COLUMNS: Record<string, string> = {
  'authorized_users = ?': 'acl = ?',
  'ack_deadline_seconds = ?': 'ack_deadline = ?',
};

@Injectable()
export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: SqliteFile) {
    this.db = file.db;
  }

  /** Prepared once per SQL text: preparing costs more than running most of these statements. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  async ping(): Promise<void> {
    this.sql('SELECT 1').get();
  }

  // ---- projects -------------------------------------------------------------------------------------------------

  async createProject(p: ProjectRecord): Promise<boolean> {
    return this.insertUnique(
      'INSERT INTO projects (uuid, name, description, created_on, modified_on, created_by) VALUES (?, ?, ?, ?, ?, ?)',
      [p.uuid, p.name, p.description, p.createdOn.getTime(), p.modifiedOn.getTime(), p.createdBy],
    );
  }

  async projectByName(name: string): Promise<ProjectRecord | null> {
    return this.one('SELECT * FROM projects WHERE name = ?', [name], projectFrom);
  }

  async projectByUuid(uuid: string): Promise<ProjectRecord | null> {
    return this.one('SELECT * FROM projects WHERE uuid = ?', [uuid], projectFrom);
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (this.sql('SELECT * FROM projects ORDER BY seq').all() as Row[]).map(projectFrom);
  }

  async updateProject(uuid: string, patch: ProjectPatch): Promise<UpdateOutcome<ProjectRecord>> {
    return this.updateRow('projects', 'uuid = ?', [uuid], patch, PROJECT_COLUMNS, projectFrom);
  }

  async deleteProject(uuid: string): Promise<boolean> {
    return this.db.transaction(() => {
      const deleted = this.sql('DELETE FROM projects WHERE uuid = ?').run(uuid).changes === 1;
      this.sql('DELETE FROM topics WHERE project_uuid = ?').run(uuid);
      this.sql('DELETE FROM schemas WHERE project_uuid = ?').run(uuid);
      this.sql('DELETE FROM subscriptions WHERE project_uuid = ?').run(uuid);
      this.sql('DELETE FROM leases WHERE project_uuid = ?').run(uuid);
      this.sql('DELETE FROM acked_offsets WHERE project_uuid = ?').run(uuid);
      this.sql('DELETE FROM daily_counts WHERE project_uuid = ?').run(uuid);
      this.sql('DELETE FROM resource_counters WHERE project_uuid = ?').run(uuid);
      const members = this.sql(`SELECT uuid, projects FROM users WHERE ${MEMBER_OF}`)
        .all(uuid) as { uuid: string; projects: string }[];
      const update = this.sql('UPDATE users SET projects = ? WHERE uuid = ?');
      for (const member of members) {
        const kept = json<Membership[]>(member.projects).filter((m) => m.projectUuid !== uuid);
        update.run(JSON.stringify(kept), member.uuid);
      }
      return deleted;
    }).immediate();
  }

  // ---- users ----------------------------------------------------------------------------------------------------

  async createUser(u: UserRecord): Promise<boolean> {
    return this.insertUnique(
      `INSERT INTO users (uuid, name, email, first_name, last_name, organization, description, token_hash,
         token_sealed, service_roles, projects, created_on, modified_on, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        u.uuid,
        u.name,
        u.email,
        u.firstName,
        u.lastName,
        u.organization,
        u.description,
        u.tokenHash,
        u.tokenSealed,
        JSON.stringify(u.serviceRoles),
        JSON.stringify(u.projects),
        u.createdOn.getTime(),
        u.modifiedOn.getTime(),
        u.createdBy,
      ],
    );
  }

  async userByName(name: string): Promise<UserRecord | null> {
    return this.one('SELECT * FROM users WHERE name = ?', [name], userFrom);
  }

  async userByUuid(uuid: string): Promise<UserRecord | null> {
    return this.one('SELECT * FROM users WHERE uuid = ?', [uuid], userFrom);
  }

  async userByTokenHash(tokenHash: string): Promise<UserRecord | null> {
    return this.one('SELECT * FROM users WHERE token_hash = ?', [tokenHash], userFrom);
  }

  async usersByUuid(uuids: readonly string[]): Promise<UserRecord[]> {
    return this.manyByKey('uuid', uuids);
  }

  async usersByName(names: readonly string[]): Promise<UserRecord[]> {
    return this.manyByKey('name', names);
  }

  async listUsers(filter: UserFilter, page: PageQuery): Promise<Page<UserRecord> | null> {
    const where = filter.projectUuid === undefined ? ['1 = 1', []] : [MEMBER_OF, [filter.projectUuid]];
    return this.page('users', where[0] as string, where[1] as unknown[], page, userFrom);
  }

  async updateUser(uuid: string, patch: UserPatch): Promise<UpdateOutcome<UserRecord>> {
    return this.updateRow('users', 'uuid = ?', [uuid], patch, USER_COLUMNS, userFrom);
  }

  async deleteUser(uuid: string): Promise<boolean> {
    return this.sql('DELETE FROM users WHERE uuid = ?').run(uuid).changes === 1;
  }

  // ---- topics ---------------------------------------------------------------------------------------------------

  async createTopic(t: TopicRecord): Promise<boolean> {
    return this.insertUnique(
      'INSERT INTO topics (project_uuid, name, log_id, schema_uuid, acl, created_on) VALUES (?, ?, ?, ?, ?, ?)',
      [t.projectUuid, t.name, t.logId, t.schemaUuid, JSON.stringify(t.authorizedUsers), t.createdOn.getTime()],
    );
  }

  async topic(projectUuid: string, name: string): Promise<TopicRecord | null> {
    return this.one('SELECT * FROM topics WHERE project_uuid = ? AND name = ?', [projectUuid, name], topicFrom);
  }

  async listTopics(projectUuid: string, filter: TopicFilter, page: PageQuery): Promise<Page<TopicRecord> | null> {
    const [where, params] = withAcl('project_uuid = ?', [projectUuid], filter.aclUser);
    return this.page('topics', where, params, page, topicFrom);
  }

  async updateTopic(projectUuid: string, name: string, patch: TopicPatch): Promise<TopicRecord | null> {
    const outcome = this.updateRow('topics', 'project_uuid = ? AND name = ?', [projectUuid, name], patch, TOPIC_COLUMNS, topicFrom);
    return outcome === 'missing' || outcome === 'name-taken' ? null : outcome;
  }

  async deleteTopic(projectUuid: string, name: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.sql("DELETE FROM resource_counters WHERE kind = 'topic' AND project_uuid = ? AND name = ?").run(projectUuid, name);
      return this.sql('DELETE FROM topics WHERE project_uuid = ? AND name = ?').run(projectUuid, name).changes === 1;
    })();
  }

  // ---- schemas --------------------------------------------------------------------------------------------------

  async createSchema(s: SchemaRecord): Promise<boolean> {
    return this.insertUnique('INSERT INTO schemas (uuid, project_uuid, name, type, document) VALUES (?, ?, ?, ?, ?)', [
      s.uuid,
      s.projectUuid,
      s.name,
      s.type,
      JSON.stringify(s.document),
    ]);
  }

  async schemaByUuid(uuid: string): Promise<SchemaRecord | null> {
    return this.one('SELECT * FROM schemas WHERE uuid = ?', [uuid], schemaFrom);
  }

  async schemaByName(projectUuid: string, name: string): Promise<SchemaRecord | null> {
    return this.one('SELECT * FROM schemas WHERE project_uuid = ? AND name = ?', [projectUuid, name], schemaFrom);
  }

  async listSchemas(projectUuid: string): Promise<SchemaRecord[]> {
    return (this.sql('SELECT * FROM schemas WHERE project_uuid = ? ORDER BY seq').all(projectUuid) as Row[]).map(schemaFrom);
  }

  async updateSchema(uuid: string, patch: SchemaPatch): Promise<UpdateOutcome<SchemaRecord>> {
    return this.updateRow('schemas', 'uuid = ?', [uuid], patch, SCHEMA_COLUMNS, schemaFrom);
  }

  async deleteSchema(uuid: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.sql('UPDATE topics SET schema_uuid = NULL WHERE schema_uuid = ?').run(uuid);
      return this.sql('DELETE FROM schemas WHERE uuid = ?').run(uuid).changes === 1;
    })();
  }

  // ---- subscriptions --------------------------------------------------------------------------------------------

  async createSubscription(s: SubscriptionRecord): Promise<boolean> {
    return this.insertUnique(
      `INSERT INTO subscriptions (project_uuid, name, topic_name, ack_deadline, push_config, acl, ack_mode, created_on,
         ack_floor, read_offset, window_end, window_pulled_at, cursor_version, push_status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        s.projectUuid,
        s.name,
        s.topicName,
        s.ackDeadlineSeconds,
        s.pushConfig === null ? null : JSON.stringify(s.pushConfig),
        JSON.stringify(s.authorizedUsers),
        s.ackMode,
        s.createdOn.getTime(),
        s.cursor.ackFloor,
        s.cursor.readOffset,
        s.cursor.window?.end ?? null,
        s.cursor.window?.pulledAt.getTime() ?? null,
        s.cursor.version,
        s.pushStatus,
      ],
    );
  }

  async subscription(projectUuid: string, name: string): Promise<SubscriptionRecord | null> {
    return this.one('SELECT * FROM subscriptions WHERE project_uuid = ? AND name = ?', [projectUuid, name], subscriptionFrom);
  }

  async listSubscriptions(
    projectUuid: string,
    filter: SubscriptionFilter,
    page: PageQuery,
  ): Promise<Page<SubscriptionRecord> | null> {
    let where = 'project_uuid = ?';
    const params: unknown[] = [projectUuid];
    if (filter.topicName !== undefined) {
      where += ' AND topic_name = ?';
      params.push(filter.topicName);
    }
    const [filtered, allParams] = withAcl(where, params, filter.aclUser);
    return this.page('subscriptions', filtered, allParams, page, subscriptionFrom);
  }

  async updateSubscription(projectUuid: string, name: string, patch: SubscriptionPatch): Promise<SubscriptionRecord | null> {
    const outcome = this.updateRow(
      'subscriptions',
      'project_uuid = ? AND name = ?',
      [projectUuid, name],
      patch,
      SUBSCRIPTION_COLUMNS,
      subscriptionFrom,
    );
    return outcome === 'missing' || outcome === 'name-taken' ? null : outcome;
  }

  async deleteSubscription(projectUuid: string, name: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.sql('DELETE FROM leases WHERE project_uuid = ? AND subscription = ?').run(projectUuid, name);
      this.sql('DELETE FROM acked_offsets WHERE project_uuid = ? AND subscription = ?').run(projectUuid, name);
      this.sql("DELETE FROM resource_counters WHERE kind <> 'topic' AND project_uuid = ? AND name = ?").run(
        projectUuid,
        name,
      );
      return (
        this.sql('DELETE FROM subscriptions WHERE project_uuid = ? AND name = ?').run(projectUuid, name).changes === 1
      );
    }).immediate();
  }

  async listActivePushSubscriptions(): Promise<SubscriptionRecord[]> {
    return (
      this.sql(
        "SELECT * FROM subscriptions WHERE push_config IS NOT NULL AND json_extract(push_config, '$.verified') = 1 ORDER BY seq",
      ).all() as Row[]
    ).map(subscriptionFrom);
  }

  async compareAndSetCursor(projectUuid: string, name: string, expectedVersion: number, next: NewCursor): Promise<boolean> {
    return this.setCursorIfVersion(projectUuid, name, expectedVersion, next);
  }

  /** The cursor update of both compare-and-set methods: applies only while the stored version is `expectedVersion`. */
  private setCursorIfVersion(projectUuid: string, name: string, expectedVersion: number, next: NewCursor): boolean {
    const result = this.sql(
      `UPDATE subscriptions SET ack_floor = ?, read_offset = ?, window_end = ?, window_pulled_at = ?,
         cursor_version = cursor_version + 1
       WHERE project_uuid = ? AND name = ? AND cursor_version = ?`,
    ).run(
      next.ackFloor,
      next.readOffset,
      next.window?.end ?? null,
      next.window?.pulledAt.getTime() ?? null,
      projectUuid,
      name,
      expectedVersion,
    );
    return result.changes === 1;
  }

  /** Cursor, leases and acknowledged offsets from one read transaction, so they belong together. */
  async leaseState(projectUuid: string, name: string): Promise<LeaseState | null> {
    return this.db.transaction(() => {
      const row = this.sql('SELECT * FROM subscriptions WHERE project_uuid = ? AND name = ?').get(projectUuid, name) as
        | Row
        | undefined;
      if (row === undefined) return null;
      const leases = (
        this.sql(
          'SELECT offset, deadline, delivery_attempt, lease_id FROM leases WHERE project_uuid = ? AND subscription = ? ORDER BY offset',
        ).all(projectUuid, name) as Row[]
      ).map(leaseFrom);
      const acked = this.sql(
        'SELECT offset FROM acked_offsets WHERE project_uuid = ? AND subscription = ? ORDER BY offset',
      )
        .pluck()
        .all(projectUuid, name) as number[];
      return { cursor: subscriptionFrom(row).cursor, leases, acked };
    })();
  }

  /**
   * One immediate transaction: the version check, the cursor, and only the lease and acknowledged-offset rows that
   * differ from the stored ones (a pull usually touches a few of up to thousands of leases).
   */
  async compareAndSetLeases(projectUuid: string, name: string, expectedVersion: number, next: NewLeaseState): Promise<boolean> {
    return this.db.transaction(() => {
      if (!this.setCursorIfVersion(projectUuid, name, expectedVersion, next.cursor)) return false;
      this.replaceLeases(projectUuid, name, next.leases);
      this.replaceAcked(projectUuid, name, next.acked);
      return true;
    }).immediate();
  }

  async aclResourcesOf(projectUuid: string, userUuid: string): Promise<{ topics: string[]; subscriptions: string[] }> {
    const names = (table: string): string[] =>
      this.sql(`SELECT name FROM ${table} WHERE project_uuid = ? AND ${IN_ACL} ORDER BY seq`)
        .pluck()
        .all(projectUuid, userUuid) as string[];
    return { topics: names('topics'), subscriptions: names('subscriptions') };
  }

  private replaceLeases(projectUuid: string, name: string, leases: readonly LeaseRecord[]): void {
    const stored = new Map(
      (
        this.sql('SELECT offset, deadline, delivery_attempt, lease_id FROM leases WHERE project_uuid = ? AND subscription = ?').all(
          projectUuid,
          name,
        ) as Row[]
      ).map((row) => [row.offset as number, leaseFrom(row)]),
    );
    const put = this.sql(
      `INSERT INTO leases (project_uuid, subscription, offset, deadline, delivery_attempt, lease_id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_uuid, subscription, offset) DO UPDATE SET
         deadline = excluded.deadline, delivery_attempt = excluded.delivery_attempt, lease_id = excluded.lease_id`,
    );
    for (const lease of leases) {
      const old = stored.get(lease.offset);
      stored.delete(lease.offset);
      if (old !== undefined && sameLease(old, lease)) continue;
      put.run(projectUuid, name, lease.offset, lease.deadline.getTime(), lease.deliveryAttempt, lease.leaseId);
    }
    const remove = this.sql('DELETE FROM leases WHERE project_uuid = ? AND subscription = ? AND offset = ?');
    for (const offset of stored.keys()) remove.run(projectUuid, name, offset);
  }

  private replaceAcked(projectUuid: string, name: string, acked: readonly number[]): void {
    const stored = new Set(
      this.sql('SELECT offset FROM acked_offsets WHERE project_uuid = ? AND subscription = ?').pluck().all(projectUuid, name) as number[],
    );
    const put = this.sql('INSERT INTO acked_offsets (project_uuid, subscription, offset) VALUES (?, ?, ?)');
    for (const offset of acked) {
      if (!stored.delete(offset)) put.run(projectUuid, name, offset);
    }
    const remove = this.sql('DELETE FROM acked_offsets WHERE project_uuid = ? AND subscription = ? AND offset = ?');
    for (const offset of stored) remove.run(projectUuid, name, offset);
  }

  // ---- registrations --------------------------------------------------------------------------------------------

  async createRegistration(r: RegistrationRecord): Promise<boolean> {
    return this.insertUnique(
      `INSERT INTO registrations (uuid, name, first_name, last_name, organization, description, email, status,
         decline_comment, activation_token, registered_at, modified_by, modified_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.uuid,
        r.name,
        r.firstName,
        r.lastName,
        r.organization,
        r.description,
        r.email,
        r.status,
        r.declineComment,
        r.activationToken,
        r.registeredAt.getTime(),
        r.modifiedBy,
        r.modifiedAt?.getTime() ?? null,
      ],
    );
  }

  async registrationByUuid(uuid: string): Promise<RegistrationRecord | null> {
    return this.one('SELECT * FROM registrations WHERE uuid = ?', [uuid], registrationFrom);
  }

  async listRegistrations(filter: RegistrationFilter): Promise<RegistrationRecord[]> {
    const conditions = ['1 = 1'];
    const params: unknown[] = [];
    for (const [field, column] of Object.entries(REGISTRATION_FILTER_COLUMNS)) {
      const value = filter[field as keyof RegistrationFilter];
      if (value === undefined) continue;
      conditions.push(`${column} = ?`);
      params.push(value);
    }
    const rows = this.sql(`SELECT * FROM registrations WHERE ${conditions.join(' AND ')} ORDER BY seq`).all(...params) as Row[];
    return rows.map(registrationFrom);
  }

  async changeRegistration(uuid: string, from: RegistrationStatus, change: RegistrationChange): Promise<RegistrationRecord | null> {
    return this.db.transaction((): RegistrationRecord | null => {
      const applied = this.sql(
        `UPDATE registrations SET status = ?, decline_comment = ?, activation_token = ?, modified_by = ?, modified_at = ?
         WHERE uuid = ? AND status = ?`,
      ).run(change.status, change.declineComment, change.activationToken, change.modifiedBy, change.modifiedAt?.getTime() ?? null, uuid, from);
      return applied.changes === 1 ? this.one('SELECT * FROM registrations WHERE uuid = ?', [uuid], registrationFrom) : null;
    })();
  }

  async deleteRegistration(uuid: string): Promise<boolean> {
    return this.sql('DELETE FROM registrations WHERE uuid = ?').run(uuid).changes === 1;
  }

  // ---- daily counters and report counts -------------------------------------------------------------------------

  async addDailyCounts(batch: DailyCountBatch): Promise<void> {
    this.db.transaction(() => {
      const seen = this.sql('INSERT INTO daily_count_batches (batch_id) VALUES (?) ON CONFLICT (batch_id) DO NOTHING').run(batch.id);
      if (seen.changes === 0) return;
      const add = this.sql(
        `INSERT INTO daily_counts (project_uuid, topic_name, day, messages, bytes)
           SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM projects WHERE uuid = ?)
         ON CONFLICT (project_uuid, topic_name, day)
           DO UPDATE SET messages = messages + excluded.messages, bytes = bytes + excluded.bytes`,
      );
      for (const c of batch.counts) add.run(c.projectUuid, c.topicName, c.day, c.messages, c.bytes, c.projectUuid);
      // A batch is retried within seconds of its first try; remembering the last ones is plenty.
      this.sql('DELETE FROM daily_count_batches WHERE seq <= ?').run(Number(seen.lastInsertRowid) - KEPT_BATCH_IDS);
    }).immediate();
  }

  async dailyCounts(filter: DailyCountFilter): Promise<DailyCount[]> {
    const [where, params] = dailyWhere(filter, true);
    const rows = this.sql(
      `SELECT project_uuid, topic_name, day, messages, bytes FROM daily_counts WHERE ${where}
       ORDER BY day DESC, project_uuid, topic_name`,
    ).all(...params) as Row[];
    return rows.map((row) => ({
      projectUuid: row.project_uuid as string,
      topicName: row.topic_name as string,
      day: row.day as string,
      messages: row.messages as number,
      bytes: row.bytes as number,
    }));
  }

  async messageTotals(filter: DailyCountFilter): Promise<ProjectMessageTotal[]> {
    const [where, params] = dailyWhere(filter, false);
    const rows = this.sql(
      `SELECT project_uuid, sum(messages) AS messages, sum(bytes) AS bytes FROM daily_counts WHERE ${where}
       GROUP BY project_uuid`,
    ).all(...params) as Row[];
    return rows.map((row) => ({
      projectUuid: row.project_uuid as string,
      messages: row.messages as number,
      bytes: row.bytes as number,
    }));
  }

  async countCreated(projectUuid: string, from: Date, to: Date): Promise<CreatedCounts> {
    const window = [from.getTime(), to.getTime()];
    const count = (sql: string, ...params: unknown[]): number => this.sql(sql).pluck().get(...params) as number;
    return {
      topics: count('SELECT count(*) FROM topics WHERE project_uuid = ? AND created_on BETWEEN ? AND ?', projectUuid, ...window),
      subscriptions: count(
        'SELECT count(*) FROM subscriptions WHERE project_uuid = ? AND created_on BETWEEN ? AND ?',
        projectUuid,
        ...window,
      ),
      users: count(`SELECT count(*) FROM users WHERE created_on BETWEEN ? AND ? AND ${MEMBER_OF}`, ...window, projectUuid),
    };
  }

  // ---- resource counters and node samples -----------------------------------------------------------------------

  async addResourceCounts(batch: ResourceCountBatch): Promise<void> {
    this.db.transaction(() => {
      const seen = this.sql(
        'INSERT INTO resource_count_batches (batch_id) VALUES (?) ON CONFLICT (batch_id) DO NOTHING',
      ).run(batch.id);
      if (seen.changes === 0) return;
      for (const c of batch.counts) {
        this.sql(ADD_RESOURCE_COUNT[c.kind]).run(
          c.kind,
          c.projectUuid,
          c.name,
          c.incarnation,
          c.messages,
          c.bytes,
          c.lastAt.getTime(),
          c.windowStart.getTime(),
          c.messages,
          c.projectUuid,
          c.name,
          c.kind === 'topic' ? c.incarnation : Number(c.incarnation),
        );
      }
      this.sql('DELETE FROM resource_count_batches WHERE seq <= ?').run(Number(seen.lastInsertRowid) - KEPT_BATCH_IDS);
    })();
  }

  async resourceCounters(kind: CountedKind, projectUuid: string, name: string, incarnation: string): Promise<ResourceCounters> {
    const row = this.sql(
      'SELECT * FROM resource_counters WHERE kind = ? AND project_uuid = ? AND name = ? AND incarnation = ?',
    ).get(kind, projectUuid, name, incarnation) as Row | undefined;
    if (row === undefined) return { messages: 0, bytes: 0, lastAt: null, rateWindow: null };
    return {
      messages: row.messages as number,
      bytes: row.bytes as number,
      lastAt: toDate(row.last_at),
      rateWindow: { start: toDate(row.rate_start), messages: row.rate_messages as number },
    };
  }

  async putNodeSample(sample: NodeSampleRecord): Promise<void> {
    this.sql(
      `INSERT INTO node_samples (host, cpu, memory, sampled_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (host) DO UPDATE SET cpu = excluded.cpu, memory = excluded.memory, sampled_at = excluded.sampled_at`,
    ).run(sample.host, sample.cpu, sample.memory, sample.sampledAt.getTime());
  }

  async nodeSamples(): Promise<NodeSampleRecord[]> {
    const rows = this.sql('SELECT * FROM node_samples ORDER BY host').all() as Row[];
    return rows.map((row) => ({
      host: row.host as string,
      cpu: row.cpu as number,
      memory: row.memory as number,
      sampledAt: toDate(row.sampled_at),
    }));
  }

  // ---- house-keeping --------------------------------------------------------------------------------------------

  /**
   * Nothing to forget here: a batch is applied in one transaction, so its id only has to outlive a retry of a write
   * whose outcome was unknown, and addDailyCounts already keeps just the last KEPT_BATCH_IDS ids.
   */
  async forgetDailyCountBatches(_beforeDay: string): Promise<number> {
    return 0;
  }

  /** One transaction: no project can be created or deleted half-way through the sweep. */
  async removeOrphans(): Promise<OrphanCounts> {
    return this.db.transaction(() => {
      const orphaned = (table: string): number =>
        this.sql(`DELETE FROM ${table} WHERE project_uuid NOT IN (SELECT uuid FROM projects)`).run().changes;
      const topics = orphaned('topics');
      const subscriptions = orphaned('subscriptions');
      orphaned('leases');
      orphaned('acked_offsets');
      const dailyCounts = orphaned('daily_counts');
      orphaned('schemas');
      orphaned('resource_counters');
      const members = this.sql(
        `SELECT uuid, projects FROM users WHERE EXISTS (SELECT 1 FROM json_each(users.projects)
           WHERE json_extract(value, '$.projectUuid') NOT IN (SELECT uuid FROM projects))`,
      ).all() as { uuid: string; projects: string }[];
      const existing = new Set(this.sql('SELECT uuid FROM projects').pluck().all() as string[]);
      const update = this.sql('UPDATE users SET projects = ? WHERE uuid = ?');
      let memberships = 0;
      for (const member of members) {
        const all = json<Membership[]>(member.projects);
        const kept = all.filter((m) => existing.has(m.projectUuid));
        memberships += all.length - kept.length;
        update.run(JSON.stringify(kept), member.uuid);
      }
      return { topics, subscriptions, dailyCounts, memberships };
    })();
  }

  async topicLogIds(): Promise<string[]> {
    return this.sql('SELECT log_id FROM topics').pluck().all() as string[];
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private one<T>(sql: string, params: unknown[], map: (row: Row) => T): T | null {
    const row = this.sql(sql).get(...params) as Row | undefined;
    return row === undefined ? null : map(row);
  }

  private manyByKey(column: 'uuid' | 'name', keys: readonly string[]): UserRecord[] {
    if (keys.length === 0) return [];
    const rows = this.sql(`SELECT * FROM users WHERE ${column} IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(keys)) as Row[];
    return rows.map(userFrom);
  }

  private insertUnique(sql: string, params: unknown[]): boolean {
    try {
      this.sql(sql).run(...params);
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  private updateRow<T>(
    table: string,
    where: string,
    keys: unknown[],
    patch: object,
    columns: Record<string, (value: never) => unknown>,
    map: (row: Row) => T,
  ): UpdateOutcome<T> {
    const [sets, values] = assignments(patch, columns);
    return this.db.transaction((): UpdateOutcome<T> => {
      if (sets.length > 0) {
        const sql = `UPDATE ${table} SET ${sets.map((s) => RENAMED_COLUMNS[s] ?? s).join(', ')} WHERE ${where}`;
        try {
          if (this.sql(sql).run(...values, ...keys).changes === 0) return 'missing';
        } catch (err) {
          if (isUniqueViolation(err)) return 'name-taken';
          throw err;
        }
      }
      return this.one(`SELECT * FROM ${table} WHERE ${where}`, keys, map) ?? 'missing';
    }).immediate();
  }

  /** Newest first by insertion sequence; the position handed out is the sequence number of the next page's head. */
  private page<T>(table: string, where: string, params: unknown[], query: PageQuery, map: (row: Row) => T): Page<T> | null {
    let from = Number.MAX_SAFE_INTEGER;
    if (query.after !== undefined) {
      if (!/^\d+$/.test(query.after)) return null;
      from = Number(query.after);
      const exists = this.sql(`SELECT 1 FROM ${table} WHERE seq = ? AND ${where}`).get(from, ...params);
      if (exists === undefined) return null;
    }
    const total = this.sql(`SELECT count(*) FROM ${table} WHERE ${where}`).pluck().get(...params) as number;
    const limit = query.size > 0 ? query.size + 1 : -1;
    const rows = this.sql(`SELECT * FROM ${table} WHERE seq <= ? AND ${where} ORDER BY seq DESC LIMIT ?`)
      .all(from, ...params, limit) as Row[];
    const hasMore = query.size > 0 && rows.length > query.size;
    const items = (hasMore ? rows.slice(0, query.size) : rows).map(map);
    return { items, next: hasMore ? String(rows[query.size].seq) : null, total };
  }
}

const KEPT_BATCH_IDS = 10_000;

/**
 * Adds one increment to a resource incarnation's counters, only while that incarnation exists (a topic by its log id,
 * a subscription by its creation time). SET expressions all read the old row, so the rate window is decided on it.
 */
const resourceCountUpsert = (exists: string): string => `
  INSERT INTO resource_counters (kind, project_uuid, name, incarnation, messages, bytes, last_at, rate_start, rate_messages)
    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (${exists})
  ON CONFLICT (kind, project_uuid, name, incarnation) DO UPDATE SET
    messages = messages + excluded.messages,
    bytes = bytes + excluded.bytes,
    last_at = max(last_at, excluded.last_at),
    rate_messages = CASE
      WHEN excluded.rate_start = rate_start THEN rate_messages + excluded.rate_messages
      WHEN excluded.rate_start > rate_start THEN excluded.rate_messages
      ELSE rate_messages END,
    rate_start = max(rate_start, excluded.rate_start)`;

const ADD_SUBSCRIPTION_COUNT = resourceCountUpsert(
  'SELECT 1 FROM subscriptions WHERE project_uuid = ? AND name = ? AND created_on = ?',
);
const ADD_RESOURCE_COUNT: Record<CountedKind, string> = {
  topic: resourceCountUpsert('SELECT 1 FROM topics WHERE project_uuid = ? AND name = ? AND log_id = ?'),
  subscription: ADD_SUBSCRIPTION_COUNT,
  push_delivered: ADD_SUBSCRIPTION_COUNT,
  push_failed: ADD_SUBSCRIPTION_COUNT,
  push_retried: ADD_SUBSCRIPTION_COUNT,
};

/** WHERE clause of a daily-counter filter; the SQL text depends only on which filter fields are set (cached). */
function dailyWhere(filter: DailyCountFilter, withTopic: boolean): [string, unknown[]] {
  let where = 'day >= ? AND day <= ?';
  const params: unknown[] = [filter.fromDay, filter.toDay];
  if (filter.projectUuids !== undefined) {
    where += ' AND project_uuid IN (SELECT value FROM json_each(?))';
    params.push(JSON.stringify(filter.projectUuids));
  }
  if (withTopic && filter.topicName !== undefined) {
    where += ' AND topic_name = ?';
    params.push(filter.topicName);
  }
  return [where, params];
}

const MEMBER_OF = "EXISTS (SELECT 1 FROM json_each(users.projects) WHERE json_extract(value, '$.projectUuid') = ?)";
const IN_ACL = 'EXISTS (SELECT 1 FROM json_each(acl) WHERE value = ?)';

function withAcl(where: string, params: unknown[], aclUser: string | undefined): [string, unknown[]] {
  return aclUser === undefined ? [where, params] : [`${where} AND ${IN_ACL}`, [...params, aclUser]];
}
