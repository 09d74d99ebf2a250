import { Injectable } from '@nestjs/common';
import type { ProjectPatch, ProjectStore } from '../ports/project-store.repository.js';
import type { Membership, OrphanCounts, ProjectRecord, UpdateOutcome } from '../ports/records.js';
import { StoreUnavailableError } from '../ports/store-errors.js';
import { type Doc, inCreationOrder, insert, one, projectFrom, setOf, update } from './mongo-docs.js';
import { run } from './mongo-errors.js';
import { MongoModels } from './mongo-models.js';

const NO_ORPHANS: OrphanCounts = { topics: 0, subscriptions: 0, dailyCounts: 0, memberships: 0 };

@Injectable()
export class MongoProjectStore implements ProjectStore {
  constructor(private readonly m: MongoModels) {}

  async ping(): Promise<void> {
    await run(async () => {
      const db = this.m.connection.db;
      if (db === undefined) throw new StoreUnavailableError('mongodb', new Error('not connected'));
      await db.admin().ping();
    });
  }

  createProject(p: ProjectRecord): Promise<boolean> {
    return insert(this.m.projects, { ...p });
  }

  projectByName(name: string): Promise<ProjectRecord | null> {
    return one(this.m.projects, { name }, projectFrom);
  }

  projectByUuid(uuid: string): Promise<ProjectRecord | null> {
    return one(this.m.projects, { uuid }, projectFrom);
  }

  listProjects(): Promise<ProjectRecord[]> {
    return inCreationOrder(this.m.projects, {}, projectFrom);
  }

  updateProject(uuid: string, patch: ProjectPatch): Promise<UpdateOutcome<ProjectRecord>> {
    return update(this.m.projects, { uuid }, setOf(patch), projectFrom);
  }

  /** Children first: a crash half-way leaves the project in place, and deleting it again finishes the job. */
  deleteProject(uuid: string): Promise<boolean> {
    return run(async () => {
      const { topics, schemas, subscriptions, dailyCounters, resourceCounters, users, projects } = this.m;
      for (const model of [topics, schemas, subscriptions, dailyCounters, resourceCounters]) {
        await model.deleteMany({ projectUuid: uuid });
      }
      await users.updateMany({ 'projects.projectUuid': uuid }, { $pull: { projects: { projectUuid: uuid } } });
      return (await projects.deleteOne({ uuid })).deletedCount === 1;
    });
  }

  /**
   * No transactions, so the order makes it safe: first the project uuids the children name, then which of those
   * projects exist. A project created meanwhile is not among the uuids read first; one deleted meanwhile is swept
   * now or next time. Each delete is conditional on the uuid, so a child written later is never touched by mistake.
   */
  removeOrphans(): Promise<OrphanCounts> {
    return run(async () => {
      const { topics, subscriptions, dailyCounters, schemas, resourceCounters, users, projects } = this.m;
      const named = new Set<string>();
      for (const model of [topics, subscriptions, dailyCounters, schemas, resourceCounters]) {
        for (const uuid of (await model.collection.distinct('projectUuid')) as string[]) named.add(uuid);
      }
      for (const uuid of (await users.collection.distinct('projects.projectUuid')) as string[]) named.add(uuid);
      if (named.size === 0) return NO_ORPHANS;
      const existing = new Set(
        ((await projects.find({ uuid: { $in: [...named] } }, { uuid: 1 }).lean()) as Doc[]).map((d) => d.uuid as string),
      );
      const gone = [...named].filter((uuid) => !existing.has(uuid));
      if (gone.length === 0) return NO_ORPHANS;
      const inGone = { projectUuid: { $in: gone } };
      const counts = {
        topics: (await topics.collection.deleteMany(inGone)).deletedCount,
        subscriptions: (await subscriptions.collection.deleteMany(inGone)).deletedCount,
        dailyCounts: (await dailyCounters.collection.deleteMany(inGone)).deletedCount,
        memberships: 0,
      };
      await schemas.collection.deleteMany(inGone);
      await resourceCounters.collection.deleteMany(inGone);
      const members = (await users.find({ 'projects.projectUuid': { $in: gone } }, { uuid: 1, projects: 1 }).lean()) as Doc[];
      for (const member of members) {
        counts.memberships += (member.projects as Membership[]).filter((m) => gone.includes(m.projectUuid)).length;
        await users.updateOne({ uuid: member.uuid }, { $pull: { projects: inGone } });
      }
      return counts;
    });
  }
}
