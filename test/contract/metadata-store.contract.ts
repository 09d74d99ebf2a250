import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Page, PageQuery } from '../../src/common/pagination.js';
import type { MetadataStore, NewCursor } from '../../src/storage/ports/metadata-store.repository.js';
import type {
  DailyCount,
  ProjectRecord,
  PushConfigRecord,
  SubscriptionRecord,
  TopicRecord,
  UserRecord,
} from '../../src/storage/ports/records.js';
import type { OpenHarness } from './harness.js';

// Millisecond precision: what every backend keeps.
const T0 = new Date('2024-03-01T10:00:05.123Z');
const T1 = new Date('2024-03-02T11:30:00.456Z');

const name = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

function project(overrides: Partial<ProjectRecord> = {}): ProjectRecord {
  return { uuid: randomUUID(), name: name('p'), description: 'a project', createdOn: T0, modifiedOn: T0, createdBy: null, ...overrides };
}

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    uuid: randomUUID(),
    name: name('u'),
    email: 'u@example.org',
    firstName: 'First',
    lastName: 'Last',
    organization: 'Org',
    description: '',
    tokenHash: randomUUID().replace(/-/g, '').repeat(2),
    tokenSealed: `sealed-${randomUUID()}`,
    serviceRoles: [],
    projects: [],
    createdOn: T0,
    modifiedOn: T0,
    createdBy: null,
    ...overrides,
  };
}

function topic(projectUuid: string, overrides: Partial<TopicRecord> = {}): TopicRecord {
  return {
    projectUuid,
    name: name('t'),
    logId: randomUUID(),
    schemaUuid: null,
    authorizedUsers: [],
    createdOn: T0,
    ...overrides,
  };
}

function subscription(projectUuid: string, topicName: string, overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    projectUuid,
    name: name('s'),
    topicName,
    ackDeadlineSeconds: 10,
    pushConfig: null,
    authorizedUsers: [],
    ackMode: 'cumulative',
    createdOn: T0,
    cursor: { ackFloor: 0, readOffset: 0, window: null, version: 0 },
    pushStatus: null,
    ...overrides,
  };
}

const PUSH: PushConfigRecord = {
  type: 'http_endpoint',
  pushEndpoint: 'https://receiver.example.org/push',
  maxMessages: 3,
  authorizationHeader: { type: 'autogen', value: 'header-value' },
  retryPolicy: { type: 'linear', period: 3000 },
  verificationHash: 'hash',
  verified: false,
  mattermostUrl: '',
  mattermostUsername: '',
  mattermostChannel: '',
  base64Decode: true,
};

const sorted = (names: readonly string[]): string[] => [...names].sort();

/**
 * Walks a list page by page and checks: newest first, the given page size, `total` on every page, a position for
 * every page but the last, and null for a position the store never handed out.
 */
async function checkPaging<T>(
  list: (page: PageQuery) => Promise<Page<T> | null>,
  key: (item: T) => string,
  newestFirst: string[],
  size: number,
): Promise<void> {
  const everything = await list({ size: 0 });
  assert.ok(everything !== null);
  assert.deepEqual(everything.items.map(key), newestFirst, 'size 0 is everything, newest first');
  assert.equal(everything.next, null);
  assert.equal(everything.total, newestFirst.length);

  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 0; ; pages++) {
    assert.ok(pages <= newestFirst.length, 'paging ends');
    const page = await list({ size, after });
    assert.ok(page !== null, `a position the store handed out is valid: ${String(after)}`);
    assert.equal(page.total, newestFirst.length, 'total ignores paging');
    assert.ok(page.items.length <= size);
    seen.push(...page.items.map(key));
    if (page.next === null) break;
    assert.equal(page.items.length, size, 'only the last page is short');
    after = page.next;
  }
  assert.deepEqual(seen, newestFirst);
  assert.equal(await list({ size, after: 'not-a-position' }), null);
}

/** The MetadataStore port's promises (src/storage/ports/metadata-store.repository.ts), for any backend. */
export function metadataStoreContract(backend: string, open: OpenHarness<MetadataStore>): void {
  describe(`MetadataStore contract (${backend})`, () => {
    let store: MetadataStore;
    let close: () => Promise<void>;
    before(async () => {
      const harness = await open();
      store = harness.port;
      close = () => harness.close();
    });
    after(async () => {
      await close();
    });

    async function newProject(overrides: Partial<ProjectRecord> = {}): Promise<ProjectRecord> {
      const p = project(overrides);
      assert.equal(await store.createProject(p), true);
      return p;
    }

    async function newUser(overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
      const u = user(overrides);
      assert.equal(await store.createUser(u), true);
      return u;
    }

    async function newTopic(projectUuid: string, overrides: Partial<TopicRecord> = {}): Promise<TopicRecord> {
      const t = topic(projectUuid, overrides);
      assert.equal(await store.createTopic(t), true);
      return t;
    }

    async function newSubscription(
      projectUuid: string,
      topicName: string,
      overrides: Partial<SubscriptionRecord> = {},
    ): Promise<SubscriptionRecord> {
      const s = subscription(projectUuid, topicName, overrides);
      assert.equal(await store.createSubscription(s), true);
      return s;
    }

    it('answers a ping', async () => {
      await store.ping();
    });

    describe('projects', () => {
      it('creates a project and finds it by name and by uuid', async () => {
        const p = await newProject({ createdBy: randomUUID(), description: 'ümlaut "quoted"' });
        assert.deepEqual(await store.projectByName(p.name), p);
        assert.deepEqual(await store.projectByUuid(p.uuid), p);
        assert.equal(await store.projectByName(name('missing')), null);
        assert.equal(await store.projectByUuid(randomUUID()), null);
      });

      it('refuses a second project with a taken name', async () => {
        const p = await newProject();
        assert.equal(await store.createProject(project({ name: p.name })), false);
        assert.deepEqual(await store.projectByName(p.name), p);
      });

      it('lists projects in creation order', async () => {
        const created = [await newProject(), await newProject(), await newProject()];
        const names = new Set(created.map((p) => p.name));
        const listed = (await store.listProjects()).filter((p) => names.has(p.name));
        assert.deepEqual(listed, created);
      });

      it('updates the description and modification time', async () => {
        const p = await newProject();
        const updated = await store.updateProject(p.uuid, { description: 'changed', modifiedOn: T1 });
        assert.deepEqual(updated, { ...p, description: 'changed', modifiedOn: T1 });
        assert.deepEqual(await store.projectByUuid(p.uuid), updated);
      });

      it('renames; the old name is free afterwards', async () => {
        const p = await newProject();
        const newName = name('renamed');
        const updated = await store.updateProject(p.uuid, { name: newName, modifiedOn: T1 });
        assert.deepEqual(updated, { ...p, name: newName, modifiedOn: T1 });
        assert.equal(await store.projectByName(p.name), null);
        assert.deepEqual(await store.projectByName(newName), updated);
        assert.equal(await store.createProject(project({ name: p.name })), true);
      });

      it("a rename onto another project's name is 'name-taken' and changes nothing", async () => {
        const a = await newProject();
        const b = await newProject();
        assert.equal(await store.updateProject(a.uuid, { name: b.name, description: 'x', modifiedOn: T1 }), 'name-taken');
        assert.deepEqual(await store.projectByUuid(a.uuid), a);
        assert.deepEqual(await store.projectByUuid(b.uuid), b);
      });

      it("an unknown project is 'missing'", async () => {
        assert.equal(await store.updateProject(randomUUID(), { description: 'x', modifiedOn: T1 }), 'missing');
      });

      it('deletes a project once', async () => {
        const p = await newProject();
        assert.equal(await store.deleteProject(p.uuid), true);
        assert.equal(await store.projectByUuid(p.uuid), null);
        assert.equal(await store.projectByName(p.name), null);
        assert.equal(await store.deleteProject(p.uuid), false);
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

        assert.equal(await store.deleteProject(doomed.uuid), true);

        assert.equal(await store.topic(doomed.uuid, shared), null);
        assert.equal(await store.subscription(doomed.uuid, subName), null);
        assert.equal((await store.listTopics(doomed.uuid, {}, { size: 0 }))?.total, 0);
        assert.equal((await store.listSubscriptions(doomed.uuid, {}, { size: 0 }))?.total, 0);
        assert.notEqual(await store.topic(kept.uuid, shared), null);
        assert.deepEqual(await store.subscription(kept.uuid, subName), keptSub);
        assert.deepEqual((await store.userByUuid(member.uuid))?.projects, [{ projectUuid: kept.uuid, roles: ['publisher'] }]);
        assert.deepEqual((await store.userByUuid(onlyDoomed.uuid))?.projects, [], 'the user stays, without the membership');
        assert.equal((await store.listUsers({ projectUuid: doomed.uuid }, { size: 0 }))?.total, 0);
      });
    });

    describe('users', () => {
      it('creates a user and finds it by name, uuid and token hash', async () => {
        const p = await newProject();
        const u = await newUser({
          serviceRoles: ['service_admin', 'metrics_viewer'],
          projects: [{ projectUuid: p.uuid, roles: ['project_admin', 'consumer'] }],
          createdBy: randomUUID(),
        });
        assert.deepEqual(await store.userByName(u.name), u);
        assert.deepEqual(await store.userByUuid(u.uuid), u);
        assert.deepEqual(await store.userByTokenHash(u.tokenHash), u);
        assert.equal(await store.userByName(name('missing')), null);
        assert.equal(await store.userByUuid(randomUUID()), null);
        assert.equal(await store.userByTokenHash('f'.repeat(64)), null);
      });

      it('refuses a second user with a taken name', async () => {
        const u = await newUser();
        assert.equal(await store.createUser(user({ name: u.name })), false);
        assert.deepEqual(await store.userByName(u.name), u);
      });

      it('finds several users by uuid or name, skipping unknown ones', async () => {
        const a = await newUser();
        const b = await newUser();
        await newUser();
        const byUuid = await store.usersByUuid([a.uuid, randomUUID(), b.uuid]);
        assert.deepEqual(sorted(byUuid.map((u) => u.name)), sorted([a.name, b.name]));
        const byName = await store.usersByName([b.name, name('missing'), a.name]);
        assert.deepEqual(sorted(byName.map((u) => u.uuid)), sorted([a.uuid, b.uuid]));
        assert.deepEqual(await store.usersByUuid([]), []);
        assert.deepEqual(await store.usersByName([]), []);
      });

      it('updates fields, roles and memberships', async () => {
        const p = await newProject();
        const u = await newUser();
        const patch = {
          email: 'new@example.org',
          firstName: 'F',
          lastName: 'L',
          organization: 'O',
          description: 'D',
          serviceRoles: ['admin_viewer'] as const,
          projects: [{ projectUuid: p.uuid, roles: ['publisher'] as const }],
          modifiedOn: T1,
        };
        const updated = await store.updateUser(u.uuid, patch);
        assert.deepEqual(updated, { ...u, ...patch });
        assert.deepEqual(await store.userByUuid(u.uuid), updated);
        const emptied = await store.updateUser(u.uuid, { serviceRoles: [], projects: [], modifiedOn: T1 });
        assert.ok(typeof emptied === 'object');
        assert.deepEqual(emptied.serviceRoles, []);
        assert.deepEqual(emptied.projects, []);
      });

      it('replaces a token: the old hash no longer finds the user', async () => {
        const u = await newUser();
        const tokenHash = 'a'.repeat(64);
        const updated = await store.updateUser(u.uuid, { tokenHash, tokenSealed: 'resealed', modifiedOn: T1 });
        assert.deepEqual(updated, { ...u, tokenHash, tokenSealed: 'resealed', modifiedOn: T1 });
        assert.equal(await store.userByTokenHash(u.tokenHash), null);
        assert.deepEqual(await store.userByTokenHash(tokenHash), updated);
      });

      it("renames; a rename onto a taken name is 'name-taken'; an unknown user is 'missing'", async () => {
        const a = await newUser();
        const b = await newUser();
        const newName = name('renamed');
        assert.deepEqual(await store.updateUser(a.uuid, { name: newName, modifiedOn: T1 }), { ...a, name: newName, modifiedOn: T1 });
        assert.equal(await store.userByName(a.name), null);
        assert.equal(await store.updateUser(b.uuid, { name: newName, modifiedOn: T1 }), 'name-taken');
        assert.deepEqual(await store.userByUuid(b.uuid), b);
        assert.equal(await store.updateUser(randomUUID(), { email: 'x', modifiedOn: T1 }), 'missing');
      });

      it('deletes a user once', async () => {
        const u = await newUser();
        assert.equal(await store.deleteUser(u.uuid), true);
        assert.equal(await store.userByUuid(u.uuid), null);
        assert.equal(await store.userByName(u.name), null);
        assert.equal(await store.userByTokenHash(u.tokenHash), null);
        assert.equal(await store.deleteUser(u.uuid), false);
      });

      it('lists the members of a project newest first, page by page', async () => {
        const p = await newProject();
        const other = await newProject();
        const members: UserRecord[] = [];
        for (let i = 0; i < 5; i++) {
          members.push(await newUser({ projects: [{ projectUuid: p.uuid, roles: ['consumer'] }] }));
          await newUser({ projects: [{ projectUuid: other.uuid, roles: ['consumer'] }] });
        }
        const newestFirst = members.map((u) => u.name).reverse();
        for (const size of [1, 2, 5, 7]) {
          await checkPaging((page) => store.listUsers({ projectUuid: p.uuid }, page), (u) => u.name, newestFirst, size);
        }
      });

      it('lists all users newest first', async () => {
        const a = await newUser();
        const b = await newUser();
        const page = await store.listUsers({}, { size: 0 });
        assert.ok(page !== null);
        assert.deepEqual(
          page.items.map((u) => u.name).filter((n) => n === a.name || n === b.name),
          [b.name, a.name],
        );
        assert.equal(page.total, page.items.length);
      });
    });

    describe('topics', () => {
      it('creates a topic and finds it; names are unique per project', async () => {
        const p = await newProject();
        const q = await newProject();
        const t = await newTopic(p.uuid, { authorizedUsers: [randomUUID()], schemaUuid: randomUUID() });
        assert.deepEqual(await store.topic(p.uuid, t.name), t);
        assert.equal(await store.createTopic(topic(p.uuid, { name: t.name })), false);
        assert.deepEqual(await store.topic(p.uuid, t.name), t, 'the refused create changed nothing');
        assert.equal(await store.createTopic(topic(q.uuid, { name: t.name })), true, 'same name in another project');
        assert.equal(await store.topic(p.uuid, name('missing')), null);
        assert.equal(await store.topic(randomUUID(), t.name), null);
      });

      it('updates the schema and the ACL', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        const schemaUuid = randomUUID();
        const users = [randomUUID(), randomUUID()];
        assert.deepEqual(await store.updateTopic(p.uuid, t.name, { schemaUuid }), { ...t, schemaUuid });
        assert.deepEqual(await store.updateTopic(p.uuid, t.name, { authorizedUsers: users }), {
          ...t,
          schemaUuid,
          authorizedUsers: users,
        });
        assert.deepEqual(await store.updateTopic(p.uuid, t.name, { schemaUuid: null, authorizedUsers: [] }), t);
        assert.deepEqual(await store.topic(p.uuid, t.name), t);
        assert.equal(await store.updateTopic(p.uuid, name('missing'), { schemaUuid }), null);
      });

      it('deletes a topic once', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        assert.equal(await store.deleteTopic(p.uuid, t.name), true);
        assert.equal(await store.topic(p.uuid, t.name), null);
        assert.equal(await store.deleteTopic(p.uuid, t.name), false);
        assert.equal(await store.createTopic(topic(p.uuid, { name: t.name })), true, 'the name is free again');
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
          await checkPaging((page) => store.listTopics(p.uuid, {}, page), (t) => t.name, names.slice().reverse(), size);
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
        await checkPaging((page) => store.listTopics(p.uuid, { aclUser: alice }, page), (t) => t.name, [t3.name, t1.name], 1);
        assert.equal((await store.listTopics(p.uuid, { aclUser: randomUUID() }, { size: 0 }))?.total, 0);
        assert.equal((await store.listTopics(p.uuid, {}, { size: 0 }))?.total, 4);
      });
    });

    describe('subscriptions', () => {
      it('creates a subscription and finds it with its push config and cursor; names are unique per project', async () => {
        const p = await newProject();
        const q = await newProject();
        const s = await newSubscription(p.uuid, name('t'), {
          ackDeadlineSeconds: 300,
          pushConfig: PUSH,
          authorizedUsers: [randomUUID()],
          cursor: { ackFloor: 4, readOffset: 9, window: { end: 9, pulledAt: T1 }, version: 0 },
        });
        assert.deepEqual(await store.subscription(p.uuid, s.name), s);
        assert.equal(await store.createSubscription(subscription(p.uuid, 'other', { name: s.name })), false);
        assert.deepEqual(await store.subscription(p.uuid, s.name), s, 'the refused create changed nothing');
        assert.equal(await store.createSubscription(subscription(q.uuid, 'other', { name: s.name })), true);
        assert.equal(await store.subscription(p.uuid, name('missing')), null);
      });

      it('updates deadline, push config and ACL without touching the cursor', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), {
          cursor: { ackFloor: 2, readOffset: 5, window: { end: 5, pulledAt: T0 }, version: 0 },
        });
        const users = [randomUUID()];
        assert.deepEqual(await store.updateSubscription(p.uuid, s.name, { ackDeadlineSeconds: 600 }), { ...s, ackDeadlineSeconds: 600 });
        assert.deepEqual(await store.updateSubscription(p.uuid, s.name, { pushConfig: PUSH, authorizedUsers: users }), {
          ...s,
          ackDeadlineSeconds: 600,
          pushConfig: PUSH,
          authorizedUsers: users,
        });
        assert.deepEqual(await store.updateSubscription(p.uuid, s.name, { pushConfig: null }), {
          ...s,
          ackDeadlineSeconds: 600,
          authorizedUsers: users,
        });
        assert.deepEqual((await store.subscription(p.uuid, s.name))?.cursor, s.cursor);
        assert.equal(await store.updateSubscription(p.uuid, name('missing'), { ackDeadlineSeconds: 1 }), null);
      });

      it('keeps a push status and changes it alone', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), { pushConfig: { ...PUSH, verified: true } });
        const failed = '2024-03-01T10:00:05 - Could not send message, connect ECONNREFUSED';
        assert.deepEqual(await store.updateSubscription(p.uuid, s.name, { pushStatus: failed }), { ...s, pushStatus: failed });
        assert.deepEqual(await store.subscription(p.uuid, s.name), { ...s, pushStatus: failed });
        assert.deepEqual(await store.updateSubscription(p.uuid, s.name, { pushStatus: null }), s);
        const created = await newSubscription(p.uuid, name('t'), { pushStatus: failed });
        assert.equal((await store.subscription(p.uuid, created.name))?.pushStatus, failed);
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
        const active = async () => (await store.listActivePushSubscriptions()).filter((s) => mine.has(s.projectUuid));
        assert.deepEqual(await active(), [first, second]);
        await store.updateSubscription(p.uuid, first.name, { pushConfig: null });
        await store.deleteSubscription(q.uuid, second.name);
        assert.deepEqual(await active(), []);
      });

      it('deletes a subscription once', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'));
        assert.equal(await store.deleteSubscription(p.uuid, s.name), true);
        assert.equal(await store.subscription(p.uuid, s.name), null);
        assert.equal(await store.deleteSubscription(p.uuid, s.name), false);
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
          await checkPaging((page) => store.listSubscriptions(p.uuid, {}, page), (s) => s.name, all.slice().reverse(), size);
        }
        await checkPaging(
          (page) => store.listSubscriptions(p.uuid, { topicName: t1 }, page),
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
        await checkPaging((page) => store.listSubscriptions(p.uuid, { aclUser: alice }, page), (s) => s.name, [s3.name, s1.name], 1);
        await checkPaging(
          (page) => store.listSubscriptions(p.uuid, { aclUser: alice, topicName: t }, page),
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
        const found = await store.aclResourcesOf(p.uuid, alice);
        assert.deepEqual(sorted(found.topics), sorted([ta.name, tb.name]));
        assert.deepEqual(found.subscriptions, [sa.name]);
        assert.deepEqual(await store.aclResourcesOf(p.uuid, randomUUID()), { topics: [], subscriptions: [] });
      });
    });

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
        await store.addDailyCounts(batch(count(p.uuid, 'b', '2024-03-01', 2), count(p.uuid, 'a', '2024-03-01', 1), count(p.uuid, 'a', '2024-03-02', 5)));
        await store.addDailyCounts(batch(count(p.uuid, 'a', '2024-03-01', 3, 7)));
        assert.deepEqual(await store.dailyCounts({ projectUuids: [p.uuid], fromDay: '2024-01-01', toDay: '2024-12-31' }), [
          count(p.uuid, 'a', '2024-03-02', 5),
          count(p.uuid, 'a', '2024-03-01', 4, 17),
          count(p.uuid, 'b', '2024-03-01', 2),
        ]);
      });

      it('filters by a window of days, both ends included, by projects and by topic', async () => {
        const p = await newProject();
        const q = await newProject();
        await store.addDailyCounts(
          batch(
            count(p.uuid, 't', '2023-02-27', 1),
            count(p.uuid, 't', '2023-02-28', 2),
            count(p.uuid, 'u', '2023-03-01', 3),
            count(p.uuid, 't', '2023-03-02', 4),
            count(q.uuid, 't', '2023-03-01', 5),
          ),
        );
        const window = { fromDay: '2023-02-28', toDay: '2023-03-01' };
        assert.deepEqual(await store.dailyCounts({ ...window, projectUuids: [p.uuid] }), [
          count(p.uuid, 'u', '2023-03-01', 3),
          count(p.uuid, 't', '2023-02-28', 2),
        ]);
        assert.deepEqual(await store.dailyCounts({ ...window, projectUuids: [p.uuid], topicName: 't' }), [count(p.uuid, 't', '2023-02-28', 2)]);
        assert.deepEqual(
          sorted((await store.dailyCounts({ ...window, projectUuids: [q.uuid, p.uuid] })).map((c) => `${c.projectUuid}/${c.day}`)),
          sorted([`${p.uuid}/2023-03-01`, `${p.uuid}/2023-02-28`, `${q.uuid}/2023-03-01`]),
        );
        const everyProject = await store.dailyCounts(window);
        assert.deepEqual(
          everyProject.filter((c) => c.projectUuid === p.uuid || c.projectUuid === q.uuid).length,
          3,
          'no projectUuids: every project',
        );
        assert.deepEqual(await store.dailyCounts({ ...window, projectUuids: [] }), [], 'empty projectUuids: none');
        assert.deepEqual(await store.dailyCounts({ projectUuids: [p.uuid], fromDay: '2023-03-03', toDay: '2023-12-31' }), []);
      });

      it('applies a batch id once, also when the same batch comes again', async () => {
        const p = await newProject();
        const once = batch(count(p.uuid, 't', '2024-04-01', 2), count(p.uuid, 'u', '2024-04-01', 1));
        await store.addDailyCounts(once);
        await store.addDailyCounts(once);
        await store.addDailyCounts({ ...once });
        await store.addDailyCounts(batch(count(p.uuid, 't', '2024-04-01', 2)));
        assert.deepEqual(await store.dailyCounts({ projectUuids: [p.uuid], fromDay: '2024-04-01', toDay: '2024-04-01' }), [
          count(p.uuid, 't', '2024-04-01', 4),
          count(p.uuid, 'u', '2024-04-01', 1),
        ]);
      });

      it('drops increments of a project that does not exist, and applies the rest of the batch', async () => {
        const p = await newProject();
        const ghost = randomUUID();
        await store.addDailyCounts(batch(count(ghost, 't', '2024-04-02', 9), count(p.uuid, 't', '2024-04-02', 1)));
        assert.deepEqual(await store.dailyCounts({ projectUuids: [ghost, p.uuid], fromDay: '2024-04-02', toDay: '2024-04-02' }), [
          count(p.uuid, 't', '2024-04-02', 1),
        ]);
      });

      it('an empty batch changes nothing', async () => {
        await store.addDailyCounts(batch());
      });

      it('totals per project over the window; projects without counters there are absent', async () => {
        const p = await newProject();
        const q = await newProject();
        const idle = await newProject();
        await store.addDailyCounts(
          batch(
            count(p.uuid, 't', '2022-05-01', 1, 100),
            count(p.uuid, 'u', '2022-05-02', 2, 200),
            count(p.uuid, 't', '2022-05-09', 50),
            count(q.uuid, 't', '2022-05-02', 3, 3),
            count(idle.uuid, 't', '2022-04-30', 7),
          ),
        );
        const window = { projectUuids: [p.uuid, q.uuid, idle.uuid], fromDay: '2022-05-01', toDay: '2022-05-02' };
        const totals = await store.messageTotals(window);
        assert.deepEqual(
          [...totals].sort((a, b) => (a.projectUuid === p.uuid ? -1 : b.projectUuid === p.uuid ? 1 : 0)),
          [
            { projectUuid: p.uuid, messages: 3, bytes: 300 },
            { projectUuid: q.uuid, messages: 3, bytes: 3 },
          ],
        );
        assert.deepEqual(await store.messageTotals({ ...window, topicName: 'u' }), totals, 'topicName is ignored');
        assert.deepEqual(await store.messageTotals({ ...window, projectUuids: [] }), []);
        const all = await store.messageTotals({ fromDay: '2022-05-01', toDay: '2022-05-02' });
        assert.deepEqual(sorted(all.map((t) => t.projectUuid).filter((u) => u === p.uuid || u === q.uuid || u === idle.uuid)), sorted([p.uuid, q.uuid]));
      });

      it("deleting a project removes its counters, and nothing of other projects'", async () => {
        const doomed = await newProject();
        const kept = await newProject();
        await store.addDailyCounts(batch(count(doomed.uuid, 't', '2024-04-03', 1), count(kept.uuid, 't', '2024-04-03', 2)));
        assert.equal(await store.deleteProject(doomed.uuid), true);
        const window = { projectUuids: [doomed.uuid, kept.uuid], fromDay: '2024-04-03', toDay: '2024-04-03' };
        assert.deepEqual(await store.dailyCounts(window), [count(kept.uuid, 't', '2024-04-03', 2)]);
        assert.deepEqual(await store.messageTotals(window), [{ projectUuid: kept.uuid, messages: 2, bytes: 20 }]);
        await store.addDailyCounts(batch(count(doomed.uuid, 't', '2024-04-03', 1)));
        assert.deepEqual(await store.dailyCounts(window), [count(kept.uuid, 't', '2024-04-03', 2)], 'late increments are dropped');
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

        assert.deepEqual(await store.countCreated(p.uuid, FROM, TO), { topics: 3, subscriptions: 2, users: 2 });
        assert.deepEqual(await store.countCreated(other.uuid, FROM, TO), { topics: 1, subscriptions: 1, users: 1 });
        assert.deepEqual(await store.countCreated(randomUUID(), FROM, TO), { topics: 0, subscriptions: 0, users: 0 });
      });

      it('does not count deleted resources', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid, { createdOn: FROM });
        const s = await newSubscription(p.uuid, t.name, { createdOn: FROM });
        const u = await newUser({ createdOn: FROM, modifiedOn: FROM, projects: [{ projectUuid: p.uuid, roles: ['publisher'] }] });
        assert.deepEqual(await store.countCreated(p.uuid, FROM, TO), { topics: 1, subscriptions: 1, users: 1 });
        await store.deleteTopic(p.uuid, t.name);
        await store.deleteSubscription(p.uuid, s.name);
        await store.deleteUser(u.uuid);
        assert.deepEqual(await store.countCreated(p.uuid, FROM, TO), { topics: 0, subscriptions: 0, users: 0 });
      });
    });

    describe('compareAndSetCursor', () => {
      const cursorOf = async (projectUuid: string, sub: string) => {
        const found = await store.subscription(projectUuid, sub);
        assert.ok(found !== null);
        return found.cursor;
      };

      it('applies with the expected version and changes the version', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'));
        const pulled: NewCursor = { ackFloor: 0, readOffset: 5, window: { end: 5, pulledAt: T1 } };
        assert.equal(await store.compareAndSetCursor(p.uuid, s.name, s.cursor.version, pulled), true);
        const afterPull = await cursorOf(p.uuid, s.name);
        assert.deepEqual({ ...afterPull, version: 0 }, { ...pulled, version: 0 });
        assert.notEqual(afterPull.version, s.cursor.version);

        const acked: NewCursor = { ackFloor: 5, readOffset: 5, window: null };
        assert.equal(await store.compareAndSetCursor(p.uuid, s.name, afterPull.version, acked), true);
        const afterAck = await cursorOf(p.uuid, s.name);
        assert.deepEqual({ ...afterAck, version: 0 }, { ...acked, version: 0 });
        assert.notEqual(afterAck.version, afterPull.version);
        assert.notEqual(afterAck.version, s.cursor.version);
      });

      it('refuses a stale version and changes nothing', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'));
        assert.equal(await store.compareAndSetCursor(p.uuid, s.name, s.cursor.version, { ackFloor: 1, readOffset: 1, window: null }), true);
        const current = await cursorOf(p.uuid, s.name);
        assert.equal(await store.compareAndSetCursor(p.uuid, s.name, s.cursor.version, { ackFloor: 9, readOffset: 9, window: null }), false);
        assert.deepEqual(await cursorOf(p.uuid, s.name), current);
      });

      it('refuses an unknown subscription', async () => {
        const p = await newProject();
        assert.equal(await store.compareAndSetCursor(p.uuid, name('missing'), 0, { ackFloor: 1, readOffset: 1, window: null }), false);
      });

      it('two writers racing with the same expected version: exactly one wins', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'));
        const a: NewCursor = { ackFloor: 3, readOffset: 3, window: null };
        const b: NewCursor = { ackFloor: 0, readOffset: 7, window: { end: 7, pulledAt: T1 } };
        const [wonA, wonB] = await Promise.all([
          store.compareAndSetCursor(p.uuid, s.name, s.cursor.version, a),
          store.compareAndSetCursor(p.uuid, s.name, s.cursor.version, b),
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
          const results = await Promise.all(proposals.map((next) => store.compareAndSetCursor(p.uuid, s.name, version, next)));
          assert.equal(results.filter(Boolean).length, 1, `round ${round}`);
          const stored = await cursorOf(p.uuid, s.name);
          assert.equal(stored.ackFloor, proposals[results.indexOf(true)].ackFloor);
          assert.notEqual(stored.version, version);
          version = stored.version;
        }
      });
    });
  });
}
