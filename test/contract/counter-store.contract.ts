import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { CountedKind, DailyCount, ResourceCount, SubscriptionRecord, TopicRecord } from '../../src/storage/ports/records.js';
import type { OpenHarness } from './harness.js';
import { day, name, sorted, type Stores, T0, T1, topic, useStores } from './store-fixtures.js';

/** The CounterStore port's promises (src/storage/ports/counter-store.repository.ts), for any backend. */
export function counterStoreContract(backend: string, open: OpenHarness<Stores>): void {
  describe(`CounterStore contract (${backend})`, () => {
    const { store, newProject, newUser, newTopic, newSubscription } = useStores(open);

    describe('daily counters', () => {
      const count = (projectUuid: string, topicName: string, day: string, messages: number, bytes = messages * 10): DailyCount => ({
        projectUuid,
        topicName,
        day,
        messages,
        bytes,
      });
      const batch = (...counts: DailyCount[]) => ({ id: randomUUID(), counts });

      it('creates counters, then adds to them; lists newest day first, then by project and topic', async () => {
        const p = await newProject();
        await store.counters.addDailyCounts(batch(count(p.uuid, 'b', '2024-03-01', 2), count(p.uuid, 'a', '2024-03-01', 1), count(p.uuid, 'a', '2024-03-02', 5)));
        await store.counters.addDailyCounts(batch(count(p.uuid, 'a', '2024-03-01', 3, 7)));
        assert.deepEqual(await store.counters.dailyCounts({ projectUuids: [p.uuid], fromDay: '2024-01-01', toDay: '2024-12-31' }), [
          count(p.uuid, 'a', '2024-03-02', 5),
          count(p.uuid, 'a', '2024-03-01', 4, 17),
          count(p.uuid, 'b', '2024-03-01', 2),
        ]);
      });

      it('filters by a window of days, both ends included, by projects and by topic', async () => {
        const p = await newProject();
        const q = await newProject();
        await store.counters.addDailyCounts(
          batch(
            count(p.uuid, 't', '2023-02-27', 1),
            count(p.uuid, 't', '2023-02-28', 2),
            count(p.uuid, 'u', '2023-03-01', 3),
            count(p.uuid, 't', '2023-03-02', 4),
            count(q.uuid, 't', '2023-03-01', 5),
          ),
        );
        const window = { fromDay: '2023-02-28', toDay: '2023-03-01' };
        assert.deepEqual(await store.counters.dailyCounts({ ...window, projectUuids: [p.uuid] }), [
          count(p.uuid, 'u', '2023-03-01', 3),
          count(p.uuid, 't', '2023-02-28', 2),
        ]);
        assert.deepEqual(await store.counters.dailyCounts({ ...window, projectUuids: [p.uuid], topicName: 't' }), [count(p.uuid, 't', '2023-02-28', 2)]);
        assert.deepEqual(
          sorted((await store.counters.dailyCounts({ ...window, projectUuids: [q.uuid, p.uuid] })).map((c) => `${c.projectUuid}/${c.day}`)),
          sorted([`${p.uuid}/2023-03-01`, `${p.uuid}/2023-02-28`, `${q.uuid}/2023-03-01`]),
        );
        const everyProject = await store.counters.dailyCounts(window);
        assert.deepEqual(
          everyProject.filter((c) => c.projectUuid === p.uuid || c.projectUuid === q.uuid).length,
          3,
          'no projectUuids: every project',
        );
        assert.deepEqual(await store.counters.dailyCounts({ ...window, projectUuids: [] }), [], 'empty projectUuids: none');
        assert.deepEqual(await store.counters.dailyCounts({ projectUuids: [p.uuid], fromDay: '2023-03-03', toDay: '2023-12-31' }), []);
      });

      it('applies a batch id once, also when the same batch comes again', async () => {
        const p = await newProject();
        const once = batch(count(p.uuid, 't', '2024-04-01', 2), count(p.uuid, 'u', '2024-04-01', 1));
        await store.counters.addDailyCounts(once);
        await store.counters.addDailyCounts(once);
        await store.counters.addDailyCounts({ ...once });
        await store.counters.addDailyCounts(batch(count(p.uuid, 't', '2024-04-01', 2)));
        assert.deepEqual(await store.counters.dailyCounts({ projectUuids: [p.uuid], fromDay: '2024-04-01', toDay: '2024-04-01' }), [
          count(p.uuid, 't', '2024-04-01', 4),
          count(p.uuid, 'u', '2024-04-01', 1),
        ]);
      });

      it('drops increments of a project that does not exist, and applies the rest of the batch', async () => {
        const p = await newProject();
        const ghost = randomUUID();
        await store.counters.addDailyCounts(batch(count(ghost, 't', '2024-04-02', 9), count(p.uuid, 't', '2024-04-02', 1)));
        assert.deepEqual(await store.counters.dailyCounts({ projectUuids: [ghost, p.uuid], fromDay: '2024-04-02', toDay: '2024-04-02' }), [
          count(p.uuid, 't', '2024-04-02', 1),
        ]);
      });

      it('an empty batch changes nothing', async () => {
        const p = await newProject();
        await store.counters.addDailyCounts(batch(count(p.uuid, 't', '2024-04-01', 2)));
        const window = { fromDay: '2024-01-01', toDay: '2024-12-31' };
        const everyCounter = await store.counters.dailyCounts(window);
        const totals = await store.counters.messageTotals(window);
        await store.counters.addDailyCounts(batch());
        assert.deepEqual(await store.counters.dailyCounts(window), everyCounter);
        assert.deepEqual(await store.counters.messageTotals(window), totals);
        await store.counters.addDailyCounts(batch(count(p.uuid, 't', '2024-04-01', 1)));
        assert.deepEqual(await store.counters.dailyCounts({ ...window, projectUuids: [p.uuid] }), [count(p.uuid, 't', '2024-04-01', 3, 30)]);
      });

      it('totals per project over the window; projects without counters there are absent', async () => {
        const p = await newProject();
        const q = await newProject();
        const idle = await newProject();
        await store.counters.addDailyCounts(
          batch(
            count(p.uuid, 't', '2022-05-01', 1, 100),
            count(p.uuid, 'u', '2022-05-02', 2, 200),
            count(p.uuid, 't', '2022-05-09', 50),
            count(q.uuid, 't', '2022-05-02', 3, 3),
            count(idle.uuid, 't', '2022-04-30', 7),
          ),
        );
        const window = { projectUuids: [p.uuid, q.uuid, idle.uuid], fromDay: '2022-05-01', toDay: '2022-05-02' };
        const totals = await store.counters.messageTotals(window);
        assert.deepEqual(
          [...totals].sort((a, b) => (a.projectUuid === p.uuid ? -1 : b.projectUuid === p.uuid ? 1 : 0)),
          [
            { projectUuid: p.uuid, messages: 3, bytes: 300 },
            { projectUuid: q.uuid, messages: 3, bytes: 3 },
          ],
        );
        assert.deepEqual(await store.counters.messageTotals({ ...window, topicName: 'u' }), totals, 'topicName is ignored');
        assert.deepEqual(await store.counters.messageTotals({ ...window, projectUuids: [] }), []);
        const all = await store.counters.messageTotals({ fromDay: '2022-05-01', toDay: '2022-05-02' });
        assert.deepEqual(sorted(all.map((t) => t.projectUuid).filter((u) => u === p.uuid || u === q.uuid || u === idle.uuid)), sorted([p.uuid, q.uuid]));
      });

      it("deleting a project removes its counters, and nothing of other projects'", async () => {
        const doomed = await newProject();
        const kept = await newProject();
        await store.counters.addDailyCounts(batch(count(doomed.uuid, 't', '2024-04-03', 1), count(kept.uuid, 't', '2024-04-03', 2)));
        assert.equal(await store.projects.deleteProject(doomed.uuid), true);
        const window = { projectUuids: [doomed.uuid, kept.uuid], fromDay: '2024-04-03', toDay: '2024-04-03' };
        assert.deepEqual(await store.counters.dailyCounts(window), [count(kept.uuid, 't', '2024-04-03', 2)]);
        assert.deepEqual(await store.counters.messageTotals(window), [{ projectUuid: kept.uuid, messages: 2, bytes: 20 }]);
        await store.counters.addDailyCounts(batch(count(doomed.uuid, 't', '2024-04-03', 1)));
        assert.deepEqual(await store.counters.dailyCounts(window), [count(kept.uuid, 't', '2024-04-03', 2)], 'late increments are dropped');
      });

      it('forgetDailyCountBatches keeps counters, and batches of later days stay idempotent', async () => {
        const p = await newProject();
        const old = { id: randomUUID(), counts: [day(p.uuid, 't', '2020-01-01', 1)] };
        const recent = { id: randomUUID(), counts: [day(p.uuid, 't', '2020-01-09', 2), day(p.uuid, 'u', '2020-01-10', 4)] };
        await store.counters.addDailyCounts(old);
        await store.counters.addDailyCounts(recent);
        const forgotten = await store.counters.forgetDailyCountBatches('2020-01-09');
        assert.ok(forgotten >= 0);
        assert.equal(await store.counters.forgetDailyCountBatches('2020-01-09'), 0, 'nothing left to forget before that day');
        await store.counters.addDailyCounts(recent); // a retry of a batch that may still be retried: no double count
        assert.deepEqual(await store.counters.dailyCounts({ projectUuids: [p.uuid], fromDay: '2020-01-01', toDay: '2020-01-31' }), [
          day(p.uuid, 'u', '2020-01-10', 4),
          day(p.uuid, 't', '2020-01-09', 2),
          day(p.uuid, 't', '2020-01-01', 1),
        ]);
      });
    });

    describe('resource counters', () => {
      const W1 = new Date('2024-03-01T10:00:00.000Z');
      const W2 = new Date('2024-03-01T10:00:10.000Z');
      const W3 = new Date('2024-03-01T10:00:20.000Z');
      const ZERO = { messages: 0, bytes: 0, lastAt: null, rateWindow: null };
      const topicCount = (t: TopicRecord, windowStart: Date, messages: number, lastAt: Date, bytes = messages * 10): ResourceCount => ({
        kind: 'topic',
        projectUuid: t.projectUuid,
        name: t.name,
        incarnation: t.logId,
        windowStart,
        messages,
        bytes,
        lastAt,
      });
      const subCount = (s: SubscriptionRecord, windowStart: Date, messages: number, lastAt: Date): ResourceCount => ({
        kind: 'subscription',
        projectUuid: s.projectUuid,
        name: s.name,
        incarnation: String(s.createdOn.getTime()),
        windowStart,
        messages,
        bytes: messages * 3,
        lastAt,
      });
      const batch = (...counts: ResourceCount[]) => ({ id: randomUUID(), counts });
      const at = (window: Date, seconds: number): Date => new Date(window.getTime() + seconds * 1000);
      const countersOf = (kind: CountedKind, r: { projectUuid: string; name: string }, incarnation: string) =>
        store.counters.resourceCounters(kind, r.projectUuid, r.name, incarnation);

      it('zeros before anything was counted', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        assert.deepEqual(await countersOf('topic', t, t.logId), ZERO);
      });

      it('adds totals, keeps the latest time, and keeps the newest rate window (same window adds up, older ones do not move it)', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        await store.counters.addResourceCounts(batch(topicCount(t, W1, 2, at(W1, 3))));
        assert.deepEqual(await countersOf('topic', t, t.logId), {
          messages: 2,
          bytes: 20,
          lastAt: at(W1, 3),
          rateWindow: { start: W1, messages: 2 },
        });
        await store.counters.addResourceCounts(batch(topicCount(t, W2, 4, at(W2, 1)), topicCount(t, W2, 1, at(W2, 0.5))));
        await store.counters.addResourceCounts(batch(topicCount(t, W1, 5, at(W1, 9))));
        assert.deepEqual(await countersOf('topic', t, t.logId), {
          messages: 12,
          bytes: 120,
          lastAt: at(W2, 1),
          rateWindow: { start: W2, messages: 5 },
        });
        await store.counters.addResourceCounts(batch(topicCount(t, W3, 7, at(W3, 2))));
        assert.deepEqual((await countersOf('topic', t, t.logId)).rateWindow, { start: W3, messages: 7 });
      });

      it('applies a batch id once', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        const s = await newSubscription(p.uuid, t.name);
        const once = batch(topicCount(t, W1, 2, at(W1, 1)), subCount(s, W1, 3, at(W1, 2)));
        await store.counters.addResourceCounts(once);
        await store.counters.addResourceCounts(once);
        await store.counters.addResourceCounts({ ...once });
        assert.deepEqual(await countersOf('topic', t, t.logId), { messages: 2, bytes: 20, lastAt: at(W1, 1), rateWindow: { start: W1, messages: 2 } });
        assert.deepEqual(await countersOf('subscription', s, String(s.createdOn.getTime())), {
          messages: 3,
          bytes: 9,
          lastAt: at(W1, 2),
          rateWindow: { start: W1, messages: 3 },
        });
      });

      it('keeps topics and subscriptions of the same name apart', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid, { name: 'same' });
        const s = await newSubscription(p.uuid, t.name, { name: 'same' });
        await store.counters.addResourceCounts(batch(topicCount(t, W1, 1, W1), subCount(s, W1, 6, W1)));
        assert.equal((await countersOf('topic', t, t.logId)).messages, 1);
        assert.equal((await countersOf('subscription', s, String(s.createdOn.getTime()))).messages, 6);
      });

      it('drops increments of a resource that does not exist or is another incarnation, and applies the rest', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        const s = await newSubscription(p.uuid, t.name);
        const ghostTopic = topic(p.uuid);
        const otherIncarnation = { ...t, logId: randomUUID() };
        const laterSub = { ...s, createdOn: T1 };
        await store.counters.addResourceCounts(
          batch(
            topicCount(ghostTopic, W1, 9, W1),
            topicCount(otherIncarnation, W1, 9, W1),
            subCount(laterSub, W1, 9, W1),
            topicCount(t, W1, 1, W1),
          ),
        );
        assert.deepEqual(await countersOf('topic', ghostTopic, ghostTopic.logId), ZERO);
        assert.deepEqual(await countersOf('topic', t, otherIncarnation.logId), ZERO);
        assert.deepEqual(await countersOf('subscription', s, String(T1.getTime())), ZERO);
        assert.equal((await countersOf('topic', t, t.logId)).messages, 1);
      });

      it('deleting a topic, a subscription or a project removes their counters; a re-created topic starts at zero', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        const s = await newSubscription(p.uuid, t.name);
        const q = await newProject();
        const qt = await newTopic(q.uuid);
        await store.counters.addResourceCounts(batch(topicCount(t, W1, 1, W1), subCount(s, W1, 2, W1), topicCount(qt, W1, 3, W1)));

        assert.equal(await store.topics.deleteTopic(p.uuid, t.name), true);
        assert.deepEqual(await countersOf('topic', t, t.logId), ZERO);
        const again = await newTopic(p.uuid, { name: t.name });
        assert.deepEqual(await countersOf('topic', again, again.logId), ZERO);
        await store.counters.addResourceCounts(batch(topicCount(t, W2, 5, W2)));
        assert.deepEqual(await countersOf('topic', again, again.logId), ZERO, 'late increments of the old topic are dropped');
        assert.deepEqual(await countersOf('topic', t, t.logId), ZERO);

        assert.equal((await countersOf('subscription', s, String(s.createdOn.getTime()))).messages, 2, 'the subscription outlives its topic');
        assert.equal(await store.subscriptions.deleteSubscription(p.uuid, s.name), true);
        assert.deepEqual(await countersOf('subscription', s, String(s.createdOn.getTime())), ZERO);

        assert.equal(await store.projects.deleteProject(q.uuid), true);
        assert.deepEqual(await countersOf('topic', qt, qt.logId), ZERO);
      });

      it('an empty batch changes nothing', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        await store.counters.addResourceCounts(batch(topicCount(t, W1, 2, at(W1, 1))));
        const before = await countersOf('topic', t, t.logId);
        await store.counters.addResourceCounts(batch());
        assert.deepEqual(await countersOf('topic', t, t.logId), before);
        await store.counters.addResourceCounts(batch(topicCount(t, W1, 1, at(W1, 2))));
        assert.deepEqual(await countersOf('topic', t, t.logId), {
          messages: 3,
          bytes: 30,
          lastAt: at(W1, 2),
          rateWindow: { start: W1, messages: 3 },
        });
      });
    });

    describe('node samples', () => {
      it('keeps one sample per host, the latest, and lists them by host', async () => {
        const a = name('node-b');
        const b = name('node-a');
        await store.counters.putNodeSample({ host: a, cpu: 1.5, memory: 20.1, sampledAt: T0 });
        await store.counters.putNodeSample({ host: b, cpu: 0, memory: 3, sampledAt: T0 });
        await store.counters.putNodeSample({ host: a, cpu: 12.3, memory: 21, sampledAt: T1 });
        const mine = (await store.counters.nodeSamples()).filter((s) => s.host === a || s.host === b);
        assert.deepEqual(mine, [
          { host: b, cpu: 0, memory: 3, sampledAt: T0 },
          { host: a, cpu: 12.3, memory: 21, sampledAt: T1 },
        ]);
      });
    });

    describe('countCreated', () => {
      const FROM = new Date('2024-05-01T00:00:00.000Z');
      const TO = new Date('2024-05-02T23:59:59.000Z');
      const justBefore = new Date(FROM.getTime() - 1);
      const justAfter = new Date(TO.getTime() + 1);

      it('counts topics, subscriptions and members created within [from, to], both ends included', async () => {
        const p = await newProject();
        const other = await newProject();
        const member = (createdOn: Date, roles: ('consumer' | 'project_admin')[] = ['consumer']) =>
          newUser({ createdOn, modifiedOn: createdOn, projects: [{ projectUuid: p.uuid, roles }] });

        for (const createdOn of [justBefore, FROM, new Date('2024-05-01T12:00:00Z'), TO, justAfter]) await newTopic(p.uuid, { createdOn });
        await newTopic(other.uuid, { createdOn: FROM });
        for (const createdOn of [FROM, TO, justAfter]) await newSubscription(p.uuid, 't', { createdOn });
        await newSubscription(other.uuid, 't', { createdOn: FROM });
        await member(FROM);
        await member(TO, []); // a member without roles counts
        await member(justBefore);
        await newUser({ createdOn: FROM, modifiedOn: FROM }); // no membership
        await newUser({ createdOn: FROM, modifiedOn: FROM, projects: [{ projectUuid: other.uuid, roles: ['consumer'] }] });

        assert.deepEqual(await store.counters.countCreated(p.uuid, FROM, TO), { topics: 3, subscriptions: 2, users: 2 });
        assert.deepEqual(await store.counters.countCreated(other.uuid, FROM, TO), { topics: 1, subscriptions: 1, users: 1 });
        assert.deepEqual(await store.counters.countCreated(randomUUID(), FROM, TO), { topics: 0, subscriptions: 0, users: 0 });
      });

      it('does not count deleted resources', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid, { createdOn: FROM });
        const s = await newSubscription(p.uuid, t.name, { createdOn: FROM });
        const u = await newUser({ createdOn: FROM, modifiedOn: FROM, projects: [{ projectUuid: p.uuid, roles: ['publisher'] }] });
        assert.deepEqual(await store.counters.countCreated(p.uuid, FROM, TO), { topics: 1, subscriptions: 1, users: 1 });
        await store.topics.deleteTopic(p.uuid, t.name);
        await store.subscriptions.deleteSubscription(p.uuid, s.name);
        await store.users.deleteUser(u.uuid);
        assert.deepEqual(await store.counters.countCreated(p.uuid, FROM, TO), { topics: 0, subscriptions: 0, users: 0 });
      });
    });
  });
}
