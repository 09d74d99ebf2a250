import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import type { Page, PageQuery } from '../../src/common/pagination.js';
import type { CounterStore } from '../../src/storage/ports/counter-store.repository.js';
import type { ProjectStore } from '../../src/storage/ports/project-store.repository.js';
import type { RegistrationStore } from '../../src/storage/ports/registration-store.repository.js';
import type { SchemaStore } from '../../src/storage/ports/schema-store.repository.js';
import type { SubscriptionStore } from '../../src/storage/ports/subscription-store.repository.js';
import type { TopicStore } from '../../src/storage/ports/topic-store.repository.js';
import type { UserStore } from '../../src/storage/ports/user-store.repository.js';
import type {
  DailyCount,
  ProjectRecord,
  PushConfigRecord,
  RegistrationRecord,
  SchemaRecord,
  SubscriptionRecord,
  TopicRecord,
  UserRecord,
} from '../../src/storage/ports/records.js';
import type { OpenHarness } from './harness.js';

/**
 * Records, helpers and the set of ports the store contract suites (`<port>-store.contract.ts`) share. Each suite
 * tests one port, and sets its cases up through the other ports of the same backend (a topic needs a project).
 */

// Millisecond precision: what every backend keeps.
export const T0 = new Date('2024-03-01T10:00:05.123Z');
export const T1 = new Date('2024-03-02T11:30:00.456Z');
export const T2 = new Date('2024-03-02T11:31:10.789Z');

export const name = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export function project(overrides: Partial<ProjectRecord> = {}): ProjectRecord {
  return { uuid: randomUUID(), name: name('p'), description: 'a project', createdOn: T0, modifiedOn: T0, createdBy: null, ...overrides };
}

export function user(overrides: Partial<UserRecord> = {}): UserRecord {
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

export function registration(overrides: Partial<RegistrationRecord> = {}): RegistrationRecord {
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

export function topic(projectUuid: string, overrides: Partial<TopicRecord> = {}): TopicRecord {
  return {
    projectUuid,
    name: name('t'),
    logId: randomUUID(),
    schemaUuid: null,
    authorizedUsers: [],
    createdOn: T0,
    retentionSeconds: null,
    ...overrides,
  };
}

export function subscription(projectUuid: string, topicName: string, overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
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
    expirationTtlSeconds: null,
    expiresAt: null,
    ...overrides,
  };
}

/** A JSON Schema with keys MongoDB would not take as field names ($-prefixed, dotted) and a nested array. */
export function schema(projectUuid: string, overrides: Partial<SchemaRecord> = {}): SchemaRecord {
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

export const AVRO_DOCUMENT = {
  type: 'record',
  name: 'User',
  fields: [
    { name: 'zeta', type: 'string' },
    { name: 'alpha', type: 'int' },
  ],
};

export const PUSH: PushConfigRecord = {
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

/** A daily counter whose bytes equal its messages. */
export const day = (projectUuid: string, topicName: string, d: string, messages: number): DailyCount => ({
  projectUuid,
  topicName,
  day: d,
  messages,
  bytes: messages,
});

export const sorted = (names: readonly string[]): string[] => [...names].sort();

/**
 * Walks a list page by page and checks: newest first, the given page size, `total` on every page, a position for
 * every page but the last, and null for a position the store never handed out.
 */
export async function checkPaging<T>(
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

/** The metadata ports of one backend, on one store. */
export interface Stores {
  readonly projects: ProjectStore;
  readonly users: UserStore;
  readonly topics: TopicStore;
  readonly subscriptions: SubscriptionStore;
  readonly schemas: SchemaStore;
  readonly registrations: RegistrationStore;
  readonly counters: CounterStore;
}

/**
 * Opens the backend's ports before the suite and closes them after it. The answer is filled in by `before`, so the
 * cases of the suite read it; the creators make a record and assert that the store took it.
 */
export function useStores(open: OpenHarness<Stores>) {
  const store = {} as { -readonly [K in keyof Stores]: Stores[K] };
  let close = async (): Promise<void> => {};
  before(async () => {
    const harness = await open();
    Object.assign(store, harness.port);
    close = () => harness.close();
  });
  after(async () => {
    await close();
  });

  async function newProject(overrides: Partial<ProjectRecord> = {}): Promise<ProjectRecord> {
    const p = project(overrides);
    assert.equal(await store.projects.createProject(p), true);
    return p;
  }

  async function newUser(overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
    const u = user(overrides);
    assert.equal(await store.users.createUser(u), true);
    return u;
  }

  async function newTopic(projectUuid: string, overrides: Partial<TopicRecord> = {}): Promise<TopicRecord> {
    const t = topic(projectUuid, overrides);
    assert.equal(await store.topics.createTopic(t), true);
    return t;
  }

  async function newSubscription(
    projectUuid: string,
    topicName: string,
    overrides: Partial<SubscriptionRecord> = {},
  ): Promise<SubscriptionRecord> {
    const created = subscription(projectUuid, topicName, overrides);
    assert.equal(await store.subscriptions.createSubscription(created), true);
    return created;
  }

  return { store: store as Stores, newProject, newUser, newTopic, newSubscription };
}
