import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { OpenHarness } from './harness.js';
import { day, name, project, type Stores, T1, useStores } from './store-fixtures.js';

/** The ProjectStore port's promises (src/storage/ports/project-store.repository.ts), for any backend. */
export function projectStoreContract(backend: string, open: OpenHarness<Stores>): void {
  describe(`ProjectStore contract (${backend})`, () => {
    const { store, newProject, newUser, newTopic, newSubscription } = useStores(open);

    it('answers a ping', async () => {
      await store.projects.ping();
    });

    describe('projects', () => {
      it('creates a project and finds it by name and by uuid', async () => {
        const p = await newProject({ createdBy: randomUUID(), description: 'ümlaut "quoted"' });
        assert.deepEqual(await store.projects.projectByName(p.name), p);
        assert.deepEqual(await store.projects.projectByUuid(p.uuid), p);
        assert.equal(await store.projects.projectByName(name('missing')), null);
        assert.equal(await store.projects.projectByUuid(randomUUID()), null);
      });

      it('refuses a second project with a taken name', async () => {
        const p = await newProject();
        assert.equal(await store.projects.createProject(project({ name: p.name })), false);
        assert.deepEqual(await store.projects.projectByName(p.name), p);
      });

      it('lists projects in creation order', async () => {
        const created = [await newProject(), await newProject(), await newProject()];
        const names = new Set(created.map((p) => p.name));
        const listed = (await store.projects.listProjects()).filter((p) => names.has(p.name));
        assert.deepEqual(listed, created);
      });

      it('updates the description and modification time', async () => {
        const p = await newProject();
        const updated = await store.projects.updateProject(p.uuid, { description: 'changed', modifiedOn: T1 });
        assert.deepEqual(updated, { ...p, description: 'changed', modifiedOn: T1 });
        assert.deepEqual(await store.projects.projectByUuid(p.uuid), updated);
      });

      it('renames; the old name is free afterwards', async () => {
        const p = await newProject();
        const newName = name('renamed');
        const updated = await store.projects.updateProject(p.uuid, { name: newName, modifiedOn: T1 });
        assert.deepEqual(updated, { ...p, name: newName, modifiedOn: T1 });
        assert.equal(await store.projects.projectByName(p.name), null);
        assert.deepEqual(await store.projects.projectByName(newName), updated);
        assert.equal(await store.projects.createProject(project({ name: p.name })), true);
      });

      it("a rename onto another project's name is 'name-taken' and changes nothing", async () => {
        const a = await newProject();
        const b = await newProject();
        assert.equal(await store.projects.updateProject(a.uuid, { name: b.name, description: 'x', modifiedOn: T1 }), 'name-taken');
        assert.deepEqual(await store.projects.projectByUuid(a.uuid), a);
        assert.deepEqual(await store.projects.projectByUuid(b.uuid), b);
      });

      it("an unknown project is 'missing'", async () => {
        assert.equal(await store.projects.updateProject(randomUUID(), { description: 'x', modifiedOn: T1 }), 'missing');
      });

      it('deletes a project once', async () => {
        const p = await newProject();
        assert.equal(await store.projects.deleteProject(p.uuid), true);
        assert.equal(await store.projects.projectByUuid(p.uuid), null);
        assert.equal(await store.projects.projectByName(p.name), null);
        assert.equal(await store.projects.deleteProject(p.uuid), false);
      });

      it("deleting a project removes its topics, subscriptions and memberships, and nothing of other projects'", async () => {
        const doomed = await newProject();
        const kept = await newProject();
        const shared = name('t');
        await newTopic(doomed.uuid, { name: shared });
        await newTopic(kept.uuid, { name: shared });
        const subName = name('s');
        await newSubscription(doomed.uuid, shared, { name: subName });
        const keptSub = await newSubscription(kept.uuid, shared, { name: subName });
        const member = await newUser({
          projects: [
            { projectUuid: doomed.uuid, roles: ['consumer'] },
            { projectUuid: kept.uuid, roles: ['publisher'] },
          ],
        });
        const onlyDoomed = await newUser({ projects: [{ projectUuid: doomed.uuid, roles: ['project_admin'] }] });

        assert.equal(await store.projects.deleteProject(doomed.uuid), true);

        assert.equal(await store.topics.topic(doomed.uuid, shared), null);
        assert.equal(await store.subscriptions.subscription(doomed.uuid, subName), null);
        assert.equal((await store.topics.listTopics(doomed.uuid, {}, { size: 0 }))?.total, 0);
        assert.equal((await store.subscriptions.listSubscriptions(doomed.uuid, {}, { size: 0 }))?.total, 0);
        assert.notEqual(await store.topics.topic(kept.uuid, shared), null);
        assert.deepEqual(await store.subscriptions.subscription(kept.uuid, subName), keptSub);
        assert.deepEqual((await store.users.userByUuid(member.uuid))?.projects, [{ projectUuid: kept.uuid, roles: ['publisher'] }]);
        assert.deepEqual((await store.users.userByUuid(onlyDoomed.uuid))?.projects, [], 'the user stays, without the membership');
        assert.equal((await store.users.listUsers({ projectUuid: doomed.uuid }, { size: 0 }))?.total, 0);
      });
    });

    describe('house-keeping', () => {
      it('removeOrphans removes what refers to a missing project, and nothing of a project that exists', async () => {
        const ghost = randomUUID(); // a project deleted while its children were still being written
        const live = await newProject();
        const orphanTopic = await newTopic(ghost);
        const orphanSub = await newSubscription(ghost, orphanTopic.name);
        const liveTopic = await newTopic(live.uuid);
        const liveSub = await newSubscription(live.uuid, liveTopic.name);
        await store.counters.addDailyCounts({ id: randomUUID(), counts: [day(live.uuid, liveTopic.name, '2024-06-01', 3)] });
        const both = await newUser({
          projects: [
            { projectUuid: ghost, roles: ['consumer'] },
            { projectUuid: live.uuid, roles: ['publisher'] },
          ],
        });

        const removed = await store.projects.removeOrphans();
        assert.ok(removed.topics >= 1 && removed.subscriptions >= 1 && removed.memberships >= 1, JSON.stringify(removed));
        assert.equal(await store.topics.topic(ghost, orphanTopic.name), null);
        assert.equal(await store.subscriptions.subscription(ghost, orphanSub.name), null);
        assert.deepEqual(await store.topics.topic(live.uuid, liveTopic.name), liveTopic);
        assert.equal((await store.subscriptions.subscription(live.uuid, liveSub.name))?.name, liveSub.name);
        assert.deepEqual(await store.counters.dailyCounts({ projectUuids: [live.uuid], fromDay: '2024-06-01', toDay: '2024-06-01' }), [
          day(live.uuid, liveTopic.name, '2024-06-01', 3),
        ]);
        assert.deepEqual((await store.users.userByUuid(both.uuid))?.projects, [{ projectUuid: live.uuid, roles: ['publisher'] }]);

        assert.deepEqual(await store.projects.removeOrphans(), { topics: 0, subscriptions: 0, dailyCounts: 0, memberships: 0 }, 'a second sweep finds nothing');
      });
    });
  });
}
