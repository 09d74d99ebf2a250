import { Injectable } from '@nestjs/common';
import type { ProjectPatch, ProjectStore } from '../ports/project-store.repository.js';
import type { Membership, OrphanCounts, ProjectRecord, UpdateOutcome } from '../ports/records.js';
import { SqliteAdapter } from './sqlite-adapter.js';
import { json, MEMBER_OF, PROJECT_COLUMNS, projectFrom } from './sqlite-rows.js';

/** The tables whose rows belong to one project (by `project_uuid`): a project delete or the orphan sweep empties them. */
const PROJECT_CHILDREN = [
  'topics',
  'schemas',
  'subscriptions',
  'leases',
  'acked_offsets',
  'daily_counts',
  'resource_counters',
] as const;

@Injectable()
export class SqliteProjectStore extends SqliteAdapter implements ProjectStore {
  async ping(): Promise<void> {
    this.sql('SELECT 1').get();
  }

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
    return this.all('SELECT * FROM projects ORDER BY seq', [], projectFrom);
  }

  async updateProject(uuid: string, patch: ProjectPatch): Promise<UpdateOutcome<ProjectRecord>> {
    return this.updateRow('projects', 'uuid = ?', [uuid], patch, PROJECT_COLUMNS, projectFrom);
  }

  async deleteProject(uuid: string): Promise<boolean> {
    return this.db.transaction(() => {
      const deleted = this.sql('DELETE FROM projects WHERE uuid = ?').run(uuid).changes === 1;
      for (const table of PROJECT_CHILDREN) this.sql(`DELETE FROM ${table} WHERE project_uuid = ?`).run(uuid);
      this.dropMemberships(`SELECT uuid, projects FROM users WHERE ${MEMBER_OF}`, [uuid], (m) => m.projectUuid === uuid);
      return deleted;
    }).immediate();
  }

  /** One transaction: no project can be created or deleted half-way through the sweep. */
  async removeOrphans(): Promise<OrphanCounts> {
    return this.db.transaction(() => {
      const removed: Partial<Record<(typeof PROJECT_CHILDREN)[number], number>> = {};
      for (const table of PROJECT_CHILDREN) {
        removed[table] = this.sql(`DELETE FROM ${table} WHERE project_uuid NOT IN (SELECT uuid FROM projects)`).run().changes;
      }
      const existing = new Set(this.sql('SELECT uuid FROM projects').pluck().all() as string[]);
      const memberships = this.dropMemberships(
        `SELECT uuid, projects FROM users WHERE EXISTS (SELECT 1 FROM json_each(users.projects)
           WHERE json_extract(value, '$.projectUuid') NOT IN (SELECT uuid FROM projects))`,
        [],
        (m) => !existing.has(m.projectUuid),
      );
      return {
        topics: removed.topics ?? 0,
        subscriptions: removed.subscriptions ?? 0,
        dailyCounts: removed.daily_counts ?? 0,
        memberships,
      };
    })();
  }

  /** Rewrites the memberships of the users `select` finds without those `drop` matches; answers how many went. */
  private dropMemberships(select: string, params: unknown[], drop: (m: Membership) => boolean): number {
    const members = this.sql(select).all(...params) as { uuid: string; projects: string }[];
    const update = this.sql('UPDATE users SET projects = ? WHERE uuid = ?');
    let dropped = 0;
    for (const member of members) {
      const all = json<Membership[]>(member.projects);
      const kept = all.filter((m) => !drop(m));
      dropped += all.length - kept.length;
      update.run(JSON.stringify(kept), member.uuid);
    }
    return dropped;
  }
}
