import { Injectable } from '@nestjs/common';
import type { FilterQuery } from 'mongoose';
import type { Page, PageQuery } from '../../common/pagination.js';
import type { Membership, UpdateOutcome, UserRecord } from '../ports/records.js';
import type { UserFilter, UserPatch, UserStore } from '../ports/user-store.repository.js';
import { type Doc, insert, many, one, pageOf, setOf, update, userFrom } from './mongo-docs.js';
import { run } from './mongo-errors.js';
import { MongoModels } from './mongo-models.js';

const membershipDoc = (m: Membership): Membership => ({ projectUuid: m.projectUuid, roles: [...m.roles] });

/** More rounds than writers can race on one user's memberships in practice. */
const MAX_ROUNDS = 100;

/**
 * Users with their memberships inside the user document. A membership changes with conditional single-document
 * updates ($push guarded by the membership's absence, $pull, a compare-and-set of the array), so concurrent changes
 * to the memberships of one user never overwrite one another, with no transaction.
 */
@Injectable()
export class MongoUserStore implements UserStore {
  constructor(private readonly m: MongoModels) {}

  createUser(u: UserRecord): Promise<boolean> {
    return insert(this.m.users, { ...u, serviceRoles: [...u.serviceRoles], projects: u.projects.map(membershipDoc) });
  }

  userByName(name: string): Promise<UserRecord | null> {
    return one(this.m.users, { name }, userFrom);
  }

  userByUuid(uuid: string): Promise<UserRecord | null> {
    return one(this.m.users, { uuid }, userFrom);
  }

  userByTokenHash(tokenHash: string): Promise<UserRecord | null> {
    return one(this.m.users, { tokenHash }, userFrom);
  }

  usersByUuid(uuids: readonly string[]): Promise<UserRecord[]> {
    return many(this.m.users, { uuid: { $in: [...uuids] } }, userFrom);
  }

  usersByName(names: readonly string[]): Promise<UserRecord[]> {
    return many(this.m.users, { name: { $in: [...names] } }, userFrom);
  }

  listUsers(filter: UserFilter, page: PageQuery): Promise<Page<UserRecord> | null> {
    const query: FilterQuery<Doc> = filter.projectUuid === undefined ? {} : { 'projects.projectUuid': filter.projectUuid };
    return pageOf(this.m.users, query, page, userFrom);
  }

  updateUser(uuid: string, patch: UserPatch): Promise<UpdateOutcome<UserRecord>> {
    const set = setOf(patch);
    if (patch.projects !== undefined) set.projects = patch.projects.map(membershipDoc);
    if (patch.serviceRoles !== undefined) set.serviceRoles = [...patch.serviceRoles];
    return update(this.m.users, { uuid }, set, userFrom);
  }

  deleteUser(uuid: string): Promise<boolean> {
    return run(async () => (await this.m.users.deleteOne({ uuid })).deletedCount === 1);
  }

  /**
   * The membership goes last, with its new roles (where a role change has always put it). MongoDB cannot pull and push
   * one array in a single update, so this is a compare-and-set of the whole array: applied only while the array is
   * still the one read, else read again. Every round one of the racing writers wins, so the rounds are bounded.
   */
  setMembership(userUuid: string, membership: Membership, modifiedOn: Date): Promise<UserRecord | null> {
    const users = this.m.users.collection;
    return run(async () => {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const stored = await users.findOne({ uuid: userUuid }, { projection: { projects: 1 } });
        if (stored === null) return null;
        const current = stored.projects as Membership[] | undefined;
        const next = [...(current ?? []).filter((m) => m.projectUuid !== membership.projectUuid), membershipDoc(membership)];
        const changed = await users.findOneAndUpdate(
          { uuid: userUuid, projects: current ?? { $exists: false } },
          { $set: { projects: next, modifiedOn } },
          { returnDocument: 'after' },
        );
        if (changed !== null) return userFrom(changed as Doc);
      }
      throw new Error(`memberships of user ${userUuid}: too many concurrent changes`);
    });
  }

  addMembership(userUuid: string, membership: Membership, modifiedOn: Date): Promise<boolean> {
    return run(async () => {
      const added = await this.m.users.updateOne(
        { uuid: userUuid, 'projects.projectUuid': { $ne: membership.projectUuid } },
        { $push: { projects: membershipDoc(membership) }, $set: { modifiedOn } },
      );
      return added.modifiedCount === 1;
    });
  }

  removeMembership(userUuid: string, projectUuid: string, modifiedOn: Date): Promise<UserRecord | null> {
    return run(() => this.changeOne({ uuid: userUuid }, { $pull: { projects: { projectUuid } }, $set: { modifiedOn } }));
  }

  private async changeOne(query: FilterQuery<Doc>, change: Record<string, unknown>): Promise<UserRecord | null> {
    const doc = (await this.m.users.findOneAndUpdate(query, change, { new: true }).lean()) as Doc | null;
    return doc === null ? null : userFrom(doc);
  }
}
