import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, type RunningApp, startApp, unique } from '../support/app.js';
import { amsError, type Reply } from '../support/client.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';
import { PushReceiver } from '../support/push-receiver.js';
import { type MatrixRow, type ProjectRoleName, ROLE_MATRIX, routeKey, type ServiceRole } from './role-matrix.table.js';

/**
 * Spec 2.1 / 2.3: every route of the service x every kind of caller, generated from ROLE_MATRIX. A caller is refused
 * exactly when the spec says so (401 or 403, in the pipeline's order) and otherwise gets a 200, because every case
 * prepares the resources its call needs (fresh ones where the call changes or removes them).
 */

const SERVICE_TOKEN = 'e2e-service-token-0123456789';
const UNKNOWN_TOKEN = 'no-such-token-0123456789abcdef';

type Kind = 'none' | 'unknown' | 'service-token' | 'user';

interface Identity {
  readonly label: string;
  readonly kind: Kind;
  /** Service roles of the user (the service token acts as service_admin). */
  readonly service: readonly ServiceRole[];
  /** Roles in the test project P (and in the fresh projects made for destructive project calls). */
  readonly project: readonly ProjectRoleName[];
}

const IDENTITIES: readonly Identity[] = [
  { label: 'service_admin', kind: 'user', service: ['service_admin'], project: [] },
  { label: 'service token', kind: 'service-token', service: ['service_admin'], project: [] },
  { label: 'project_admin', kind: 'user', service: [], project: ['project_admin'] },
  { label: 'publisher', kind: 'user', service: [], project: ['publisher'] },
  { label: 'consumer', kind: 'user', service: [], project: ['consumer'] },
  { label: 'push_worker', kind: 'user', service: ['push_worker'], project: [] },
  { label: 'admin_viewer', kind: 'user', service: ['admin_viewer'], project: [] },
  { label: 'metrics_viewer', kind: 'user', service: ['metrics_viewer'], project: [] },
  { label: 'register_admin', kind: 'user', service: ['register_admin'], project: [] },
  { label: 'argo_api_authn', kind: 'user', service: ['argo_api_authn'], project: [] },
  // every project role, but in another project only
  { label: 'outsider', kind: 'user', service: [], project: [] },
  // a member of P whose membership carries no role
  { label: 'member without roles', kind: 'user', service: [], project: [] },
  { label: 'user without roles', kind: 'user', service: [], project: [] },
  { label: 'unknown token', kind: 'unknown', service: [], project: [] },
  { label: 'no token', kind: 'none', service: [], project: [] },
];

type Expected = 'allowed' | 401 | 403;

/** Spec 2.1: no token or an unknown one -> 401; no role that counts -> 401; no role of the row -> 403. */
function expectation(row: MatrixRow, id: Identity): Expected {
  if (row.roles === 'open') return 'allowed';
  if (row.roles === 'open-user') return id.kind === 'user' ? 'allowed' : 401;
  if (id.kind === 'none' || id.kind === 'unknown') return 401;
  const roles = new Set<string>(id.service);
  // Project roles count only on routes with a {project}; project create names a new project here, so none count.
  if (row.path.includes('{project}') && row.action !== 'projects:create') for (const r of id.project) roles.add(r);
  if (roles.size === 0) return 401;
  return row.roles.some((r) => roles.has(r)) ? 'allowed' : 403;
}

interface Prepared {
  readonly params?: Record<string, string>;
  readonly body?: unknown;
  readonly query?: string;
  /** After a refusal: the resource the call would have changed is untouched. */
  readonly untouched?: () => Promise<void>;
}

interface World {
  readonly app: RunningApp;
  readonly project: ProjectFixture;
  readonly topic: string;
  readonly sub: string;
  /** A JSON schema of P (SCHEMA_DOCUMENT) that no topic uses. */
  readonly schema: string;
  readonly publisher: { name: string; token: string; uuid: string };
  readonly tokens: Map<string, string | undefined>;
  readonly names: Map<string, string>;
  readonly receiver: PushReceiver;
}

const exists = async (w: World, path: string): Promise<void> => {
  const reply = await w.app.admin.get(path);
  assert.equal(reply.status, 200, `${path} should still exist: ${reply.text}`);
};

async function freshUser(w: World): Promise<string> {
  const name = unique('target');
  const reply = await w.app.admin.post(`/v1/users/${name}`, { email: `${name}@example.org` });
  assert.equal(reply.status, 200, reply.text);
  return name;
}

async function freshMember(w: World): Promise<string> {
  const name = unique('member');
  const reply = await w.app.admin.post(`/v1/projects/${w.project.name}/members/${name}`, {
    email: `${name}@example.org`,
    projects: [{ project: w.project.name, roles: ['consumer'] }],
  });
  assert.equal(reply.status, 200, reply.text);
  return name;
}

/** A new project in which the identity holds the roles it holds in P, for calls that change or remove a project. */
async function freshProjectFor(w: World, id: Identity): Promise<string> {
  const name = unique('rmp');
  const created = await w.app.admin.post(`/v1/projects/${name}`, { description: 'role matrix' });
  assert.equal(created.status, 200, created.text);
  const user = w.names.get(id.label);
  if (user !== undefined && id.project.length > 0) {
    const added = await w.app.admin.post(`/v1/projects/${name}/members/${user}:add`, { roles: id.project });
    assert.equal(added.status, 200, added.text);
  }
  return name;
}

/** A fresh subscription of the shared topic with one pulled, not yet acknowledged message; returns name and ackId. */
async function pendingAck(w: World): Promise<{ sub: string; ackId: string }> {
  const sub = await w.project.subscription(w.topic);
  const base = `/v1/projects/${w.project.name}`;
  const published = await w.app.admin.post(`${base}/topics/${w.topic}:publish`, { messages: [{ data: 'YWNr' }] });
  assert.equal(published.status, 200, published.text);
  const pulled = await w.app.admin.post(`${base}/subscriptions/${sub}:pull`, { maxMessages: '1' });
  assert.equal(pulled.status, 200, pulled.text);
  return { sub, ackId: pulled.body.receivedMessages[0].ackId as string };
}

/** A new pending registration (by the bootstrap admin); returns its uuid. */
async function pendingRegistration(w: World): Promise<string> {
  const name = unique('signup');
  const reply = await w.app.admin.post('/v1/registrations', { name, email: `${name}@example.org` });
  assert.equal(reply.status, 200, reply.text);
  return reply.body.uuid as string;
}

/** The registration is still pending: a refused decision changed nothing. */
async function stillPending(w: World, uuid: string): Promise<void> {
  const reply = await w.app.admin.get(`/v1/registrations/${uuid}`);
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.body.status, 'pending');
}

const SCHEMA_DOCUMENT = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

async function freshSchema(w: World): Promise<string> {
  const name = unique('schema');
  const reply = await w.app.admin.post(`/v1/projects/${w.project.name}/schemas/${name}`, { type: 'json', schema: SCHEMA_DOCUMENT });
  assert.equal(reply.status, 200, reply.text);
  return name;
}

type Preparation = (w: World, id: Identity) => Promise<Prepared>;

/**
 * What each call needs beyond the shared project P, topic T (publisher in its ACL), subscription S (consumer in its
 * ACL) and the publisher user (for user lookups). Rows not listed here only read those.
 */
const PREPARE: Record<string, Preparation> = {
  [routeKey('POST', '/v1/projects/{project}')]: async () => ({
    params: { project: unique('new') },
    body: { description: 'created by the role matrix' },
  }),
  [routeKey('PUT', '/v1/projects/{project}')]: async () => ({ body: { description: 'updated by the role matrix' } }),
  [routeKey('DELETE', '/v1/projects/{project}')]: async (w, id) => {
    const project = await freshProjectFor(w, id);
    return { params: { project }, untouched: () => exists(w, `/v1/projects/${project}`) };
  },

  [routeKey('POST', '/v1/projects/{project}/members/{user}')]: async (w) => ({
    params: { user: unique('newmember') },
    body: { email: 'new@example.org', projects: [{ project: w.project.name, roles: ['consumer'] }] },
  }),
  [routeKey('PUT', '/v1/projects/{project}/members/{user}')]: async (w) => ({
    params: { user: await freshMember(w) },
    body: { projects: [{ project: w.project.name, roles: ['publisher'] }] },
  }),
  [routeKey('POST', '/v1/projects/{project}/members/{user}:add')]: async (w) => ({
    params: { user: await freshUser(w) },
    body: { roles: ['consumer'] },
  }),
  [routeKey('POST', '/v1/projects/{project}/members/{user}:remove')]: async (w) => {
    const user = await freshMember(w);
    return { params: { user }, untouched: () => exists(w, `/v1/projects/${w.project.name}/members/${user}`) };
  },

  [routeKey('POST', '/v1/users/{user}')]: async () => ({ params: { user: unique('newuser') }, body: { email: 'n@example.org' } }),
  [routeKey('PUT', '/v1/users/{user}')]: async (w) => ({ params: { user: await freshUser(w) }, body: { first_name: 'Changed' } }),
  [routeKey('DELETE', '/v1/users/{user}')]: async (w) => {
    const user = await freshUser(w);
    return { params: { user }, untouched: () => exists(w, `/v1/users/${user}`) };
  },
  [routeKey('POST', '/v1/users/{user}:refreshToken')]: async (w) => ({ params: { user: await freshUser(w) } }),

  [routeKey('POST', '/v1/registrations')]: async () => ({ body: { name: unique('signup'), email: 's@example.org' } }),
  [routeKey('GET', '/v1/registrations/{uuid}')]: async (w) => ({ params: { uuid: await pendingRegistration(w) } }),
  [routeKey('POST', '/v1/registrations/{uuid}:accept')]: async (w) => {
    const uuid = await pendingRegistration(w);
    return { params: { uuid }, untouched: () => stillPending(w, uuid) };
  },
  [routeKey('POST', '/v1/registrations/{uuid}:decline')]: async (w) => {
    const uuid = await pendingRegistration(w);
    return { params: { uuid }, body: { comment: 'role matrix' }, untouched: () => stillPending(w, uuid) };
  },
  [routeKey('DELETE', '/v1/registrations/{uuid}')]: async (w) => {
    const uuid = await pendingRegistration(w);
    return { params: { uuid }, untouched: () => stillPending(w, uuid) };
  },

  [routeKey('PUT', '/v1/projects/{project}/topics/{topic}')]: async () => ({ params: { topic: unique('newtopic') } }),
  [routeKey('DELETE', '/v1/projects/{project}/topics/{topic}')]: async (w) => {
    const topic = await w.project.topic();
    return { params: { topic }, untouched: () => exists(w, `/v1/projects/${w.project.name}/topics/${topic}`) };
  },
  [routeKey('POST', '/v1/projects/{project}/topics/{topic}:publish')]: async () => ({
    body: { messages: [{ data: 'aGVsbG8=', attributes: { from: 'role-matrix' } }] },
  }),
  [routeKey('POST', '/v1/projects/{project}/topics/{topic}:modifyAcl')]: async (w) => ({
    params: { topic: await w.project.topic() },
    body: { authorized_users: [w.publisher.name] },
  }),

  // a fresh topic: a schema on the shared one would reject the publishes of other rows
  [routeKey('POST', '/v1/projects/{project}/topics/{topic}:attachSchema')]: async (w) => {
    const topic = await w.project.topic();
    const shown = (): Promise<void> => exists(w, `/v1/projects/${w.project.name}/topics/${topic}`);
    return {
      params: { topic },
      body: { schema: `projects/${w.project.name}/schemas/${w.schema}` },
      untouched: async () => {
        await shown();
        const reply = await w.app.admin.get(`/v1/projects/${w.project.name}/topics/${topic}`);
        assert.equal(reply.body.schema, undefined, 'no schema was attached');
      },
    };
  },

  [routeKey('POST', '/v1/projects/{project}/schemas/{schema}')]: async () => ({
    params: { schema: unique('newschema') },
    body: { type: 'json', schema: SCHEMA_DOCUMENT },
  }),
  [routeKey('PUT', '/v1/projects/{project}/schemas/{schema}')]: async (w) => ({
    params: { schema: await freshSchema(w) },
    body: { type: 'JSON', schema: { ...SCHEMA_DOCUMENT, required: [] } },
  }),
  [routeKey('DELETE', '/v1/projects/{project}/schemas/{schema}')]: async (w) => {
    const schema = await freshSchema(w);
    return { params: { schema }, untouched: () => exists(w, `/v1/projects/${w.project.name}/schemas/${schema}`) };
  },
  [routeKey('POST', '/v1/projects/{project}/schemas/{schema}:validate')]: async () => ({ body: { name: 'valid' } }),

  [routeKey('PUT', '/v1/projects/{project}/subscriptions/{subscription}')]: async (w) => ({
    params: { subscription: unique('newsub') },
    body: { topic: `projects/${w.project.name}/topics/${w.topic}` },
  }),
  [routeKey('DELETE', '/v1/projects/{project}/subscriptions/{subscription}')]: async (w) => {
    const subscription = await w.project.subscription(w.topic);
    return {
      params: { subscription },
      untouched: () => exists(w, `/v1/projects/${w.project.name}/subscriptions/${subscription}`),
    };
  },
  [routeKey('POST', '/v1/projects/{project}/subscriptions/{subscription}:pull')]: async () => ({ body: { maxMessages: '1' } }),
  [routeKey('POST', '/v1/projects/{project}/subscriptions/{subscription}:acknowledge')]: async (w) => {
    const { sub, ackId } = await pendingAck(w);
    return { params: { subscription: sub }, body: { ackIds: [ackId] } };
  },
  [routeKey('POST', '/v1/projects/{project}/subscriptions/{subscription}:modifyAckDeadline')]: async () => ({
    body: { ackDeadlineSeconds: 30 },
  }),
  [routeKey('POST', '/v1/projects/{project}/subscriptions/{subscription}:modifyPushConfig')]: async (w) => ({
    params: { subscription: await w.project.subscription(w.topic) },
    body: { pushConfig: {} },
  }),
  [routeKey('POST', '/v1/projects/{project}/subscriptions/{subscription}:verifyPushEndpoint')]: async (w) => {
    // a push subscription to the test's own receiver, which answers its hash (the app allows http and 127.0.0.1)
    const topic = `projects/${w.project.name}/topics/${w.topic}`;
    const name = unique('push');
    const created = await w.app.admin.put(`/v1/projects/${w.project.name}/subscriptions/${name}`, {
      topic,
      pushConfig: { type: 'http_endpoint', pushEndpoint: `${w.receiver.url}/push` },
    });
    assert.equal(created.status, 200, created.text);
    w.receiver.verificationHash = created.body.pushConfig.verificationHash as string;
    return { params: { subscription: name } };
  },
  [routeKey('POST', '/v1/projects/{project}/subscriptions/{subscription}:modifyOffset')]: async (w) => ({
    // a new topic and subscription: min = max = 0
    params: { subscription: await w.project.subscription(await w.project.topic()) },
    body: { offset: 0 },
  }),
  [routeKey('GET', '/v1/projects/{project}/subscriptions/{subscription}:timeToOffset')]: async () => ({
    query: 'time=2000-01-01T00:00:00.000Z',
  }),
  [routeKey('POST', '/v1/projects/{project}/subscriptions/{subscription}:modifyAcl')]: async (w) => {
    const consumer = w.names.get('consumer') as string;
    return { params: { subscription: await w.project.subscription(w.topic) }, body: { authorized_users: [consumer] } };
  },
};

function fill(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    assert.ok(value !== undefined, `no value for {${name}} in ${path}`);
    return encodeURIComponent(value);
  });
}

function assertRefused(reply: Reply, code: 401 | 403): void {
  assert.equal(reply.status, code, reply.text);
  assert.deepEqual(
    reply.body,
    code === 401
      ? amsError(401, 'UNAUTHORIZED', 'Unauthorized')
      : amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'),
  );
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
}

describe('route x role matrix (spec 2.1, 2.3)', () => {
  let world: World;

  before(async () => {
    const app = await startApp({ AMS_SERVICE_TOKEN: SERVICE_TOKEN, AMS_PUSH_ALLOW_HTTP: 'true', AMS_PUSH_ALLOW_PRIVATE: 'true' });
    const receiver = await new PushReceiver().start();
    const project = await newProject(app, 'rm');
    const other = await newProject(app, 'rmq');
    const tokens = new Map<string, string | undefined>();
    const names = new Map<string, string>();
    const keep = (label: string, user: { name: string; token: string }): void => {
      tokens.set(label, user.token);
      names.set(label, user.name);
    };

    tokens.set('service_admin', ADMIN_TOKEN);
    names.set('service_admin', app.config.adminUser);
    tokens.set('service token', SERVICE_TOKEN);
    tokens.set('unknown token', UNKNOWN_TOKEN);
    tokens.set('no token', undefined);
    keep('project_admin', await project.user(['project_admin']));
    const publisher = await project.user(['publisher']);
    keep('publisher', publisher);
    keep('consumer', await project.user(['consumer']));
    keep('member without roles', await project.user([]));
    keep('outsider', await other.user(['project_admin', 'publisher', 'consumer']));
    for (const id of IDENTITIES.filter((i) => i.kind === 'user' && i.project.length === 0 && !names.has(i.label))) {
      const name = unique(id.label.replace(/\W+/g, '_'));
      const reply = await app.admin.post(`/v1/users/${name}`, { email: `${name}@example.org`, service_roles: id.service });
      assert.equal(reply.status, 200, reply.text);
      keep(id.label, { name, token: reply.body.token as string });
    }

    const topic = await project.topic();
    const sub = await project.subscription(topic);
    const base = `/v1/projects/${project.name}`;
    for (const [path, user] of [[`${base}/topics/${topic}:modifyAcl`, publisher.name], [`${base}/subscriptions/${sub}:modifyAcl`, names.get('consumer')]]) {
      const reply = await app.admin.post(path as string, { authorized_users: [user] });
      assert.equal(reply.status, 200, reply.text);
    }
    // one message in T (offset 0) for timeToOffset
    const published = await app.admin.post(`${base}/topics/${topic}:publish`, { messages: [{ data: 'Zmlyc3Q=' }] });
    assert.equal(published.status, 200, published.text);
    const shown = await app.admin.get(`/v1/users/${publisher.name}`);
    assert.equal(shown.status, 200, shown.text);
    const schema = unique('schema');
    const schemaCreated = await app.admin.post(`${base}/schemas/${schema}`, { type: 'json', schema: SCHEMA_DOCUMENT });
    assert.equal(schemaCreated.status, 200, schemaCreated.text);

    world = {
      app,
      project,
      topic,
      sub,
      schema,
      publisher: { name: publisher.name, token: publisher.token, uuid: shown.body.uuid as string },
      tokens,
      names,
      receiver,
    };
  });

  after(async () => {
    await world?.app.close();
    await world?.receiver.close();
  });

  it('every identity of the matrix was set up', () => {
    for (const id of IDENTITIES) assert.ok(world.tokens.has(id.label), id.label);
  });

  it('GET /v1/status?details=true: admin users only; unknown token 403, known non-admin 401 (swapped, spec 3.8)', async () => {
    for (const id of IDENTITIES) {
      const reply = await world.app.client(world.tokens.get(id.label)).get('/v1/status?details=true');
      const admin = id.kind === 'user' && (id.service.includes('service_admin') || id.service.includes('admin_viewer'));
      if (admin) {
        assert.equal(reply.status, 200, `${id.label}: ${reply.text}`);
      } else {
        // no token, an unknown token and the service token (no user) -> 403; a user without those roles -> 401
        assert.equal(reply.status, id.kind === 'user' ? 401 : 403, `${id.label}: ${reply.text}`);
        assertRefused(reply, reply.status as 401 | 403);
      }
    }
  });

  it('GET /v1/version shows `release` to service_admin and admin_viewer users only (spec 3.8)', async () => {
    for (const id of IDENTITIES) {
      const reply = await world.app.client(world.tokens.get(id.label)).get('/v1/version');
      assert.equal(reply.status, 200, `${id.label}: ${reply.text}`);
      const admin = id.kind === 'user' && (id.service.includes('service_admin') || id.service.includes('admin_viewer'));
      assert.equal('release' in reply.body, admin, id.label);
    }
  });

  for (const row of ROLE_MATRIX) {
    describe(`${row.method} ${row.path} (${row.action ?? 'open'})`, () => {
      for (const id of IDENTITIES) {
        const expected = expectation(row, id);
        it(`${id.label}: ${expected === 'allowed' ? '200' : expected}`, async () => {
          const prepare = PREPARE[routeKey(row.method, row.path)];
          const prepared = prepare === undefined ? {} : await prepare(world, id);
          const params = {
            project: world.project.name,
            topic: world.topic,
            subscription: world.sub,
            schema: world.schema,
            user: world.publisher.name,
            token: world.publisher.token,
            uuid: world.publisher.uuid,
            ...prepared.params,
          };
          const path = fill(row.path, params) + (prepared.query === undefined ? '' : `?${prepared.query}`);
          const client = world.app.client(world.tokens.get(id.label));
          const reply = await client.request(row.method, path, { body: prepared.body });

          if (expected === 'allowed') {
            assert.equal(reply.status, 200, `${row.method} ${path} as ${id.label}: ${reply.text}`);
          } else {
            assertRefused(reply, expected);
            await prepared.untouched?.();
          }
        });
      }
    });
  }
});

describe('unknown project: 404 after the missing-token check, before the token is looked at (spec 2.1)', () => {
  let app: RunningApp;
  let outsiderToken: string;
  let paToken: string;

  before(async () => {
    app = await startApp({ AMS_SERVICE_TOKEN: SERVICE_TOKEN });
    const project = await newProject(app, 'rmu');
    paToken = (await project.user(['project_admin'])).token;
    outsiderToken = (await (await newProject(app, 'rmo')).user(['publisher', 'consumer'])).token;
  });
  after(async () => {
    await app.close();
  });

  const projectRows = ROLE_MATRIX.filter((row) => row.path.includes('{project}') && row.action !== 'projects:create');
  const params: Record<string, string> = {
    project: 'no-such-project',
    topic: 't',
    subscription: 's',
    schema: 'sch',
    user: 'u',
  };
  for (const row of projectRows) {
    it(`${row.method} ${row.path}`, async () => {
      const path = fill(row.path, params);
      const body = row.method === 'POST' || row.method === 'PUT' ? {} : undefined;
      const none = await app.client().request(row.method, path, { body });
      assertRefused(none, 401);
      for (const [label, token] of [
        ['unknown token', UNKNOWN_TOKEN],
        ['service_admin', ADMIN_TOKEN],
        ['service token', SERVICE_TOKEN],
        ['project_admin of another project', paToken],
        ['outsider', outsiderToken],
      ]) {
        const reply = await app.client(token).request(row.method, path, { body });
        assert.equal(reply.status, 404, `${label}: ${reply.text}`);
        assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "project doesn't exist"), label);
      }
    });
  }

  it('project create needs no existing project: a refusal there is about roles, never 404', async () => {
    const path = `/v1/projects/${unique('fresh')}`;
    assertRefused(await app.client(paToken).post(path, {}), 401);
    assertRefused(await app.client(UNKNOWN_TOKEN).post(path, {}), 401);
    assert.equal((await app.client(SERVICE_TOKEN).post(path, {})).status, 200);
  });
});
