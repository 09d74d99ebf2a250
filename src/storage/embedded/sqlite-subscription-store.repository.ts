import { Injectable } from '@nestjs/common';
import type { Page, PageQuery } from '../../common/pagination.js';
import type { LeaseRecord, LeaseState, SubscriptionActivity, SubscriptionRecord } from '../ports/records.js';
import type {
  NewCursor,
  NewLeaseState,
  SubscriptionFilter,
  SubscriptionPatch,
  SubscriptionStore,
} from '../ports/subscription-store.repository.js';
import { SqliteAdapter, withAcl } from './sqlite-adapter.js';
import { leaseFrom, type Row, sameLease, SUBSCRIPTION_COLUMNS, subscriptionFrom } from './sqlite-rows.js';

/** Subscriptions with their cursor columns, and the `leases` and `acked_offsets` rows of individual ack mode. */
@Injectable()
export class SqliteSubscriptionStore extends SqliteAdapter implements SubscriptionStore {
  async createSubscription(s: SubscriptionRecord): Promise<boolean> {
    return this.insertUnique(
      `INSERT INTO subscriptions (project_uuid, name, topic_name, ack_deadline, push_config, acl, ack_mode, created_on,
         ack_floor, read_offset, window_end, window_pulled_at, cursor_version, push_status, expiration_ttl_seconds, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        s.expirationTtlSeconds,
        s.expiresAt?.getTime() ?? null,
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

  async recordActivity(activity: readonly SubscriptionActivity[]): Promise<void> {
    const move = this.sql(
      `UPDATE subscriptions SET expires_at = MAX(expires_at, ?)
       WHERE project_uuid = ? AND name = ? AND expiration_ttl_seconds = ?`,
    );
    this.db.transaction(() => {
      for (const a of activity) move.run(a.at.getTime() + a.ttlSeconds * 1000, a.projectUuid, a.name, a.ttlSeconds);
    }).immediate();
  }

  async expiredSubscriptions(now: Date, limit: number): Promise<SubscriptionRecord[]> {
    return this.sql('SELECT * FROM subscriptions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?')
      .all(now.getTime(), limit)
      .map((row) => subscriptionFrom(row as Row));
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
    return this.all(
      "SELECT * FROM subscriptions WHERE push_config IS NOT NULL AND json_extract(push_config, '$.verified') = 1 ORDER BY seq",
      [],
      subscriptionFrom,
    );
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

  async aclSubscriptionNames(projectUuid: string, userUuid: string): Promise<string[]> {
    return this.aclNames('subscriptions', projectUuid, userUuid);
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
}
