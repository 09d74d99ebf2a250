import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { NewCursor, NewLeaseState } from '../../src/storage/ports/subscription-store.repository.js';
import type { LeaseRecord, LeaseState, PushConfigRecord } from '../../src/storage/ports/records.js';
import type { OpenHarness } from './harness.js';
import { checkPaging, name, PUSH, sorted, type Stores, subscription, T0, T1, T2, useStores } from './store-fixtures.js';

/** The SubscriptionStore port's promises (src/storage/ports/subscription-store.repository.ts), for any backend. */
export function subscriptionStoreContract(backend: string, open: OpenHarness<Stores>): void {
  describe(`SubscriptionStore contract (${backend})`, () => {
    const { store, newProject, newTopic, newSubscription } = useStores(open);

    describe('subscriptions', () => {
      const aclResourcesOf = async (projectUuid: string, userUuid: string) => ({
        topics: await store.topics.aclTopicNames(projectUuid, userUuid),
        subscriptions: await store.subscriptions.aclSubscriptionNames(projectUuid, userUuid),
      });

      it('creates a subscription and finds it with its push config and cursor; names are unique per project', async () => {
        const p = await newProject();
        const q = await newProject();
        const s = await newSubscription(p.uuid, name('t'), {
          ackDeadlineSeconds: 300,
          pushConfig: PUSH,
          authorizedUsers: [randomUUID()],
          cursor: { ackFloor: 4, readOffset: 9, window: { end: 9, pulledAt: T1 }, version: 0 },
        });
        assert.deepEqual(await store.subscriptions.subscription(p.uuid, s.name), s);
        assert.equal(await store.subscriptions.createSubscription(subscription(p.uuid, 'other', { name: s.name })), false);
        assert.deepEqual(await store.subscriptions.subscription(p.uuid, s.name), s, 'the refused create changed nothing');
        assert.equal(await store.subscriptions.createSubscription(subscription(q.uuid, 'other', { name: s.name })), true);
        assert.equal(await store.subscriptions.subscription(p.uuid, name('missing')), null);
      });

      it('updates deadline, push config and ACL without touching the cursor', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), {
          cursor: { ackFloor: 2, readOffset: 5, window: { end: 5, pulledAt: T0 }, version: 0 },
        });
        const users = [randomUUID()];
        assert.deepEqual(await store.subscriptions.updateSubscription(p.uuid, s.name, { ackDeadlineSeconds: 600 }), { ...s, ackDeadlineSeconds: 600 });
        assert.deepEqual(await store.subscriptions.updateSubscription(p.uuid, s.name, { pushConfig: PUSH, authorizedUsers: users }), {
          ...s,
          ackDeadlineSeconds: 600,
          pushConfig: PUSH,
          authorizedUsers: users,
        });
        assert.deepEqual(await store.subscriptions.updateSubscription(p.uuid, s.name, { pushConfig: null }), {
          ...s,
          ackDeadlineSeconds: 600,
          authorizedUsers: users,
        });
        assert.deepEqual((await store.subscriptions.subscription(p.uuid, s.name))?.cursor, s.cursor);
        assert.equal(await store.subscriptions.updateSubscription(p.uuid, name('missing'), { ackDeadlineSeconds: 1 }), null);
      });

      it('keeps a push status and changes it alone', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), { pushConfig: { ...PUSH, verified: true } });
        const failed = '2024-03-01T10:00:05 - Could not send message, connect ECONNREFUSED';
        assert.deepEqual(await store.subscriptions.updateSubscription(p.uuid, s.name, { pushStatus: failed }), { ...s, pushStatus: failed });
        assert.deepEqual(await store.subscriptions.subscription(p.uuid, s.name), { ...s, pushStatus: failed });
        assert.deepEqual(await store.subscriptions.updateSubscription(p.uuid, s.name, { pushStatus: null }), s);
        const created = await newSubscription(p.uuid, name('t'), { pushStatus: failed });
        assert.equal((await store.subscriptions.subscription(p.uuid, created.name))?.pushStatus, failed);
      });

      it('lists the active push subscriptions of every project, oldest first', async () => {
        const p = await newProject();
        const q = await newProject();
        const mine = new Set([p.uuid, q.uuid]);
        const t = name('t');
        await newSubscription(p.uuid, t);
        const first = await newSubscription(p.uuid, t, { pushConfig: { ...PUSH, verified: true } });
        await newSubscription(p.uuid, t, { pushConfig: PUSH });
        const chat: PushConfigRecord = { ...PUSH, type: 'mattermost', pushEndpoint: '', mattermostUrl: 'https://chat.example.org/h', verified: true };
        const second = await newSubscription(q.uuid, t, { pushConfig: chat });
        const active = async () => (await store.subscriptions.listActivePushSubscriptions()).filter((s) => mine.has(s.projectUuid));
        assert.deepEqual(await active(), [first, second]);
        await store.subscriptions.updateSubscription(p.uuid, first.name, { pushConfig: null });
        await store.subscriptions.deleteSubscription(q.uuid, second.name);
        assert.deepEqual(await active(), []);
      });

      it('expiration: activity moves expiresAt forward only, under the ttl it was seen with; expired ones are listed', async () => {
        const p = await newProject();
        const day = 24 * 3600;
        const at = (hours: number): Date => new Date(T0.getTime() + hours * 3600_000);
        const idle = await newSubscription(p.uuid, name('t'), { expirationTtlSeconds: day, expiresAt: at(24) });
        const busy = await newSubscription(p.uuid, name('t'), { expirationTtlSeconds: day, expiresAt: at(24) });
        const changed = await newSubscription(p.uuid, name('t'), { expirationTtlSeconds: 2 * day, expiresAt: at(48) });
        const never = await newSubscription(p.uuid, name('t'));
        await store.subscriptions.recordActivity([
          { projectUuid: p.uuid, name: busy.name, ttlSeconds: day, at: at(10) },
          { projectUuid: p.uuid, name: changed.name, ttlSeconds: day, at: at(40) }, // seen before its ttl changed
          { projectUuid: p.uuid, name: never.name, ttlSeconds: day, at: at(10) },
          { projectUuid: p.uuid, name: name('missing'), ttlSeconds: day, at: at(10) },
        ]);
        await store.subscriptions.recordActivity([{ projectUuid: p.uuid, name: busy.name, ttlSeconds: day, at: at(5) }]);
        assert.deepEqual((await store.subscriptions.subscription(p.uuid, busy.name))?.expiresAt, at(34), 'never backwards');
        assert.deepEqual(await store.subscriptions.subscription(p.uuid, changed.name), changed, 'an old ttl does not apply');
        assert.deepEqual(await store.subscriptions.subscription(p.uuid, never.name), never, 'no policy, no expiry');
        await store.subscriptions.recordActivity([]);

        const expiredAt = async (hours: number): Promise<string[]> =>
          (await store.subscriptions.expiredSubscriptions(at(hours), 100)).filter((s) => s.projectUuid === p.uuid).map((s) => s.name);
        assert.deepEqual(await expiredAt(23), []);
        assert.deepEqual(await expiredAt(24), [idle.name]);
        assert.deepEqual(await expiredAt(40), [idle.name, busy.name], 'soonest first');
        assert.deepEqual(await expiredAt(100), [idle.name, busy.name, changed.name]);
        assert.equal((await store.subscriptions.expiredSubscriptions(at(100), 1)).length, 1, 'at most limit');
        const patched = await store.subscriptions.updateSubscription(p.uuid, idle.name, { expirationTtlSeconds: null, expiresAt: null });
        assert.deepEqual(patched, { ...idle, expirationTtlSeconds: null, expiresAt: null });
        assert.deepEqual(await expiredAt(100), [busy.name, changed.name]);
      });

      it('deletes a subscription once', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'));
        assert.equal(await store.subscriptions.deleteSubscription(p.uuid, s.name), true);
        assert.equal(await store.subscriptions.subscription(p.uuid, s.name), null);
        assert.equal(await store.subscriptions.deleteSubscription(p.uuid, s.name), false);
      });

      it('lists subscriptions newest first, page by page, and by topic', async () => {
        const p = await newProject();
        const t1 = name('t');
        const t2 = name('t');
        const all: string[] = [];
        const ofT1: string[] = [];
        for (let i = 0; i < 6; i++) {
          const s = await newSubscription(p.uuid, i % 2 === 0 ? t1 : t2);
          all.push(s.name);
          if (i % 2 === 0) ofT1.push(s.name);
        }
        for (const size of [1, 4, 6]) {
          await checkPaging((page) => store.subscriptions.listSubscriptions(p.uuid, {}, page), (s) => s.name, all.slice().reverse(), size);
        }
        await checkPaging(
          (page) => store.subscriptions.listSubscriptions(p.uuid, { topicName: t1 }, page),
          (s) => s.name,
          ofT1.slice().reverse(),
          2,
        );
      });

      it('filters by ACL, also combined with the topic', async () => {
        const p = await newProject();
        const t = name('t');
        const alice = randomUUID();
        const s1 = await newSubscription(p.uuid, t, { authorizedUsers: [alice] });
        await newSubscription(p.uuid, t);
        const s3 = await newSubscription(p.uuid, name('t'), { authorizedUsers: [randomUUID(), alice] });
        await checkPaging((page) => store.subscriptions.listSubscriptions(p.uuid, { aclUser: alice }, page), (s) => s.name, [s3.name, s1.name], 1);
        await checkPaging(
          (page) => store.subscriptions.listSubscriptions(p.uuid, { aclUser: alice, topicName: t }, page),
          (s) => s.name,
          [s1.name],
          5,
        );
      });

      it('names the topics and subscriptions whose ACL holds a user', async () => {
        const p = await newProject();
        const other = await newProject();
        const alice = randomUUID();
        const ta = await newTopic(p.uuid, { authorizedUsers: [alice] });
        const tb = await newTopic(p.uuid, { authorizedUsers: [randomUUID(), alice] });
        await newTopic(p.uuid);
        await newTopic(other.uuid, { authorizedUsers: [alice] });
        const sa = await newSubscription(p.uuid, ta.name, { authorizedUsers: [alice] });
        await newSubscription(p.uuid, ta.name);
        await newSubscription(other.uuid, ta.name, { authorizedUsers: [alice] });
        const found = await aclResourcesOf(p.uuid, alice);
        assert.deepEqual(sorted(found.topics), sorted([ta.name, tb.name]));
        assert.deepEqual(found.subscriptions, [sa.name]);
        assert.deepEqual(await aclResourcesOf(p.uuid, randomUUID()), { topics: [], subscriptions: [] });
      });
    });

    describe('compareAndSetCursor', () => {
      const cursorOf = async (projectUuid: string, sub: string) => {
        const found = await store.subscriptions.subscription(projectUuid, sub);
        assert.ok(found !== null);
        return found.cursor;
      };

      it('applies with the expected version and changes the version', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'));
        const pulled: NewCursor = { ackFloor: 0, readOffset: 5, window: { end: 5, pulledAt: T1 } };
        assert.equal(await store.subscriptions.compareAndSetCursor(p.uuid, s.name, s.cursor.version, pulled), true);
        const afterPull = await cursorOf(p.uuid, s.name);
        assert.deepEqual({ ...afterPull, version: 0 }, { ...pulled, version: 0 });
        assert.notEqual(afterPull.version, s.cursor.version);

        const acked: NewCursor = { ackFloor: 5, readOffset: 5, window: null };
        assert.equal(await store.subscriptions.compareAndSetCursor(p.uuid, s.name, afterPull.version, acked), true);
        const afterAck = await cursorOf(p.uuid, s.name);
        assert.deepEqual({ ...afterAck, version: 0 }, { ...acked, version: 0 });
        assert.notEqual(afterAck.version, afterPull.version);
        assert.notEqual(afterAck.version, s.cursor.version);
      });

      it('refuses a stale version and changes nothing', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'));
        assert.equal(await store.subscriptions.compareAndSetCursor(p.uuid, s.name, s.cursor.version, { ackFloor: 1, readOffset: 1, window: null }), true);
        const current = await cursorOf(p.uuid, s.name);
        assert.equal(await store.subscriptions.compareAndSetCursor(p.uuid, s.name, s.cursor.version, { ackFloor: 9, readOffset: 9, window: null }), false);
        assert.deepEqual(await cursorOf(p.uuid, s.name), current);
      });

      it('refuses an unknown subscription', async () => {
        const p = await newProject();
        assert.equal(await store.subscriptions.compareAndSetCursor(p.uuid, name('missing'), 0, { ackFloor: 1, readOffset: 1, window: null }), false);
      });

      it('two writers racing with the same expected version: exactly one wins', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'));
        const a: NewCursor = { ackFloor: 3, readOffset: 3, window: null };
        const b: NewCursor = { ackFloor: 0, readOffset: 7, window: { end: 7, pulledAt: T1 } };
        const [wonA, wonB] = await Promise.all([
          store.subscriptions.compareAndSetCursor(p.uuid, s.name, s.cursor.version, a),
          store.subscriptions.compareAndSetCursor(p.uuid, s.name, s.cursor.version, b),
        ]);
        assert.equal(Number(wonA) + Number(wonB), 1, 'exactly one wins');
        const { version: _, ...stored } = await cursorOf(p.uuid, s.name);
        assert.deepEqual(stored, wonA ? a : b);
      });

      it('many writers racing round after round: one winner per version', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'));
        let version = s.cursor.version;
        for (let round = 1; round <= 5; round++) {
          const proposals = Array.from({ length: 10 }, (_, i): NewCursor => ({ ackFloor: round * 100 + i, readOffset: round * 100 + i, window: null }));
          const results = await Promise.all(proposals.map((next) => store.subscriptions.compareAndSetCursor(p.uuid, s.name, version, next)));
          assert.equal(results.filter(Boolean).length, 1, `round ${round}`);
          const stored = await cursorOf(p.uuid, s.name);
          assert.equal(stored.ackFloor, proposals[results.indexOf(true)].ackFloor);
          assert.notEqual(stored.version, version);
          version = stored.version;
        }
      });
    });

    describe('leaseState and compareAndSetLeases (individual ack mode)', () => {
      const lease = (offset: number, deadline: Date, deliveryAttempt = 1, leaseId = '0123456789abcdef'): LeaseRecord => ({
        offset,
        deadline,
        deliveryAttempt,
        leaseId,
      });
      const stateOf = async (projectUuid: string, sub: string): Promise<LeaseState> => {
        const found = await store.subscriptions.leaseState(projectUuid, sub);
        assert.ok(found !== null);
        return found;
      };

      it('a new subscription has its cursor and no leases; an unknown one has no state', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), { ackMode: 'individual' });
        assert.deepEqual(await store.subscriptions.leaseState(p.uuid, s.name), { cursor: s.cursor, leases: [], acked: [] });
        assert.equal(await store.subscriptions.leaseState(p.uuid, name('missing')), null);
        assert.equal(
          await store.subscriptions.compareAndSetLeases(p.uuid, name('missing'), 0, { cursor: s.cursor, leases: [], acked: [] }),
          false,
        );
      });

      it('replaces cursor, leases and acknowledged offsets together, and moves the version', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), { ackMode: 'individual' });
        const first: NewLeaseState = {
          cursor: { ackFloor: 0, readOffset: 4, window: null },
          leases: [lease(0, T1), lease(1, T1), lease(3, T2, 2, 'fedcba9876543210')],
          acked: [2],
        };
        assert.equal(await store.subscriptions.compareAndSetLeases(p.uuid, s.name, s.cursor.version, first), true);
        const stored = await stateOf(p.uuid, s.name);
        assert.notEqual(stored.cursor.version, s.cursor.version);
        assert.deepEqual({ ...stored, cursor: { ...stored.cursor, version: 0 } }, { ...first, cursor: { ...first.cursor, version: 0 } });
        assert.equal((await store.subscriptions.subscription(p.uuid, s.name))?.cursor.version, stored.cursor.version, 'one version');

        // Some leases change, one goes, one stays; an acknowledged offset is forgotten as the floor passes it.
        const second: NewLeaseState = {
          cursor: { ackFloor: 3, readOffset: 6, window: null },
          leases: [lease(3, T2, 2, 'fedcba9876543210'), lease(4, T2, 1, '1111111111111111')],
          acked: [5],
        };
        assert.equal(await store.subscriptions.compareAndSetLeases(p.uuid, s.name, stored.cursor.version, second), true);
        const again = await stateOf(p.uuid, s.name);
        assert.deepEqual({ ...again, cursor: { ...again.cursor, version: 0 } }, { ...second, cursor: { ...second.cursor, version: 0 } });
      });

      it('refuses a stale version and changes nothing', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), { ackMode: 'individual' });
        const next: NewLeaseState = { cursor: { ackFloor: 0, readOffset: 1, window: null }, leases: [lease(0, T1)], acked: [] };
        assert.equal(await store.subscriptions.compareAndSetLeases(p.uuid, s.name, s.cursor.version, next), true);
        const current = await stateOf(p.uuid, s.name);
        const stale: NewLeaseState = { cursor: { ackFloor: 5, readOffset: 9, window: null }, leases: [], acked: [7] };
        assert.equal(await store.subscriptions.compareAndSetLeases(p.uuid, s.name, s.cursor.version, stale), false);
        assert.deepEqual(await stateOf(p.uuid, s.name), current);
      });

      it('races with compareAndSetCursor on the same version: exactly one wins', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), { ackMode: 'individual' });
        const leased: NewLeaseState = { cursor: { ackFloor: 0, readOffset: 2, window: null }, leases: [lease(0, T1), lease(1, T1)], acked: [] };
        const results = await Promise.all([
          store.subscriptions.compareAndSetLeases(p.uuid, s.name, s.cursor.version, leased),
          store.subscriptions.compareAndSetLeases(p.uuid, s.name, s.cursor.version, { ...leased, leases: [lease(0, T2)], cursor: { ...leased.cursor, readOffset: 1 } }),
          store.subscriptions.compareAndSetCursor(p.uuid, s.name, s.cursor.version, { ackFloor: 9, readOffset: 9, window: null }),
        ]);
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('deleting the subscription or its project removes its leases', async () => {
        const p = await newProject();
        const t = name('t');
        const s = await newSubscription(p.uuid, t, { ackMode: 'individual' });
        const next: NewLeaseState = { cursor: { ackFloor: 0, readOffset: 3, window: null }, leases: [lease(0, T1), lease(2, T1)], acked: [1] };
        assert.equal(await store.subscriptions.compareAndSetLeases(p.uuid, s.name, s.cursor.version, next), true);
        assert.equal(await store.subscriptions.deleteSubscription(p.uuid, s.name), true);
        const reborn = await newSubscription(p.uuid, t, { name: s.name, ackMode: 'individual' });
        assert.deepEqual(await store.subscriptions.leaseState(p.uuid, s.name), { cursor: reborn.cursor, leases: [], acked: [] });

        const other = await newSubscription(p.uuid, t, { ackMode: 'individual' });
        assert.equal(await store.subscriptions.compareAndSetLeases(p.uuid, other.name, other.cursor.version, next), true);
        assert.equal(await store.projects.deleteProject(p.uuid), true);
        assert.equal(await store.subscriptions.leaseState(p.uuid, other.name), null);
      });
    });
  });
}
