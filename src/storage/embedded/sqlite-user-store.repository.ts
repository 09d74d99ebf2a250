import { Injectable } from '@nestjs/common';
import type { Page, PageQuery } from '../../common/pagination.js';
import type { Membership, UpdateOutcome, UserRecord } from '../ports/records.js';
import type { UserFilter, UserPatch, UserStore } from '../ports/user-store.repository.js';
import { SqliteAdapter } from './sqlite-adapter.js';
import { json, MEMBER_OF, USER_COLUMNS, userFrom } from './sqlite-rows.js';

@Injectable()
export class SqliteUserStore extends SqliteAdapter implements UserStore {
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
    const [where, params] = filter.projectUuid === undefined ? ['1 = 1', []] : [MEMBER_OF, [filter.projectUuid]];
    return this.page('users', where, params, page, userFrom);
  }

  async updateUser(uuid: string, patch: UserPatch): Promise<UpdateOutcome<UserRecord>> {
    return this.updateRow('users', 'uuid = ?', [uuid], patch, USER_COLUMNS, userFrom);
  }

  async deleteUser(uuid: string): Promise<boolean> {
    return this.sql('DELETE FROM users WHERE uuid = ?').run(uuid).changes === 1;
  }

  async setMembership(userUuid: string, membership: Membership, modifiedOn: Date): Promise<UserRecord | null> {
    return this.changeMemberships(userUuid, modifiedOn, (projects) => [
      ...projects.filter((m) => m.projectUuid !== membership.projectUuid),
      { projectUuid: membership.projectUuid, roles: [...membership.roles] },
    ]);
  }

  async addMembership(userUuid: string, membership: Membership, modifiedOn: Date): Promise<boolean> {
    let added = false;
    await this.changeMemberships(userUuid, modifiedOn, (projects) => {
      if (projects.some((m) => m.projectUuid === membership.projectUuid)) return null;
      added = true;
      return [...projects, { projectUuid: membership.projectUuid, roles: [...membership.roles] }];
    });
    return added;
  }

  async removeMembership(userUuid: string, projectUuid: string, modifiedOn: Date): Promise<UserRecord | null> {
    return this.changeMemberships(userUuid, modifiedOn, (projects) => projects.filter((m) => m.projectUuid !== projectUuid));
  }

  /**
   * Reads the memberships and writes the changed ones back in one immediate transaction, so no other writer (another
   * process on the file included) changes them in between. `change` answers null to leave them as they are.
   */
  private changeMemberships(
    userUuid: string,
    modifiedOn: Date,
    change: (projects: Membership[]) => Membership[] | null,
  ): Promise<UserRecord | null> {
    return Promise.resolve(
      this.db.transaction((): UserRecord | null => {
        const stored = this.sql('SELECT projects FROM users WHERE uuid = ?').pluck().get(userUuid) as string | undefined;
        if (stored === undefined) return null;
        const next = change(json<Membership[]>(stored));
        if (next !== null) {
          this.sql('UPDATE users SET projects = ?, modified_on = ? WHERE uuid = ?').run(JSON.stringify(next), modifiedOn.getTime(), userUuid);
        }
        return this.one('SELECT * FROM users WHERE uuid = ?', [userUuid], userFrom);
      }).immediate(),
    );
  }

  private manyByKey(column: 'uuid' | 'name', keys: readonly string[]): UserRecord[] {
    if (keys.length === 0) return [];
    return this.all(`SELECT * FROM users WHERE ${column} IN (SELECT value FROM json_each(?))`, [JSON.stringify(keys)], userFrom);
  }
}
