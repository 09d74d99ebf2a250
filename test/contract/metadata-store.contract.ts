import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Page, PageQuery } from '../../src/common/pagination.js';
import type { MetadataStore, NewCursor, NewLeaseState } from '../../src/storage/ports/metadata-store.repository.js';
import type {
  CountedKind,
  DailyCount,
  ProjectRecord,
  ResourceCount,
  PushConfigRecord,
  RegistrationRecord,
  SchemaRecord,
  LeaseRecord,
  LeaseState,
  SubscriptionRecord,
  TopicRecord,
  UserRecord,
} from '../../src/storage/ports/records.js';
import type { OpenHarness } from './harness.js';

// Millisecond precision: what every backend keeps.
const T0 = new Date('2024-03-01T10:00:05.123Z');
const T1 = new Date('2024-03-02T11:30:00.456Z');
const T2 = new Date('2024-03-02T11:31:10.789Z');

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

function registration(overrides: Partial<RegistrationRecord> = {}): RegistrationRecord {
  return {
    uuid: randomUUID(),
    name: name('r'),
    firstName: 'First',
    lastName: 'Last',
    organization: 'Org',
    description: 'wants in',
    email: 'r@example.org',
    status: 'pending',
    declineComment: '',
    activationToken: randomUUID().replace(/-/g, '').repeat(2),
    registeredAt: T0,
    modifiedBy: null,
    modifiedAt: null,
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

/** A JSON Schema with keys MongoDB would not take as field names ($-prefixed, dotted) and a nested array. */
function schema(projectUuid: string, overrides: Partial<SchemaRecord> = {}): SchemaRecord {
  return {
    uuid: randomUUID(),
    projectUuid,
    name: name('sch'),
    type: 'json',
    document: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { 'a.b': { type: 'string' }, list: { type: 'array', items: [{ type: 'integer' }, { enum: ['x', null] }] } },
      required: ['a.b'],
    },
    ...overrides,
  };
}

const AVRO_DOCUMENT = {
  type: 'record',
  name: 'User',
  fields: [
    { name: 'zeta', type: 'string' },
    { name: 'alpha', type: 'int' },
  ],
};

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

    describe('registrations', () => {
      async function newRegistration(overrides: Partial<RegistrationRecord> = {}): Promise<RegistrationRecord> {
        const r = registration(overrides);
        assert.equal(await store.createRegistration(r), true);
        return r;
      }

      const accepted = { status: 'accepted', declineComment: '', activationToken: null, modifiedBy: 'admin', modifiedAt: T1 } as const;

      it('creates a registration and finds it by uuid; a taken uuid is refused', async () => {
        const r = await newRegistration({ description: 'ümlaut "quoted"' });
        assert.deepEqual(await store.registrationByUuid(r.uuid), r);
        assert.equal(await store.createRegistration(registration({ uuid: r.uuid })), false);
        assert.deepEqual(await store.registrationByUuid(r.uuid), r);
        assert.equal(await store.registrationByUuid(randomUUID()), null);
      });

      it('keeps decided registrations with every field (null token, comment, decider, time)', async () => {
        const r = await newRegistration({ status: 'declined', declineComment: 'no', activationToken: null, modifiedBy: 'x', modifiedAt: T1 });
        assert.deepEqual(await store.registrationByUuid(r.uuid), r);
      });

      it('lists in registration order, filtered by every field exactly', async () => {
        const org = name('org');
        const a = await newRegistration({ organization: org, email: 'a@example.org' });
        const b = await newRegistration({ organization: org, email: 'b@example.org' });
        const c = await newRegistration({ organization: org, email: 'a@example.org', status: 'declined', activationToken: null });
        await newRegistration({ organization: `${org}-other` });
        const uuids = async (filter: Parameters<MetadataStore['listRegistrations']>[0]): Promise<string[]> =>
          (await store.listRegistrations(filter)).map((r) => r.uuid);
        assert.deepEqual(await uuids({ organization: org }), [a.uuid, b.uuid, c.uuid]);
        assert.deepEqual(await store.listRegistrations({ organization: org }), [a, b, c]);
        assert.deepEqual(await uuids({ organization: org, email: 'a@example.org' }), [a.uuid, c.uuid]);
        assert.deepEqual(await uuids({ organization: org, status: 'pending' }), [a.uuid, b.uuid]);
        assert.deepEqual(await uuids({ organization: org, status: 'declined' }), [c.uuid]);
        assert.deepEqual(await uuids({ name: b.name }), [b.uuid]);
        assert.deepEqual(await uuids({ activationToken: a.activationToken as string }), [a.uuid]);
        assert.deepEqual(await uuids({ organization: org.toUpperCase() }), []);
        assert.deepEqual(await uuids({ organization: org.slice(0, -1) }), []);
        assert.deepEqual(await uuids({ status: 'nonsense' }), []);
        const all = await uuids({});
        assert.deepEqual(all.filter((u) => [a.uuid, b.uuid, c.uuid].includes(u)), [a.uuid, b.uuid, c.uuid]);
      });

      it('changes a registration only from the expected status', async () => {
        const r = await newRegistration();
        assert.equal(await store.changeRegistration(r.uuid, 'accepted', { ...accepted, status: 'declined' }), null);
        assert.deepEqual(await store.registrationByUuid(r.uuid), r);
        const changed = await store.changeRegistration(r.uuid, 'pending', accepted);
        assert.deepEqual(changed, { ...r, ...accepted });
        assert.deepEqual(await store.registrationByUuid(r.uuid), changed);
        assert.equal(await store.changeRegistration(r.uuid, 'pending', { ...accepted, status: 'declined' }), null);
        assert.deepEqual(await store.registrationByUuid(r.uuid), changed);
        // and back (an accept whose user could not be created is undone)
        const undo = { status: 'pending', declineComment: '', activationToken: r.activationToken, modifiedBy: null, modifiedAt: null } as const;
        assert.deepEqual(await store.changeRegistration(r.uuid, 'accepted', undo), r);
        assert.equal(await store.changeRegistration(randomUUID(), 'pending', accepted), null);
      });

      it('two decisions racing on one pending registration: exactly one applies', async () => {
        for (let round = 0; round < 5; round++) {
          const r = await newRegistration();
          const declined = { ...accepted, status: 'declined', declineComment: 'late' } as const;
          const results = await Promise.all([
            store.changeRegistration(r.uuid, 'pending', accepted),
            store.changeRegistration(r.uuid, 'pending', declined),
            store.changeRegistration(r.uuid, 'pending', accepted),
          ]);
          const winners = results.filter((x) => x !== null);
          assert.equal(winners.length, 1, `round ${round}`);
          assert.deepEqual(await store.registrationByUuid(r.uuid), winners[0]);
        }
      });

      it('deletes a registration once', async () => {
        const r = await newRegistration();
        assert.equal(await store.deleteRegistration(r.uuid), true);
        assert.equal(await store.registrationByUuid(r.uuid), null);
        assert.equal(await store.deleteRegistration(r.uuid), false);
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

    describe('schemas', () => {
      async function newSchema(projectUuid: string, overrides: Partial<SchemaRecord> = {}): Promise<SchemaRecord> {
        const created = schema(projectUuid, overrides);
        assert.equal(await store.createSchema(created), true);
        return created;
      }

      it('creates a schema and finds it by uuid and by name, document intact; names are unique per project', async () => {
        const p = await newProject();
        const q = await newProject();
        const s = await newSchema(p.uuid);
        const avro = await newSchema(p.uuid, { type: 'avro', document: AVRO_DOCUMENT });
        assert.deepEqual(await store.schemaByUuid(s.uuid), s);
        assert.deepEqual(await store.schemaByName(p.uuid, s.name), s);
        const foundAvro = await store.schemaByUuid(avro.uuid);
        assert.deepEqual(foundAvro, avro);
        assert.deepEqual(Object.keys((foundAvro?.document.fields as object[])[0]), ['name', 'type'], 'key order kept');
        assert.equal(await store.createSchema(schema(p.uuid, { name: s.name })), false);
        assert.deepEqual(await store.schemaByName(p.uuid, s.name), s, 'the refused create changed nothing');
        assert.equal(await store.createSchema(schema(q.uuid, { name: s.name })), true, 'same name in another project');
        assert.equal(await store.schemaByName(p.uuid, name('missing')), null);
        assert.equal(await store.schemaByName(q.uuid, avro.name), null);
        assert.equal(await store.schemaByUuid(randomUUID()), null);
      });

      it("lists a project's schemas in creation order, and no other project's", async () => {
        const p = await newProject();
        const other = await newProject();
        const created = [await newSchema(p.uuid), await newSchema(p.uuid, { type: 'avro', document: AVRO_DOCUMENT })];
        await newSchema(other.uuid);
        created.push(await newSchema(p.uuid));
        assert.deepEqual(await store.listSchemas(p.uuid), created);
        assert.deepEqual(await store.listSchemas(randomUUID()), []);
      });

      it('updates type and document, and renames; the old name is free afterwards', async () => {
        const p = await newProject();
        const s = await newSchema(p.uuid);
        const changed = await store.updateSchema(s.uuid, { type: 'avro', document: AVRO_DOCUMENT });
        assert.deepEqual(changed, { ...s, type: 'avro', document: AVRO_DOCUMENT });
        const newName = name('renamed');
        const renamed = await store.updateSchema(s.uuid, { name: newName });
        assert.deepEqual(renamed, { ...s, name: newName, type: 'avro', document: AVRO_DOCUMENT });
        assert.equal(await store.schemaByName(p.uuid, s.name), null);
        assert.deepEqual(await store.schemaByName(p.uuid, newName), renamed);
        assert.equal(await store.createSchema(schema(p.uuid, { name: s.name })), true);
        assert.equal(await store.updateSchema(randomUUID(), { name: name('x') }), 'missing');
      });

      it("a rename onto a name the project uses is 'name-taken' and changes nothing; other projects' names are free", async () => {
        const p = await newProject();
        const q = await newProject();
        const a = await newSchema(p.uuid);
        const b = await newSchema(p.uuid);
        const elsewhere = await newSchema(q.uuid);
        assert.equal(await store.updateSchema(a.uuid, { name: b.name, type: 'avro', document: AVRO_DOCUMENT }), 'name-taken');
        assert.deepEqual(await store.schemaByUuid(a.uuid), a);
        assert.deepEqual(await store.updateSchema(a.uuid, { name: elsewhere.name }), { ...a, name: elsewhere.name });
      });

      it('deletes a schema once and detaches it from every topic using it, and only it', async () => {
        const p = await newProject();
        const doomed = await newSchema(p.uuid);
        const kept = await newSchema(p.uuid);
        const users = [await newTopic(p.uuid, { schemaUuid: doomed.uuid }), await newTopic(p.uuid, { schemaUuid: doomed.uuid })];
        const other = await newTopic(p.uuid, { schemaUuid: kept.uuid });
        assert.equal(await store.deleteSchema(doomed.uuid), true);
        assert.equal(await store.schemaByUuid(doomed.uuid), null);
        assert.equal(await store.schemaByName(p.uuid, doomed.name), null);
        for (const t of users) assert.deepEqual(await store.topic(p.uuid, t.name), { ...t, schemaUuid: null });
        assert.deepEqual(await store.topic(p.uuid, other.name), other);
        assert.deepEqual(await store.schemaByUuid(kept.uuid), kept);
        assert.equal(await store.deleteSchema(doomed.uuid), false);
      });

      it("deleting a project removes its schemas and nothing of other projects'", async () => {
        const doomed = await newProject();
        const kept = await newProject();
        const shared = name('sch');
        const gone = await newSchema(doomed.uuid, { name: shared });
        const stays = await newSchema(kept.uuid, { name: shared });
        assert.equal(await store.deleteProject(doomed.uuid), true);
        assert.equal(await store.schemaByUuid(gone.uuid), null);
        assert.deepEqual(await store.listSchemas(doomed.uuid), []);
        assert.deepEqual(await store.schemaByName(kept.uuid, shared), stays);
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
        store.resourceCounters(kind, r.projectUuid, r.name, incarnation);

      it('zeros before anything was counted', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        assert.deepEqual(await countersOf('topic', t, t.logId), ZERO);
      });

      it('adds totals, keeps the latest time, and keeps the newest rate window (same window adds up, older ones do not move it)', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        await store.addResourceCounts(batch(topicCount(t, W1, 2, at(W1, 3))));
        assert.deepEqual(await countersOf('topic', t, t.logId), {
          messages: 2,
          bytes: 20,
          lastAt: at(W1, 3),
          rateWindow: { start: W1, messages: 2 },
        });
        await store.addResourceCounts(batch(topicCount(t, W2, 4, at(W2, 1)), topicCount(t, W2, 1, at(W2, 0.5))));
        await store.addResourceCounts(batch(topicCount(t, W1, 5, at(W1, 9))));
        assert.deepEqual(await countersOf('topic', t, t.logId), {
          messages: 12,
          bytes: 120,
          lastAt: at(W2, 1),
          rateWindow: { start: W2, messages: 5 },
        });
        await store.addResourceCounts(batch(topicCount(t, W3, 7, at(W3, 2))));
        assert.deepEqual((await countersOf('topic', t, t.logId)).rateWindow, { start: W3, messages: 7 });
      });

      it('applies a batch id once', async () => {
        const p = await newProject();
        const t = await newTopic(p.uuid);
        const s = await newSubscription(p.uuid, t.name);
        const once = batch(topicCount(t, W1, 2, at(W1, 1)), subCount(s, W1, 3, at(W1, 2)));
        await store.addResourceCounts(once);
        await store.addResourceCounts(once);
        await store.addResourceCounts({ ...once });
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
        await store.addResourceCounts(batch(topicCount(t, W1, 1, W1), subCount(s, W1, 6, W1)));
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
        await store.addResourceCounts(
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
        await store.addResourceCounts(batch(topicCount(t, W1, 1, W1), subCount(s, W1, 2, W1), topicCount(qt, W1, 3, W1)));

        assert.equal(await store.deleteTopic(p.uuid, t.name), true);
        assert.deepEqual(await countersOf('topic', t, t.logId), ZERO);
        const again = await newTopic(p.uuid, { name: t.name });
        assert.deepEqual(await countersOf('topic', again, again.logId), ZERO);
        await store.addResourceCounts(batch(topicCount(t, W2, 5, W2)));
        assert.deepEqual(await countersOf('topic', again, again.logId), ZERO, 'late increments of the old topic are dropped');
        assert.deepEqual(await countersOf('topic', t, t.logId), ZERO);

        assert.equal((await countersOf('subscription', s, String(s.createdOn.getTime()))).messages, 2, 'the subscription outlives its topic');
        assert.equal(await store.deleteSubscription(p.uuid, s.name), true);
        assert.deepEqual(await countersOf('subscription', s, String(s.createdOn.getTime())), ZERO);

        assert.equal(await store.deleteProject(q.uuid), true);
        assert.deepEqual(await countersOf('topic', qt, qt.logId), ZERO);
      });

      it('an empty batch changes nothing', async () => {
        await store.addResourceCounts(batch());
      });
    });

    describe('node samples', () => {
      it('keeps one sample per host, the latest, and lists them by host', async () => {
        const a = name('node-b');
        const b = name('node-a');
        await store.putNodeSample({ host: a, cpu: 1.5, memory: 20.1, sampledAt: T0 });
        await store.putNodeSample({ host: b, cpu: 0, memory: 3, sampledAt: T0 });
        await store.putNodeSample({ host: a, cpu: 12.3, memory: 21, sampledAt: T1 });
        const mine = (await store.nodeSamples()).filter((s) => s.host === a || s.host === b);
        assert.deepEqual(mine, [
          { host: b, cpu: 0, memory: 3, sampledAt: T0 },
          { host: a, cpu: 12.3, memory: 21, sampledAt: T1 },
        ]);
      });
    });

    describe('house-keeping', () => {
      const day = (projectUuid: string, topicName: string, d: string, messages: number): DailyCount => ({
        projectUuid,
        topicName,
        day: d,
        messages,
        bytes: messages,
      });

      it('removeOrphans removes what refers to a missing project, and nothing of a project that exists', async () => {
        const ghost = randomUUID(); // a project deleted while its children were still being written
        const live = await newProject();
        const orphanTopic = await newTopic(ghost);
        const orphanSub = await newSubscription(ghost, orphanTopic.name);
        const liveTopic = await newTopic(live.uuid);
        const liveSub = await newSubscription(live.uuid, liveTopic.name);
        await store.addDailyCounts({ id: randomUUID(), counts: [day(live.uuid, liveTopic.name, '2024-06-01', 3)] });
        const both = await newUser({
          projects: [
            { projectUuid: ghost, roles: ['consumer'] },
            { projectUuid: live.uuid, roles: ['publisher'] },
          ],
        });

        const removed = await store.removeOrphans();
        assert.ok(removed.topics >= 1 && removed.subscriptions >= 1 && removed.memberships >= 1, JSON.stringify(removed));
        assert.equal(await store.topic(ghost, orphanTopic.name), null);
        assert.equal(await store.subscription(ghost, orphanSub.name), null);
        assert.deepEqual(await store.topic(live.uuid, liveTopic.name), liveTopic);
        assert.equal((await store.subscription(live.uuid, liveSub.name))?.name, liveSub.name);
        assert.deepEqual(await store.dailyCounts({ projectUuids: [live.uuid], fromDay: '2024-06-01', toDay: '2024-06-01' }), [
          day(live.uuid, liveTopic.name, '2024-06-01', 3),
        ]);
        assert.deepEqual((await store.userByUuid(both.uuid))?.projects, [{ projectUuid: live.uuid, roles: ['publisher'] }]);

        assert.deepEqual(await store.removeOrphans(), { topics: 0, subscriptions: 0, dailyCounts: 0, memberships: 0 }, 'a second sweep finds nothing');
      });

      it('topicLogIds lists the log of every topic, orphaned ones included, and no deleted one', async () => {
        const p = await newProject();
        const a = await newTopic(p.uuid);
        const b = await newTopic(randomUUID());
        const gone = await newTopic(p.uuid);
        await store.deleteTopic(p.uuid, gone.name);
        const ids = new Set(await store.topicLogIds());
        assert.ok(ids.has(a.logId) && ids.has(b.logId));
        assert.ok(!ids.has(gone.logId));
      });

      it('forgetDailyCountBatches keeps counters, and batches of later days stay idempotent', async () => {
        const p = await newProject();
        const old = { id: randomUUID(), counts: [day(p.uuid, 't', '2020-01-01', 1)] };
        const recent = { id: randomUUID(), counts: [day(p.uuid, 't', '2020-01-09', 2), day(p.uuid, 'u', '2020-01-10', 4)] };
        await store.addDailyCounts(old);
        await store.addDailyCounts(recent);
        const forgotten = await store.forgetDailyCountBatches('2020-01-09');
        assert.ok(forgotten >= 0);
        assert.equal(await store.forgetDailyCountBatches('2020-01-09'), 0, 'nothing left to forget before that day');
        await store.addDailyCounts(recent); // a retry of a batch that may still be retried: no double count
        assert.deepEqual(await store.dailyCounts({ projectUuids: [p.uuid], fromDay: '2020-01-01', toDay: '2020-01-31' }), [
          day(p.uuid, 'u', '2020-01-10', 4),
          day(p.uuid, 't', '2020-01-09', 2),
          day(p.uuid, 't', '2020-01-01', 1),
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

    describe('leaseState and compareAndSetLeases (individual ack mode)', () => {
      const lease = (offset: number, deadline: Date, deliveryAttempt = 1, leaseId = '0123456789abcdef'): LeaseRecord => ({
        offset,
        deadline,
        deliveryAttempt,
        leaseId,
      });
      const stateOf = async (projectUuid: string, sub: string): Promise<LeaseState> => {
        const found = await store.leaseState(projectUuid, sub);
        assert.ok(found !== null);
        return found;
      };

      it('a new subscription has its cursor and no leases; an unknown one has no state', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), { ackMode: 'individual' });
        assert.deepEqual(await store.leaseState(p.uuid, s.name), { cursor: s.cursor, leases: [], acked: [] });
        assert.equal(await store.leaseState(p.uuid, name('missing')), null);
        assert.equal(
          await store.compareAndSetLeases(p.uuid, name('missing'), 0, { cursor: s.cursor, leases: [], acked: [] }),
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
        assert.equal(await store.compareAndSetLeases(p.uuid, s.name, s.cursor.version, first), true);
        const stored = await stateOf(p.uuid, s.name);
        assert.notEqual(stored.cursor.version, s.cursor.version);
        assert.deepEqual({ ...stored, cursor: { ...stored.cursor, version: 0 } }, { ...first, cursor: { ...first.cursor, version: 0 } });
        assert.equal((await store.subscription(p.uuid, s.name))?.cursor.version, stored.cursor.version, 'one version');

        // Some leases change, one goes, one stays; an acknowledged offset is forgotten as the floor passes it.
        const second: NewLeaseState = {
          cursor: { ackFloor: 3, readOffset: 6, window: null },
          leases: [lease(3, T2, 2, 'fedcba9876543210'), lease(4, T2, 1, '1111111111111111')],
          acked: [5],
        };
        assert.equal(await store.compareAndSetLeases(p.uuid, s.name, stored.cursor.version, second), true);
        const again = await stateOf(p.uuid, s.name);
        assert.deepEqual({ ...again, cursor: { ...again.cursor, version: 0 } }, { ...second, cursor: { ...second.cursor, version: 0 } });
      });

      it('refuses a stale version and changes nothing', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), { ackMode: 'individual' });
        const next: NewLeaseState = { cursor: { ackFloor: 0, readOffset: 1, window: null }, leases: [lease(0, T1)], acked: [] };
        assert.equal(await store.compareAndSetLeases(p.uuid, s.name, s.cursor.version, next), true);
        const current = await stateOf(p.uuid, s.name);
        const stale: NewLeaseState = { cursor: { ackFloor: 5, readOffset: 9, window: null }, leases: [], acked: [7] };
        assert.equal(await store.compareAndSetLeases(p.uuid, s.name, s.cursor.version, stale), false);
        assert.deepEqual(await stateOf(p.uuid, s.name), current);
      });

      it('races with compareAndSetCursor on the same version: exactly one wins', async () => {
        const p = await newProject();
        const s = await newSubscription(p.uuid, name('t'), { ackMode: 'individual' });
        const leased: NewLeaseState = { cursor: { ackFloor: 0, readOffset: 2, window: null }, leases: [lease(0, T1), lease(1, T1)], acked: [] };
        const results = await Promise.all([
          store.compareAndSetLeases(p.uuid, s.name, s.cursor.version, leased),
          store.compareAndSetLeases(p.uuid, s.name, s.cursor.version, { ...leased, leases: [lease(0, T2)], cursor: { ...leased.cursor, readOffset: 1 } }),
          store.compareAndSetCursor(p.uuid, s.name, s.cursor.version, { ackFloor: 9, readOffset: 9, window: null }),
        ]);
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('deleting the subscription or its project removes its leases', async () => {
        const p = await newProject();
        const t = name('t');
        const s = await newSubscription(p.uuid, t, { ackMode: 'individual' });
        const next: NewLeaseState = { cursor: { ackFloor: 0, readOffset: 3, window: null }, leases: [lease(0, T1), lease(2, T1)], acked: [1] };
        assert.equal(await store.compareAndSetLeases(p.uuid, s.name, s.cursor.version, next), true);
        assert.equal(await store.deleteSubscription(p.uuid, s.name), true);
        const reborn = await newSubscription(p.uuid, t, { name: s.name, ackMode: 'individual' });
        assert.deepEqual(await store.leaseState(p.uuid, s.name), { cursor: reborn.cursor, leases: [], acked: [] });

        const other = await newSubscription(p.uuid, t, { ackMode: 'individual' });
        assert.equal(await store.compareAndSetLeases(p.uuid, other.name, other.cursor.version, next), true);
        assert.equal(await store.deleteProject(p.uuid), true);
        assert.equal(await store.leaseState(p.uuid, other.name), null);
      });
    });
  });
}
