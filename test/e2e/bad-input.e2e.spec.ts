import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, type RunningApp, startApp, unique } from '../support/app.js';
import { amsError, type Reply } from '../support/client.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';
import { ROLE_MATRIX } from './role-matrix.table.js';

/**
 * What the service does with input it should refuse or tolerate: path names (spec 1.1), request bodies (1.3), unknown
 * routes and methods (1.1), size limits (4.1, 8.4), tokens (1.2), CORS (1.1) and the error envelope (1.4, 1.9).
 * Whatever goes wrong, the answer is the AMS envelope with `code` = the HTTP status, never a stack trace, never an
 * unplanned 500.
 */

/** spec 1.9: the status strings each code may carry (414 is ours: a path variable over the router's limit). */
const STATUS_STRINGS: Record<number, readonly string[]> = {
  400: ['INVALID_ARGUMENT', 'BAD_REQUEST'],
  401: ['UNAUTHORIZED'],
  403: ['FORBIDDEN'],
  404: ['NOT_FOUND'],
  408: ['TIMEOUT'],
  409: ['ALREADY_EXISTS', 'CONFLICT'],
  413: ['INVALID_ARGUMENT'],
  500: ['INTERNAL_SERVER_ERROR'],
};

const LEAKS = /\n\s+at |node_modules|\/src\/|\/build\/|\.[jt]s:\d+|FST_|statusCode|Error:|TypeError|SyntaxError/;

/** The body is the envelope `{"error":{"code","message","status"}}` with `code` = HTTP status, sent as JSON. */
function assertEnvelope(reply: Reply, code?: number, message?: string, status?: string): void {
  const where = `${reply.status} ${reply.text}`;
  if (code !== undefined) assert.equal(reply.status, code, where);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/, `content-type of ${where}`);
  assert.ok(typeof reply.body === 'object' && reply.body !== null, where);
  const body = reply.body as { error?: { code?: unknown; message?: unknown; status?: unknown } };
  assert.deepEqual(Object.keys(body), ['error'], where);
  assert.deepEqual(Object.keys(body.error ?? {}).sort(), ['code', 'message', 'status'], where);
  assert.equal(body.error?.code, reply.status, where);
  assert.equal(typeof body.error?.message, 'string', where);
  assert.equal(typeof body.error?.status, 'string', where);
  const allowed = STATUS_STRINGS[reply.status];
  if (allowed !== undefined) assert.ok(allowed.includes(body.error?.status as string), where);
  if (message !== undefined) assert.equal(body.error?.message, message, where);
  if (status !== undefined) assert.equal(body.error?.status, status, where);
  assert.doesNotMatch(reply.text, LEAKS, where);
}

/** Anything but a 5xx; an error carries the envelope. */
function assertHandled(reply: Reply, what: string): void {
  assert.ok(reply.status < 500, `${what}: ${reply.status} ${reply.text}`);
  if (reply.status >= 400) assertEnvelope(reply);
  assert.doesNotMatch(reply.text, LEAKS, what);
}

interface RawOptions {
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  readonly chunked?: boolean;
}

/**
 * A request exactly as given: unlike fetch, node:http adds no Content-Type, so this is how the Python client's bodies
 * (JSON without any Content-Type) look on the wire.
 */
function raw(baseUrl: string, method: string, path: string, options: RawOptions = {}): Promise<Reply<any>> {
  const url = new URL(path, baseUrl);
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined && !options.chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text === '' ? '' : JSON.parse(text);
        } catch {
          // not JSON
        }
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
        }
        resolve({ status: response.statusCode ?? 0, body: parsed, text, headers: responseHeaders });
      });
    });
    request.on('error', reject);
    if (body !== undefined && options.chunked) {
      const half = Math.floor(body.length / 2);
      request.write(body.subarray(0, half));
      request.end(body.subarray(half));
    } else {
      request.end(body);
    }
  });
}

const admin = { 'x-api-key': ADMIN_TOKEN };

describe('bad input', () => {
  let app: RunningApp;
  let project: ProjectFixture;
  let base: string;
  let topic: string;
  let sub: string;
  let memberName: string;

  before(async () => {
    app = await startApp();
    project = await newProject(app, 'bad');
    base = `/v1/projects/${project.name}`;
    topic = await project.topic();
    sub = await project.subscription(topic);
    memberName = (await project.user(['consumer'])).name;
  });
  after(async () => {
    await app.close();
  });

  describe('path variables (spec 1.1): 400 `Invalid <var> name` before authentication', () => {
    const VALID: Record<string, string> = { project: 'p', topic: 't', subscription: 's', schema: 'sch', user: 'u', token: 'abc', uuid: 'abc-1' };
    const rows = ROLE_MATRIX.filter((row) => row.path.includes('{'));

    for (const row of rows) {
      const vars = [...row.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      it(`${row.method} ${row.path}: each variable, then all at once (alphabetical order)`, async () => {
        const fill = (bad: Set<string>): string =>
          row.path.replace(/\{(\w+)\}/g, (_, name: string) => (bad.has(name) ? 'bad.name' : VALID[name]));
        const body = row.method === 'POST' || row.method === 'PUT' ? '{}' : undefined;
        for (const name of vars) {
          // no token, an unknown project: the name check still wins
          const reply = await app.client().request(row.method, fill(new Set([name])), { body });
          assertEnvelope(reply, 400, `Invalid ${name} name`, 'INVALID_ARGUMENT');
        }
        const first = [...vars].sort()[0];
        for (const token of [undefined, ADMIN_TOKEN, 'unknown-token-123']) {
          const reply = await app.client(token).request(row.method, fill(new Set(vars)), { body });
          assertEnvelope(reply, 400, `Invalid ${first} name`, 'INVALID_ARGUMENT');
        }
      });
    }

    const SAMPLES = ['a.b', 'a%20b', 'a~b', 'a!b', 'a*b', "a'b", 'a@b', 'a+b', 'a,b', 'a%2Fb', 'a%3Ab', 'a:b', '%C3%A9', 'caf%C3%A9', '%F0%9F%9A%80', 'a%00b', 'a%0Ab'];
    for (const sample of SAMPLES) {
      it(`"${decodeURIComponent(sample)}" is no name`, async () => {
        assertEnvelope(await app.admin.get(`/v1/projects/${sample}`), 400, 'Invalid project name');
        assertEnvelope(await app.admin.get(`${base}/topics/${sample}`), 400, 'Invalid topic name');
        // A `:` or an encoded `/` ends the variable of a `:verb` route, so the router finds no POST route there (405).
        if (!/[:/]/.test(decodeURIComponent(sample))) {
          assertEnvelope(await app.admin.post(`${base}/subscriptions/${sample}:pull`, {}), 400, 'Invalid subscription name');
        }
      });
    }

    it('names of letters, digits, `_` and `-` pass the check', async () => {
      const reply = await app.admin.get(`${base}/topics/Az09_-x`);
      assertEnvelope(reply, 404, "Topic doesn't exist");
    });

    it('a malformed percent-encoding or an over-long name is an enveloped 4xx, not a framework error', async () => {
      for (const path of [`/v1/projects/%zz`, `${base}/topics/%E0%A4%A`, `/v1/projects/${'a'.repeat(2000)}`]) {
        const reply = await app.admin.get(path);
        assert.ok(reply.status >= 400 && reply.status < 500, `${path}: ${reply.status}`);
        assertEnvelope(reply);
        assert.ok(reply.headers.get('x-request-id'), 'x-request-id');
      }
    });
  });

  describe('request bodies (spec 1.3)', () => {
    interface BodyRoute {
      readonly name: string;
      readonly method: 'POST' | 'PUT';
      /** A fresh path for each call, so a success never turns the next call into a 409. */
      readonly path: () => Promise<string> | string;
      readonly message: string;
      readonly status?: string;
      /** An empty body is allowed (topic create). */
      readonly emptyOk?: boolean;
      /** Bodies with a wrong JSON type somewhere; each must be refused with `message`. */
      readonly wrongTypes: readonly string[];
    }

    const ROUTES: BodyRoute[] = [
      {
        name: 'project create',
        method: 'POST',
        path: () => `/v1/projects/${unique('bp')}`,
        message: 'Invalid Project Arguments',
        wrongTypes: ['{"description":5}', '{"description":["a"]}', '{"description":{}}', '{"description":true}'],
      },
      {
        name: 'project update',
        method: 'PUT',
        path: () => base,
        message: 'Invalid Request Body',
        status: 'BAD_REQUEST',
        wrongTypes: ['{"description":5}', '{"name":7}', '{"name":["x"]}'],
      },
      {
        name: 'user create',
        method: 'POST',
        path: () => `/v1/users/${unique('bu')}`,
        message: 'Invalid User Arguments',
        wrongTypes: [
          '{"email":5}',
          '{"projects":"p"}',
          '{"projects":[{"project":5}]}',
          '{"projects":[{"project":"p","roles":"consumer"}]}',
          '{"service_roles":"service_admin"}',
          '{"service_roles":[1]}',
          '{"first_name":false}',
        ],
      },
      {
        name: 'user update',
        method: 'PUT',
        path: () => `/v1/users/${memberName}`,
        message: 'Invalid User Arguments',
        wrongTypes: ['{"email":5}', '{"name":5}', '{"projects":{}}', '{"service_roles":"x"}'],
      },
      {
        name: 'member create',
        method: 'POST',
        path: () => `${base}/members/${unique('bm')}`,
        message: 'Invalid User Arguments',
        wrongTypes: ['{"email":5}', '{"projects":"p"}', '{"projects":[{"project":"p","roles":[5]}]}'],
      },
      {
        name: 'member update',
        method: 'PUT',
        path: () => `${base}/members/${memberName}`,
        message: 'Invalid User Arguments',
        wrongTypes: ['{"email":[]}', '{"projects":[{"roles":"x"}]}'],
      },
      {
        name: 'member :add',
        method: 'POST',
        path: () => `${base}/members/${memberName}:add`,
        message: 'Invalid Request Body',
        status: 'BAD_REQUEST',
        wrongTypes: ['{"roles":"consumer"}', '{"roles":[1]}', '{"roles":{}}'],
      },
      {
        name: 'topic create',
        method: 'PUT',
        path: () => `${base}/topics/${unique('bt')}`,
        message: 'Invalid Request Body',
        status: 'BAD_REQUEST',
        emptyOk: true,
        wrongTypes: ['{"schema":5}', '{"schema":{}}'],
      },
      {
        name: 'publish',
        method: 'POST',
        path: () => `${base}/topics/${topic}:publish`,
        message: 'Invalid Message Arguments',
        wrongTypes: [
          '{"messages":{}}',
          '{"messages":"x"}',
          '{"messages":[1]}',
          '{"messages":[{"data":5}]}',
          '{"messages":[{"data":{"a":1}}]}',
          '{"messages":[{"data":"x","attributes":[]}]}',
          '{"messages":[{"data":"x","attributes":"k=v"}]}',
          '{"messages":[{"data":"x","attributes":{"k":5}}]}',
          '{"messages":[{"data":"x","attributes":{"k":{"deep":"v"}}}]}',
          '{"messages":[{"data":"x","attributes":{"__proto__":{"k":"v"}}}]}',
          '{"messages":[{"data":"ok"},{"data":false}]}',
        ],
      },
      {
        name: 'topic :modifyAcl',
        method: 'POST',
        path: () => `${base}/topics/${topic}:modifyAcl`,
        message: 'Invalid Topic ACL Arguments',
        wrongTypes: ['{"authorized_users":"bob"}', '{"authorized_users":[5]}', '{"authorized_users":{}}'],
      },
      {
        name: 'subscription create',
        method: 'PUT',
        path: () => `${base}/subscriptions/${unique('bs')}`,
        message: 'Invalid Subscription Arguments',
        wrongTypes: [
          '{"topic":5}',
          '{"topic":"projects/P/topics/T","ackDeadlineSeconds":"10"}',
          '{"topic":"projects/P/topics/T","ackDeadlineSeconds":1.5}',
          '{"topic":"projects/P/topics/T","pushConfig":"x"}',
          '{"topic":"projects/P/topics/T","pushConfig":[]}',
          '{"topic":"projects/P/topics/T","pushConfig":{"maxMessages":"1"}}',
        ],
      },
      {
        name: 'pull',
        method: 'POST',
        path: () => `${base}/subscriptions/${sub}:pull`,
        message: 'Invalid Pull Parameters Arguments',
        wrongTypes: ['{"maxMessages":["1"]}', '{"maxMessages":{}}', '{"returnImmediately":{}}', '{"returnImmediately":[]}'],
      },
      {
        name: 'acknowledge',
        method: 'POST',
        path: () => `${base}/subscriptions/${sub}:acknowledge`,
        message: 'Invalid ack parameter',
        wrongTypes: ['{"ackIds":"x"}', '{"ackIds":[1]}', '{"ackIds":{}}', '{"ackIds":[["x"]]}'],
      },
      {
        name: ':modifyAckDeadline',
        method: 'POST',
        path: () => `${base}/subscriptions/${sub}:modifyAckDeadline`,
        message: 'Invalid ackDeadlineSeconds(needs value between 0 and 600) Arguments',
        wrongTypes: ['{"ackDeadlineSeconds":"30"}', '{"ackDeadlineSeconds":1.5}', '{"ackDeadlineSeconds":true}', '{"ackDeadlineSeconds":601}', '{"ackDeadlineSeconds":-1}'],
      },
      {
        name: ':modifyPushConfig',
        method: 'POST',
        path: () => `${base}/subscriptions/${sub}:modifyPushConfig`,
        message: 'Invalid Subscription Arguments',
        wrongTypes: ['{"pushConfig":"x"}', '{"pushConfig":[]}', '{"pushConfig":{"type":5}}', '{"pushConfig":{"maxMessages":"1"}}'],
      },
      {
        name: ':modifyOffset',
        method: 'POST',
        path: () => `${base}/subscriptions/${sub}:modifyOffset`,
        message: 'Invalid Offset Arguments',
        wrongTypes: ['{"offset":"0"}', '{"offset":1.5}', '{"offset":[0]}', '{"offset":1e400}'],
      },
      {
        name: 'subscription :modifyAcl',
        method: 'POST',
        path: () => `${base}/subscriptions/${sub}:modifyAcl`,
        message: 'Invalid Subscription ACL Arguments',
        wrongTypes: ['{"authorized_users":"bob"}', '{"authorized_users":[null, 5]}'],
      },
    ];

    const MALFORMED = ['{bad', '{"a":', '[1,2', "{'a':1}", 'nul', '{"a":1}}', '{"a":1,}', '\u0000', '\ufeff{}x'];
    const NOT_OBJECTS = ['[]', '[{}]', '"text"', '42', 'true', '-1'];
    const EMPTY = ['', '   ', '\n\t '];

    for (const route of ROUTES) {
      describe(route.name, () => {
        const refused = async (body: string): Promise<void> => {
          const reply = await app.admin.request(route.method, await route.path(), { body });
          assertEnvelope(reply, 400, route.message, route.status ?? 'INVALID_ARGUMENT');
        };

        it(`malformed JSON: 400 ${route.message}`, async () => {
          for (const body of MALFORMED) await refused(body);
        });

        it('JSON that is not an object: 400', async () => {
          for (const body of NOT_OBJECTS) await refused(body);
        });

        it('wrong JSON types: 400', async () => {
          for (const body of route.wrongTypes) await refused(body);
        });

        it(route.emptyOk ? 'an empty body is allowed' : 'an empty body is a parse error', async () => {
          for (const body of EMPTY) {
            if (route.emptyOk) {
              const reply = await app.admin.request(route.method, await route.path(), { body });
              assert.equal(reply.status, 200, reply.text);
            } else {
              await refused(body);
            }
          }
          if (route.emptyOk) {
            // no body at all, as the Python client sends it
            const reply = await raw(app.url, route.method, await route.path(), { headers: admin });
            assert.equal(reply.status, 200, reply.text);
          } else {
            const reply = await raw(app.url, route.method, await route.path(), { headers: admin });
            assertEnvelope(reply, 400, route.message);
          }
        });
      });
    }

    it('JSON null is an empty object (Go decodes null into a struct as a no-op)', async () => {
      assert.equal((await app.admin.post(`/v1/projects/${unique('np')}`, 'null')).status, 200);
      assert.deepEqual((await app.admin.post(`${base}/topics/${topic}:publish`, 'null')).body, { messageIds: [] });
      const pullSub = await project.subscription(topic);
      assert.deepEqual((await app.admin.post(`${base}/subscriptions/${pullSub}:pull`, 'null')).body, { receivedMessages: [] });
      assertEnvelope(await app.admin.post(`${base}/subscriptions/${sub}:acknowledge`, 'null'), 400, 'Invalid ack id');
      assertEnvelope(await app.admin.post(`${base}/topics/${topic}:modifyAcl`, 'null'), 400, 'Invalid Topic ACL Arguments');
      assertEnvelope(await app.admin.put(`${base}/subscriptions/${unique('ns')}`, 'null'), 400, 'Invalid Topic name');
    });

    it('a null field is an absent field', async () => {
      const created = await app.admin.post(`/v1/projects/${unique('nf')}`, '{"description":null}');
      assert.equal(created.status, 200, created.text);
      assert.equal(created.body.description, undefined);
      assert.deepEqual((await app.admin.post(`${base}/topics/${topic}:publish`, '{"messages":null}')).body, { messageIds: [] });
      assertEnvelope(await app.admin.post(`${base}/subscriptions/${sub}:acknowledge`, '{"ackIds":null}'), 400, 'Invalid ack id');
      const pulled = await app.admin.post(`${base}/subscriptions/${sub}:pull`, '{"maxMessages":null,"returnImmediately":null}');
      assert.equal(pulled.status, 200, pulled.text);
    });

    it('unknown keys are ignored', async () => {
      const reply = await app.admin.post(`${base}/topics/${topic}:publish`, {
        messages: [{ data: 'eA==', extra: { deep: [1, 2] }, attrs: 5 }],
        other: null,
        more: [1, 'x'],
      });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.messageIds.length, 1);
    });

    it('keys match case-insensitively (Go encoding/json): publish, pull, acknowledge', async () => {
      const t = await project.topic();
      const s = await project.subscription(t);
      const published = await app.admin.post(`${base}/topics/${t}:publish`, {
        MESSAGES: [{ DATA: 'b25l', ATTRIBUTES: { Key: 'Value' } }, { Data: 'dHdv' }],
      });
      assert.deepEqual(published.body, { messageIds: ['0', '1'] });
      const pulled = await app.admin.post(`${base}/subscriptions/${s}:pull`, { MAXMESSAGES: '1', ReturnImmediately: 'true' });
      assert.equal(pulled.status, 200, pulled.text);
      assert.equal(pulled.body.receivedMessages.length, 1);
      const first = pulled.body.receivedMessages[0];
      assert.equal(first.message.data, 'b25l');
      assert.deepEqual(first.message.attributes, { Key: 'Value' }, 'attribute keys are data: their case is kept');
      assert.deepEqual((await app.admin.post(`${base}/subscriptions/${s}:acknowledge`, { AckIds: [first.ackId] })).body, {});
      const second = await app.admin.post(`${base}/subscriptions/${s}:pull`, { maxmessages: '1' });
      assert.equal(second.body.receivedMessages[0].message.data, 'dHdv');
      assert.deepEqual((await app.admin.post(`${base}/subscriptions/${s}:acknowledge`, { ACKIDS: [second.body.receivedMessages[0].ackId] })).body, {});
    });

    it('keys match case-insensitively: other bodies, nested ones included', async () => {
      const t = await project.topic();
      const s = await project.subscription(t);
      const user = unique('ci');
      const created = await app.admin.post(`${base}/members/${user}`, {
        EMAIL: 'ci@example.org',
        Projects: [{ PROJECT: project.name, ROLES: ['consumer'] }],
      });
      assert.equal(created.status, 200, created.text);
      assert.equal(created.body.email, 'ci@example.org');
      assert.deepEqual(created.body.projects[0].roles, ['consumer']);
      assert.equal((await app.admin.post(`${base}/subscriptions/${s}:modifyAcl`, { Authorized_Users: [user] })).status, 200);
      assert.deepEqual((await app.admin.get(`${base}/subscriptions/${s}:acl`)).body, { authorized_users: [user] });
      assert.equal((await app.admin.post(`${base}/subscriptions/${s}:modifyAckDeadline`, { AckDeadlineSeconds: 42 })).status, 200);
      assert.equal((await app.admin.get(`${base}/subscriptions/${s}`)).body.ackDeadlineSeconds, 42);
      assert.equal((await app.admin.post(`${base}/subscriptions/${s}:modifyOffset`, { OFFSET: 0 })).status, 200);
      const made = await app.admin.put(`${base}/subscriptions/${unique('ci')}`, { TOPIC: `projects/${project.name}/topics/${t}`, ACKDEADLINESECONDS: 77 });
      assert.equal(made.status, 200, made.text);
      assert.equal(made.body.ackDeadlineSeconds, 77);
      const updated = await app.admin.put(base, { DESCRIPTION: 'case-insensitive' });
      assert.equal(updated.body.description, 'case-insensitive');
    });
  });

  describe('Content-Type is ignored: bodies are JSON whatever it says (spec 1.3)', () => {
    const TYPES: (string | undefined)[] = [
      undefined,
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'multipart/form-data; boundary=xyz',
      'application/xml',
      ';;;',
      'not a media type',
    ];
    for (const type of TYPES) {
      it(`${type === undefined ? 'no Content-Type' : type}: publish, pull and acknowledge work`, async () => {
        const headers: Record<string, string> = { ...admin, ...(type === undefined ? {} : { 'content-type': type }) };
        const t = await project.topic();
        const s = await project.subscription(t);
        const send = (path: string, body: unknown): Promise<Reply<any>> => raw(app.url, 'POST', path, { headers, body: JSON.stringify(body) });
        const published = await send(`${base}/topics/${t}:publish`, { messages: [{ data: 'aGk=', attributes: { a: 'b' } }] });
        assert.deepEqual(published.body, { messageIds: ['0'] }, published.text);
        const pulled = await send(`${base}/subscriptions/${s}:pull`, { maxMessages: '5' });
        assert.equal(pulled.status, 200, pulled.text);
        assert.equal(pulled.body.receivedMessages[0].message.data, 'aGk=');
        const acked = await send(`${base}/subscriptions/${s}:acknowledge`, { ackIds: [pulled.body.receivedMessages[0].ackId] });
        assert.deepEqual(acked.body, {}, acked.text);
        const project2 = await raw(app.url, 'POST', `/v1/projects/${unique('ct')}`, { headers, body: '{"description":"d=1&x=2"}' });
        assert.equal(project2.body.description, 'd=1&x=2', project2.text);
        // a malformed body is still the route's parse error, not a media-type error
        assertEnvelope(await raw(app.url, 'POST', `${base}/topics/${t}:publish`, { headers, body: 'a=1&b=2' }), 400, 'Invalid Message Arguments');
      });
    }

    it('a chunked body without Content-Type or Content-Length is read', async () => {
      const reply = await raw(app.url, 'POST', `${base}/topics/${topic}:publish`, {
        headers: admin,
        body: JSON.stringify({ messages: [{ data: 'Y2h1bmtlZA==' }] }),
        chunked: true,
      });
      assert.equal(reply.status, 200, reply.text);
    });

    it('a body on GET or DELETE is ignored', async () => {
      const got = await raw(app.url, 'GET', `${base}/topics/${topic}`, { headers: admin, body: '{bad' });
      assert.equal(got.status, 200, got.text);
      const doomed = await project.topic();
      const deleted = await raw(app.url, 'DELETE', `${base}/topics/${doomed}`, { headers: admin, body: '{bad' });
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal(deleted.text, '');
    });
  });

  describe('unknown routes and methods (spec 1.1)', () => {
    const UNKNOWN = [
      ['GET', '/v1/nothing'],
      ['GET', '/v2/projects'],
      ['GET', '/'],
      ['GET', '/v1'],
      ['GET', '/v1/'],
      ['GET', '/v1/projects/'],
      ['GET', '/v1//projects'],
      ['POST', '/v1/projects/p/topics/t/deeper/still'],
      ['DELETE', '/v1/projects/p/unknown'],
      ['PUT', '/v1/users:byName/x'],
      ['GET', '/v1/projects/p/topics/t:publish/more'],
    ];
    for (const [method, path] of UNKNOWN) {
      it(`${method} ${path}: 404 \`404 page not found\` with or without a token`, async () => {
        for (const client of [app.admin, app.client(), app.client('unknown-token-123')]) {
          const reply = await client.request(method, path);
          assertEnvelope(reply, 404);
          assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', '404 page not found'));
        }
      });
    }

    const WRONG_METHOD = [
      ['DELETE', '/v1/projects'],
      ['PUT', '/v1/projects'],
      ['PATCH', `/v1/projects/p`],
      ['POST', '/v1/projects/p/topics'],
      ['POST', '/v1/projects/p/topics/t'],
      ['PATCH', '/v1/projects/p/subscriptions'],
      ['POST', '/v1/status'],
      ['DELETE', '/v1/version'],
      ['PUT', '/v1/users:byToken/abc'],
      ['POST', '/v1/users'],
    ];
    for (const [method, path] of WRONG_METHOD) {
      it(`${method} ${path}: 405 with the envelope and an Allow header`, async () => {
        for (const client of [app.admin, app.client()]) {
          const reply = await client.request(method, path);
          assert.equal(reply.status, 405, reply.text);
          assertEnvelope(reply, 405, 'Method Not Allowed', 'METHOD_NOT_ALLOWED');
          const allow = reply.headers.get('allow')?.split(', ') ?? [];
          assert.ok(allow.length > 0 && !allow.includes(method), `Allow: ${allow.join(', ')}`);
          assert.ok(reply.headers.get('x-request-id'));
        }
      });
    }
  });

  describe('message size and unicode (spec 4.1)', () => {
    it('a message over 1,500,000 bytes is 413 `Message size is too large`', async () => {
      const reply = await app.admin.post(`${base}/topics/${topic}:publish`, { messages: [{ data: 'x'.repeat(1_600_000) }] });
      assertEnvelope(reply, 413, 'Message size is too large', 'INVALID_ARGUMENT');
    });

    it('attributes and data round-trip exactly: unicode, emoji, escapes and prototype-looking keys', async () => {
      const t = await project.topic();
      const s = await project.subscription(t);
      const attributes = {
        'emoji 🚀': 'value ✓ ü ß',
        ключ: 'значение',
        中文: '漢字 かな',
        'quote"s': 'back\\slash / slash',
        newline: 'a\nb\r\tc',
        control: '\u0001\u001f\u007f',
        separators: '\u2028\u2029',
        combining: 'e\u0301 vs \u00e9',
        astral: '𝄞 🏳️‍🌈 👩‍👩‍👧',
        empty: '',
        toString: 'not a method',
        constructor: 'not a class',
        ['__proto__']: 'not a prototype', // a computed key: an own property, as JSON.parse makes it
        hasOwnProperty: 'own',
      };
      const data = 'héllo 🌍 "quoted" \\ \u2028 \u0000 𝄞 e\u0301 \ud83d\ude80';
      const body = `{"messages":[{"attributes":${JSON.stringify(attributes)},"data":${JSON.stringify(data)}}]}`;
      const published = await app.admin.post(`${base}/topics/${t}:publish`, body);
      assert.equal(published.status, 200, published.text);
      // the same, as raw UTF-8 bytes without Content-Type, and ASCII-only with \u escapes
      const asBytes = await raw(app.url, 'POST', `${base}/topics/${t}:publish`, { headers: admin, body: Buffer.from(body, 'utf8') });
      assert.equal(asBytes.status, 200, asBytes.text);
      const escaped = body.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      const asEscapes = await raw(app.url, 'POST', `${base}/topics/${t}:publish`, { headers: admin, body: escaped });
      assert.equal(asEscapes.status, 200, asEscapes.text);

      const pulled = await app.admin.post(`${base}/subscriptions/${s}:pull`, { maxMessages: '3' });
      assert.equal(pulled.body.receivedMessages.length, 3, pulled.text);
      const expected: Record<string, string> = attributes;
      assert.ok(Object.hasOwn(expected, '__proto__'));
      for (const received of pulled.body.receivedMessages) {
        assert.equal(received.message.data, data);
        assert.deepEqual(Object.entries(received.message.attributes), Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    });

    it('project descriptions and user fields keep their unicode', async () => {
      const name = unique('uni');
      const created = await app.admin.post(`/v1/projects/${name}`, { description: 'Überprüfung 🚀 "x" \\ y' });
      assert.equal(created.body.description, 'Überprüfung 🚀 "x" \\ y');
      assert.equal((await app.admin.get(`/v1/projects/${name}`)).body.description, 'Überprüfung 🚀 "x" \\ y');
      const user = await app.admin.post(`/v1/users/${unique('uni')}`, { first_name: 'Zoë', last_name: '王', organization: 'Ωmega 🚀' });
      assert.equal(user.status, 200, user.text);
      assert.deepEqual([user.body.first_name, user.body.last_name, user.body.organization], ['Zoë', '王', 'Ωmega 🚀']);
    });
  });

  describe('token placement (spec 1.2, auth_option both)', () => {
    it('?key= authenticates', async () => {
      const reply = await app.admin.get('/v1/projects', { tokenIn: 'query' });
      assert.equal(reply.status, 200, reply.text);
      const profile = await app.admin.get('/v1/users/profile', { tokenIn: 'query' });
      assert.equal(profile.status, 200, profile.text);
      assert.equal(profile.body.name, app.config.adminUser);
    });

    it('the header wins over ?key= when both are present', async () => {
      const good = await app.client(ADMIN_TOKEN).get('/v1/projects?key=wrong-token-123');
      assert.equal(good.status, 200, good.text);
      const bad = await app.client('wrong-token-123').get(`/v1/projects?key=${ADMIN_TOKEN}`);
      assertEnvelope(bad, 401, 'Unauthorized', 'UNAUTHORIZED');
    });

    it('an empty header falls back to ?key=', async () => {
      const reply = await app.client().get(`/v1/projects?key=${ADMIN_TOKEN}`, { headers: { 'x-api-key': '' } });
      assert.equal(reply.status, 200, reply.text);
    });

    it('the first ?key= wins', async () => {
      assert.equal((await app.client().get(`/v1/projects?key=${ADMIN_TOKEN}&key=wrong`)).status, 200);
      assertEnvelope(await app.client().get(`/v1/projects?key=wrong&key=${ADMIN_TOKEN}`), 401, 'Unauthorized');
    });

    it('the token is not taken from Authorization or other headers', async () => {
      const variants: Record<string, string>[] = [{ authorization: ADMIN_TOKEN }, { authorization: `Bearer ${ADMIN_TOKEN}` }, { 'x-api-token': ADMIN_TOKEN }];
      for (const headers of variants) {
        assertEnvelope(await app.client().get('/v1/projects', { headers }), 401, 'Unauthorized');
      }
    });
  });

  describe('CORS (spec 1.1)', () => {
    const has = (list: string | null, item: string): boolean =>
      (list ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .includes(item.toLowerCase());

    for (const path of ['/v1/projects', '/v1/projects/p/topics/t:publish', '/v1/users/profile']) {
      it(`a preflight for ${path} allows any origin, the AMS headers and methods, without a token`, async () => {
        const reply = await app.client().request('OPTIONS', path, {
          headers: {
            origin: 'https://ui.example.org',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'x-api-key, content-type, x-requested-with',
          },
        });
        assert.ok(reply.status === 204 || reply.status === 200, `${reply.status} ${reply.text}`);
        const origin = reply.headers.get('access-control-allow-origin');
        assert.ok(origin === '*' || origin === 'https://ui.example.org', String(origin));
        const headers = reply.headers.get('access-control-allow-headers');
        for (const h of ['X-Requested-With', 'Content-Type', 'x-api-key']) assert.ok(has(headers, h), `${h} in ${headers}`);
        const methods = reply.headers.get('access-control-allow-methods');
        for (const m of ['OPTIONS', 'POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'HEAD']) assert.ok(has(methods, m), `${m} in ${methods}`);
        assert.ok(reply.headers.get('x-request-id'));
      });
    }

    it('answers, errors included, carry Access-Control-Allow-Origin', async () => {
      const headers = { origin: 'https://ui.example.org' };
      for (const reply of [
        await app.admin.get('/v1/projects', { headers }),
        await app.client().get('/v1/projects', { headers }),
        await app.admin.get('/v1/nothing', { headers }),
      ]) {
        const origin = reply.headers.get('access-control-allow-origin');
        assert.ok(origin === '*' || origin === 'https://ui.example.org', `${reply.status}: ${String(origin)}`);
      }
    });
  });

  describe('x-request-id', () => {
    it('every answer carries one; an incoming x-request-id is echoed', async () => {
      const replies = [
        await app.admin.get('/v1/projects'),
        await app.client().get('/v1/projects'),
        await app.admin.get('/v1/nothing'),
        await app.admin.request('PATCH', '/v1/projects'),
        await app.admin.get('/v1/projects/a.b'),
        await app.admin.post(`${base}/topics/${topic}:publish`, '{bad'),
        await app.admin.get('/v1/projects/%zz'),
      ];
      for (const reply of replies) assert.match(reply.headers.get('x-request-id') ?? '', /\S/, `${reply.status}`);
      const ids = new Set(replies.map((r) => r.headers.get('x-request-id')));
      assert.equal(ids.size, replies.length, 'each request gets its own id');

      for (const [method, path, body] of [
        ['GET', '/v1/projects', undefined],
        ['GET', '/v1/nothing', undefined],
        ['POST', `${base}/topics/${topic}:publish`, '{bad'],
        ['GET', '/v1/status', undefined],
      ] as const) {
        const reply = await app.admin.request(method, path, { body, headers: { 'x-request-id': 'client-req-42' } });
        assert.equal(reply.headers.get('x-request-id'), 'client-req-42', `${method} ${path}`);
      }
    });
  });

  describe('never a stack trace, never an unplanned 500', () => {
    const PATHS: [string, string, () => string][] = [
      ['project create', 'POST', () => `/v1/projects/${unique('fz')}`],
      ['project update', 'PUT', () => base],
      ['user create', 'POST', () => `/v1/users/${unique('fz')}`],
      ['user update', 'PUT', () => `/v1/users/${memberName}`],
      ['member create', 'POST', () => `${base}/members/${unique('fz')}`],
      ['member :add', 'POST', () => `${base}/members/${memberName}:add`],
      ['topic create', 'PUT', () => `${base}/topics/${unique('fz')}`],
      ['publish', 'POST', () => `${base}/topics/${topic}:publish`],
      ['topic :modifyAcl', 'POST', () => `${base}/topics/${topic}:modifyAcl`],
      ['subscription create', 'PUT', () => `${base}/subscriptions/${unique('fz')}`],
      ['pull', 'POST', () => `${base}/subscriptions/${sub}:pull`],
      ['acknowledge', 'POST', () => `${base}/subscriptions/${sub}:acknowledge`],
      [':modifyAckDeadline', 'POST', () => `${base}/subscriptions/${sub}:modifyAckDeadline`],
      [':modifyPushConfig', 'POST', () => `${base}/subscriptions/${sub}:modifyPushConfig`],
      [':modifyOffset', 'POST', () => `${base}/subscriptions/${sub}:modifyOffset`],
      ['subscription :modifyAcl', 'POST', () => `${base}/subscriptions/${sub}:modifyAcl`],
    ];
    const BODIES = [
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"messages":[{"data":"x","attributes":{"constructor":{"name":"x"}}}]}',
      '{"messages":[{"__proto__":{"data":"x"}}]}',
      '{"toString":"x","valueOf":5,"hasOwnProperty":[]}',
      '['.repeat(50_000) + ']'.repeat(50_000),
      '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
      '{"offset":9007199254740993,"ackDeadlineSeconds":1e308}',
      '{"ackIds":["projects/p/subscriptions/s:99999999999999999999"]}',
      '{"ackIds":["' + 'x'.repeat(10_000) + '"]}',
      '{"pushConfig":{"type":"http_endpoint","pushEndpoint":"javascript:alert(1)"}}',
      '{"pushConfig":{"type":"mattermost"}}',
      '{"pushConfig":{"retryPolicy":{"type":"linear","period":-5}}}',
      '{"topic":"projects/p/topics/' + 'x'.repeat(5_000) + '"}',
      '{"topic":"///"}',
      '{"projects":[{"project":"","roles":[]}],"service_roles":[""]}',
      '{"roles":["", "project_admin", "project_admin"]}',
      '{"name":""}',
      '{"description":"' + '\\ud800' + '"}',
      '\ufeff{}',
      '{"maxMessages":"-99999999999999999999","returnImmediately":"maybe"}',
      '{"maxMessages":"1e3"}',
    ];

    for (const [name, method, path] of PATHS) {
      it(`${name}: odd bodies`, async () => {
        for (const body of BODIES) {
          const reply = await app.admin.request(method, path(), { body });
          assertHandled(reply, `${name} with ${body.slice(0, 60)}`);
        }
      });
    }

    it('odd query strings', async () => {
      const queries = [
        `${base}/topics?pageSize=abc`,
        `${base}/topics?pageSize=-1&pageToken=`,
        `${base}/topics?pageSize=99999999999999999999999`,
        `${base}/topics?pageToken=%00%01`,
        `${base}/topics?pageToken=${'A'.repeat(5000)}`,
        `${base}/subscriptions?pageToken=eyJ4IjoxfQ==`,
        `/v1/users?pageSize=1e3&details=TRUE&project=nope`,
        `/v1/users?project=${'x'.repeat(3000)}`,
        `${base}/members?pageSize=0&details=yes`,
        `${base}/subscriptions/${sub}:timeToOffset?time=junk`,
        `${base}/subscriptions/${sub}:timeToOffset?time=2019-02-30T13:39:11.100Z`,
        `${base}/subscriptions/${sub}:timeToOffset?time=9999-12-31T23:59:59.999Z`,
        `${base}/subscriptions/${sub}:timeToOffset?time=0000-01-01T00:00:00.000Z`,
        `${base}/subscriptions/${sub}:timeToOffset`,
        `/v1/status?details=true&details=false`,
        `/v1/projects?key=&key=`,
      ];
      for (const path of queries) assertHandled(await app.admin.get(path), path);
      assertEnvelope(await app.admin.get(`${base}/topics?pageSize=abc`), 400, 'Invalid page size');
      assertEnvelope(await app.admin.get(`${base}/topics?pageToken=%00%01`), 400, 'Invalid page token');
      assertEnvelope(await app.admin.get(`${base}/subscriptions/${sub}:timeToOffset?time=junk`), 400, 'Time is not in valid Zulu format.');
    });

    it('odd headers', async () => {
      const variants: Record<string, string>[] = [
        { 'x-api-key': 'x'.repeat(8000) },
        { 'x-api-key': ' ' },
        { 'x-api-key': 'ünïcode' },
        { 'content-length': '0' },
        { accept: 'text/html' },
        { 'accept-encoding': 'gzip, br' },
      ];
      for (const headers of variants) {
        const reply = await raw(app.url, 'GET', '/v1/projects', { headers });
        assertHandled(reply, JSON.stringify(headers).slice(0, 60));
      }
    });
  });
});

describe('size limits (AMS_BODY_LIMIT, AMS_MAX_MESSAGE_BYTES; spec 8.4)', () => {
  let small: RunningApp;
  let base: string;
  let project: ProjectFixture;

  before(async () => {
    small = await startApp({ AMS_BODY_LIMIT: '2048', AMS_MAX_MESSAGE_BYTES: '600' });
    project = await newProject(small, 'lim');
    base = `/v1/projects/${project.name}`;
  });
  after(async () => {
    await small.close();
  });

  const big = (bytes: number): string => JSON.stringify({ messages: [{ data: 'x'.repeat(bytes) }] });

  it('a body over AMS_BODY_LIMIT is 413 in the envelope, however it is sent', async () => {
    const topic = await project.topic();
    const path = `${base}/topics/${topic}:publish`;
    const replies = [
      await small.admin.post(path, big(3000)),
      await small.admin.post(path, big(3000), { headers: { 'content-type': 'application/json' } }),
      await raw(small.url, 'POST', path, { headers: { 'x-api-key': ADMIN_TOKEN }, body: big(3000) }),
      await raw(small.url, 'POST', path, { headers: { 'x-api-key': ADMIN_TOKEN }, body: big(3000), chunked: true }),
      await raw(small.url, 'PUT', `${base}/subscriptions/x`, { headers: { 'x-api-key': ADMIN_TOKEN }, body: big(5000) }),
    ];
    for (const reply of replies) {
      assertEnvelope(reply, 413, undefined, 'INVALID_ARGUMENT');
      assert.ok(reply.headers.get('x-request-id'));
    }
    // the service carries on
    const ok = await small.admin.post(path, { messages: [{ data: 'c21hbGw=' }] });
    assert.deepEqual(ok.body, { messageIds: ['0'] });
  });

  it('a body just under AMS_BODY_LIMIT is read', async () => {
    const topic = await project.topic();
    const body = JSON.stringify({ messages: [{ data: 'x'.repeat(100) }], pad: 'y'.repeat(1800) });
    assert.ok(Buffer.byteLength(body) < 2048);
    const reply = await small.admin.post(`${base}/topics/${topic}:publish`, body);
    assert.equal(reply.status, 200, reply.text);
  });

  it('one message over AMS_MAX_MESSAGE_BYTES is 413 `Message size is too large`, and nothing of the batch is stored', async () => {
    const topic = await project.topic();
    const sub = await project.subscription(topic);
    const batch = { messages: [{ data: 'Zmlyc3Q=' }, { data: 'x'.repeat(700) }, { data: 'bGFzdA==' }] };
    const reply = await small.admin.post(`${base}/topics/${topic}:publish`, batch);
    assertEnvelope(reply, 413, 'Message size is too large', 'INVALID_ARGUMENT');
    const attributesOnly = { messages: [{ data: 'eA==', attributes: { big: 'y'.repeat(700) } }] };
    assertEnvelope(await small.admin.post(`${base}/topics/${topic}:publish`, attributesOnly), 413, 'Message size is too large');

    const pulled = await small.admin.post(`${base}/subscriptions/${sub}:pull`, { maxMessages: '10' });
    assert.deepEqual(pulled.body, { receivedMessages: [] });
    assert.equal((await small.admin.get(`${base}/subscriptions/${sub}:offsets`)).body.max, 0);
    const next = await small.admin.post(`${base}/topics/${topic}:publish`, { messages: [{ data: 'b2s=' }] });
    assert.deepEqual(next.body, { messageIds: ['0'] }, 'the refused batch took no offsets');
  });
});
