import { Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { JobLease, JobLeaseStore } from '../ports/job-lease-store.repository.js';
import { SqliteFile } from './sqlite-file.js';

interface LeaseRow {
  name: string;
  holder: string;
  expires_at: number;
}

/** Job leases in the `job_leases` table of the embedded store's file (several processes may share the file). */
@Injectable()
export class SqliteJobLeaseStore implements JobLeaseStore {
  private readonly take: Database.Statement;
  private readonly drop: Database.Statement;
  private readonly byPrefix: Database.Statement;
  private readonly expired: Database.Statement;

  constructor(file: SqliteFile) {
    // One statement: the conflict branch only overwrites a lease that is expired or already the caller's.
    this.take = file.db.prepare(
      `INSERT INTO job_leases (name, holder, expires_at) VALUES (@name, @holder, @expiresAt)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= @now`,
    );
    this.drop = file.db.prepare('DELETE FROM job_leases WHERE name = ? AND holder = ?');
    this.byPrefix = file.db.prepare("SELECT name, holder, expires_at FROM job_leases WHERE substr(name, 1, length(?)) = ? ORDER BY name");
    this.expired = file.db.prepare('DELETE FROM job_leases WHERE expires_at < ?');
  }

  async acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const result = this.take.run({ name, holder, now: now.getTime(), expiresAt: now.getTime() + ttlMs });
    return result.changes > 0;
  }

  async release(name: string, holder: string): Promise<void> {
    this.drop.run(name, holder);
  }

  async list(prefix: string): Promise<JobLease[]> {
    const rows = this.byPrefix.all(prefix, prefix) as LeaseRow[];
    return rows.map((row) => ({ name: row.name, holder: row.holder, expiresAt: new Date(row.expires_at) }));
  }

  async deleteExpired(before: Date): Promise<number> {
    return this.expired.run(before.getTime()).changes;
  }
}
