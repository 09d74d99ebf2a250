import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { OpenHarness } from './harness.js';
import { checkPaging, name, type Stores, topic, useStores } from './store-fixtures.js';

/** The TopicStore port's promises (src/storage/ports/topic-store.repository.ts), for any backend. */
export function topicStoreContract(backend: string, open: OpenHarness<Stores>): void {
  describe(`TopicStore contract (${backend})`, () => {
    const { store, newProject, newTopic } = useStores(open);

    describe('topics', () => {
      it('creates a topic and finds it; names are unique per project', async () => {
        const p = await newProject();
        const q = await newProject();
        const t = await newTopic(p.uuid, { authorizedUsers: [randomUUID()], schemaUuid: randomUUID() });
        assert.deepEqual(await store.topics.topic(p.uuid, t.name), t);
        assert.equal(await store.topics.createTopic(topic(p.uuid, { name: t.name })), false);
        assert.deepEqual(await store.topics.topic(p.uuid, t.name), t, 'the refused create changed nothing');
        assert.equal(await store.topics.createTopic(topic(q.uuid, { name: t.name })), true, 'same name in another project');
        assert.equal(await store.topics.topic(p.uuid, name('missing')), null);
        assert.equal(await store.topics.topic(randomUUID(), t.name), null);
      });

      it('updates the schema and the ACL', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        const schemaUuid = randomUUID();
        const users = [randomUUID(), randomUUID()];
        assert.deepEqual(await store.topics.updateTopic(p.uuid, t.name, { schemaUuid }), { ...t, schemaUuid });
        assert.deepEqual(await store.topics.updateTopic(p.uuid, t.name, { authorizedUsers: users }), {
          ...t,
          schemaUuid,
          authorizedUsers: users,
        });
        assert.deepEqual(await store.topics.updateTopic(p.uuid, t.name, { schemaUuid: null, authorizedUsers: [] }), t);
        assert.deepEqual(await store.topics.topic(p.uuid, t.name), t);
        assert.equal(await store.topics.updateTopic(p.uuid, name('missing'), { schemaUuid }), null);
      });

      it('keeps a topic\'s own retention, and changes it', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid, { retentionSeconds: 600 });
        assert.deepEqual(await store.topics.topic(p.uuid, t.name), t);
        assert.deepEqual(await store.topics.updateTopic(p.uuid, t.name, { retentionSeconds: 2678400 }), { ...t, retentionSeconds: 2678400 });
        assert.deepEqual((await store.topics.listTopics(p.uuid, {}, { size: 10 }))?.items, [{ ...t, retentionSeconds: 2678400 }]);
        assert.deepEqual(await store.topics.updateTopic(p.uuid, t.name, { retentionSeconds: null }), { ...t, retentionSeconds: null });
      });

      it('deletes a topic once', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        assert.equal(await store.topics.deleteTopic(p.uuid, t.name), true);
        assert.equal(await store.topics.topic(p.uuid, t.name), null);
        assert.equal(await store.topics.deleteTopic(p.uuid, t.name), false);
        assert.equal(await store.topics.createTopic(topic(p.uuid, { name: t.name })), true, 'the name is free again');
      });

      it('lists topics newest first, page by page', async () => {
        const p = await newProject();
        const other = await newProject();
        const names: string[] = [];
        for (let i = 0; i < 5; i++) {
          names.push((await newTopic(p.uuid)).name);
          await newTopic(other.uuid);
        }
        for (const size of [1, 2, 3, 5, 10]) {
          await checkPaging((page) => store.topics.listTopics(p.uuid, {}, page), (t) => t.name, names.slice().reverse(), size);
        }
      });

      it('filters by ACL: only topics whose ACL holds the user, counted after the filter', async () => {
        const p = await newProject();
        const alice = randomUUID();
        const bob = randomUUID();
        const t1 = await newTopic(p.uuid, { authorizedUsers: [alice] });
        await newTopic(p.uuid, { authorizedUsers: [bob] });
        const t3 = await newTopic(p.uuid, { authorizedUsers: [bob, alice] });
        await newTopic(p.uuid);
        await checkPaging((page) => store.topics.listTopics(p.uuid, { aclUser: alice }, page), (t) => t.name, [t3.name, t1.name], 1);
        assert.equal((await store.topics.listTopics(p.uuid, { aclUser: randomUUID() }, { size: 0 }))?.total, 0);
        assert.equal((await store.topics.listTopics(p.uuid, {}, { size: 0 }))?.total, 4);
      });

      it('topicLogIds lists the log of every topic, orphaned ones included, and no deleted one', async () => {
        const p = await newProject();
        const a = await newTopic(p.uuid);
        const b = await newTopic(randomUUID());
        const gone = await newTopic(p.uuid);
        await store.topics.deleteTopic(p.uuid, gone.name);
        const ids = new Set(await store.topics.topicLogIds());
        assert.ok(ids.has(a.logId) && ids.has(b.logId));
        assert.ok(!ids.has(gone.logId));
      });
    });
  });
}
