import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { amsError } from '../support/client.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';
import { PushReceiver } from '../support/push-receiver.js';

/** Hardening against one tenant stalling, probing or reading the service (issue 11, spec 8.11 and 8.12). */

const b64 = (text: string): string => Buffer.from(text).toString('base64');
/** Deep JSON built as text: JSON.stringify itself recurses. */
const deepArray = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const deepObject = (depth: number): string => `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
/** What came back on a raw connection: the parsed answer (or null when it was closed without one) and when. */
interface RawAnswer {
  readonly status: number | null;
  readonly body: unknown;
  readonly closedAfterMs: number;
}

/**
 * Writes `chunks` to a fresh connection, one every `gapMs`, and reads until the server closes it or `giveUpMs` pass.
 * Raw sockets, because fetch can neither send raw bytes in a path nor dribble a body.
 */
function rawExchange(url: string, chunks: readonly (string | Buffer)[], gapMs = 0, giveUpMs = 8000): Promise<RawAnswer> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const start = performance.now();
    const socket = connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < chunks.length && !socket.destroyed) socket.write(chunks[sent++]);
    }, gapMs);
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on('data', (data) => received.push(data));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      const text = Buffer.concat(received).toString('utf8');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // not JSON: keep the text
      }
      resolve({ status: status === null ? null : Number(status[1]), body: parsed, closedAfterMs: performance.now() - start });
    });
  });
}

const invalid = (message: string): ReturnType<typeof amsError> => amsError(400, 'INVALID_ARGUMENT', message);

describe('security hardening', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app.close();
  });

  const base = (project: ProjectFixture): string => `/v1/projects/${project.name}`;

  async function schemaTopic(project: ProjectFixture, type: string, schema: object): Promise<{ schema: string; topic: string }> {
    const name = unique('sch');
    const created = await app.admin.post(`${base(project)}/schemas/${name}`, { type, schema });
    assert.equal(created.status, 200, created.text);
    const topic = unique('t');
    const attached = await app.admin.put(`${base(project)}/topics/${topic}`, { schema: `projects/${project.name}/schemas/${name}` });
    assert.equal(attached.status, 200, attached.text);
    return { schema: `${base(project)}/schemas/${name}`, topic: `${base(project)}/topics/${topic}` };
  }

  describe('user patterns run in linear time', () => {
    it('validates 10,000 characters against ^(a+)+$ while /v1/status keeps answering', async () => {
      const project = await newProject(app);
      const { schema, topic } = await schemaTopic(project, 'json', { type: 'string', pattern: '^(a+)+$' });
      const evil = JSON.stringify(`${'a'.repeat(10_000)}!`);
      const timed = async <T>(call: () => Promise<T>): Promise<[T, number]> => {
        const start = performance.now();
        const result = await call();
        return [result, performance.now() - start];
      };
      // The in-process bound (< 50 ms for the validation itself) is asserted in test/unit/schema-validation.spec.ts.
      // Here the status call runs concurrently with the validation and publish over real HTTP on a shared, loaded
      // machine, so the bound is 500 ms: the backtracking engine took 3.4 s for 25 characters, and for 10,000 it
      // would block the event loop (and this status call) for longer than any test can wait.
      const [[validated], [published], [status, statusMs]] = await Promise.all([
        timed(() => app.admin.post(`${schema}:validate`, evil)),
        timed(() => app.admin.post(`${topic}:publish`, { messages: [{ data: b64(evil) }] })),
        timed(() => app.client().get('/v1/status')),
      ]);
      assert.deepEqual(validated.body, invalid('Message 0 data is not valid,(root): must match pattern "^(a+)+$"'));
      assert.deepEqual(published.body, invalid('Message 0 data is not valid,(root): must match pattern "^(a+)+$"'));
      assert.equal(status.status, 200);
      assert.ok(statusMs < 500, `/v1/status took ${statusMs} ms`);
    });

    it('refuses at create and update, naming it, a pattern the linear engine cannot run', async () => {
      const project = await newProject(app);
      const name = unique('sch');
      const message = (pattern: string): RegExp =>
        new RegExp(`^Unsupported pattern ${JSON.stringify(pattern).replace(/[\\^$()?=<!]/g, '\\$&')}: `);
      const created = await app.admin.post(`${base(project)}/schemas/${name}`, { type: 'json', schema: { pattern: '^(a)\\1$' } });
      assert.equal(created.status, 400);
      assert.equal(created.body.error.status, 'INVALID_ARGUMENT');
      assert.match(created.body.error.message, message('^(a)\\1$'));
      assert.equal((await app.admin.post(`${base(project)}/schemas/${name}`, { type: 'json', schema: { pattern: 'a' } })).status, 200);
      const updated = await app.admin.put(`${base(project)}/schemas/${name}`, {
        schema: { type: 'object', additionalProperties: false, patternProperties: { '(?<=x)y': {} } },
      });
      assert.equal(updated.status, 400);
      assert.match(updated.body.error.message, message('(?<=x)y'));
    });
  });

  describe('nesting is bounded (default 64 levels)', () => {
    it('refuses a schema document nested 3,000 deep with the compiler-error 400', async () => {
      const project = await newProject(app);
      let schema: object = { type: 'string' };
      for (let i = 0; i < 3000; i++) schema = { type: 'array', items: schema };
      for (const type of ['json', 'avro']) {
        const reply = await app.admin.post(`${base(project)}/schemas/${unique('sch')}`, { type, schema });
        assert.deepEqual(reply.body, invalid('Schema document is nested deeper than 64 levels'), type);
      }
    });

    it('answers deep data in :validate and publish with the validator prefix, never a 500', async () => {
      const project = await newProject(app);
      const { schema, topic } = await schemaTopic(project, 'json', { type: 'object', additionalProperties: { $ref: '#' } });
      const tooDeep = invalid('Message 0 data is not valid,(root): nested deeper than 64 levels');
      for (const body of [deepArray(10_000), deepObject(10_000)]) {
        assert.deepEqual((await app.admin.post(`${schema}:validate`, body)).body, tooDeep);
      }
      assert.deepEqual((await app.admin.post(`${topic}:publish`, { messages: [{ data: b64(deepObject(10_000)) }] })).body, tooDeep);
      assert.deepEqual((await app.admin.post(`${schema}:validate`, deepObject(10))).body, { message: 'Message validated successfully' });
    });

    it('answers a deep datum of a recursive Avro record with the validator prefix', async () => {
      const project = await newProject(app);
      const node = { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] };
      const { schema, topic } = await schemaTopic(project, 'avro', node);
      const datum = (depth: number): string => Buffer.concat([Buffer.alloc(depth, 2), Buffer.from([0])]).toString('base64');
      const tooDeep = invalid('Message 0 is not valid.nested deeper than 64 levels');
      for (const depth of [100, 100_000]) {
        assert.deepEqual((await app.admin.post(`${schema}:validate`, { data: datum(depth) })).body, tooDeep, String(depth));
        assert.deepEqual((await app.admin.post(`${topic}:publish`, { messages: [{ data: datum(depth) }] })).body, tooDeep);
      }
    });
  });
  describe('free text is bounded, schemas stay in their project', () => {
    it('refuses descriptions and other free text past their limits (4096 and 256 characters by default)', async () => {
      const tooLong = (field: string, limit: number) => invalid(`Field ${field} is longer than ${limit} characters`);
      const name = unique('p');
      assert.deepEqual((await app.admin.post(`/v1/projects/${name}`, { description: 'd'.repeat(1_000_000) })).body, tooLong('description', 4096));
      assert.equal((await app.admin.get(`/v1/projects/${name}`)).status, 404, 'nothing was stored');
      assert.equal((await app.admin.post(`/v1/projects/${name}`, { description: 'd'.repeat(4096) })).status, 200);
      assert.deepEqual((await app.admin.put(`/v1/projects/${name}`, { description: 'd'.repeat(4097) })).body, tooLong('description', 4096));
      const user = unique('u');
      const created = await app.admin.post(`/v1/users/${user}`, { email: `${user}@example.org`, organization: 'o'.repeat(257) });
      assert.deepEqual(created.body, tooLong('organization', 256));
      const registered = await app.admin.post('/v1/registrations', { name: user, email: `${user}@example.org`, first_name: 'f'.repeat(300) });
      assert.deepEqual(registered.body, tooLong('first_name', 256));
    });

    it('refuses a schema rename that names another project', async () => {
      const project = await newProject(app);
      const other = await newProject(app);
      const name = unique('sch');
      assert.equal((await app.admin.post(`${base(project)}/schemas/${name}`, { type: 'json', schema: { type: 'string' } })).status, 200);
      const renamed = await app.admin.put(`${base(project)}/schemas/${name}`, { name: `projects/${other.name}/schemas/moved` });
      assert.deepEqual(renamed.body, invalid('wrong schema name declaration'));
      assert.equal((await app.admin.get(`${base(project)}/schemas/${name}`)).status, 200, 'not renamed');
      assert.equal((await app.admin.get(`${base(project)}/schemas/moved`)).status, 404);
      const same = await app.admin.put(`${base(project)}/schemas/${name}`, { name: `projects/${project.name}/schemas/kept` });
      assert.equal(same.body.name, `projects/${project.name}/schemas/kept`);
    });
  });
});

describe('push address policy: allow and deny lists (packets only to 127.0.0.1)', () => {
  let app: RunningApp;
  let receiver: PushReceiver;
  before(async () => {
    receiver = await new PushReceiver().start();
    app = await startApp({
      AMS_PUSH_ALLOW_HTTP: 'true',
      AMS_PUSH_ALLOW_CIDRS: '127.0.0.1/32',
      AMS_PUSH_DENY_CIDRS: '8.8.8.0/24, 2606:4700::/32',
      AMS_PUSH_RECONCILE_MS: '100',
      AMS_PUSH_LEASE_S: '2',
    });
  });
  after(async () => {
    await app.close();
    await receiver.close();
  });

  const refused = (host: string): ReturnType<typeof amsError> =>
    invalid(`Push endpoint must not address a loopback, link-local, private, reserved or special-purpose network, or this service's host (${host})`);

  it('verifies and pushes to an allowed loopback address, and refuses loopback outside the allow-list', async () => {
    const project = await newProject(app);
    const topic = await project.topic();
    const path = `/v1/projects/${project.name}/subscriptions`;
    const other = await app.admin.put(`${path}/${unique('s')}`, {
      topic: `projects/${project.name}/topics/${topic}`,
      pushConfig: { type: 'http_endpoint', pushEndpoint: 'http://127.0.0.2:9/push' },
    });
    assert.deepEqual(other.body, refused('127.0.0.2'));
    const name = await project.subscription(topic, undefined, { pushConfig: { type: 'http_endpoint', pushEndpoint: `${receiver.url}/push` } });
    receiver.verificationHash = (await app.admin.get(`${path}/${name}`)).body.pushConfig.verificationHash;
    const verified = await app.admin.post(`${path}/${name}:verifyPushEndpoint`);
    assert.equal(verified.status, 200, verified.text);
    const published = await app.admin.post(`/v1/projects/${project.name}/topics/${topic}:publish`, { messages: [{ data: b64('allowed') }] });
    assert.equal(published.status, 200, published.text);
    await receiver.until(() => receiver.accepted().length >= 1, 10_000);
  });

  it('refuses denied public blocks at config time, IPv4 and IPv6, including through NAT64', async () => {
    const project = await newProject(app);
    const topic = await project.topic();
    for (const host of ['8.8.8.8', '[2606:4700::1111]', '[64:ff9b::808:808]']) {
      const reply = await app.admin.put(`/v1/projects/${project.name}/subscriptions/${unique('s')}`, {
        topic: `projects/${project.name}/topics/${topic}`,
        pushConfig: { type: 'mattermost', mattermostUrl: `https://${host}/hooks/x` },
      });
      assert.deepEqual(reply.body, refused(host), host);
    }
  });
});

describe('slow clients and errors before routing', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp({
      AMS_HTTP_REQUEST_TIMEOUT_S: '2',
      AMS_HTTP_HEADERS_TIMEOUT_S: '1',
      AMS_HTTP_IDLE_TIMEOUT_S: '1',
      AMS_PULL_MAX_WAIT_S: '4',
    });
  });
  after(async () => {
    await app.close();
  });

  const timeout = amsError(408, 'TIMEOUT', 'Request timeout');

  it('answers 408 and closes a connection whose body dribbles in slower than the request timeout', async () => {
    const project = await newProject(app);
    const topic = await project.topic();
    const head = `POST /v1/projects/${project.name}/topics/${topic}:publish HTTP/1.1\r\nHost: x\r\nx-api-key: ${app.admin.token}\r\nContent-Length: 100\r\n\r\n`;
    // One byte every 300 ms keeps the connection from ever being idle; only the request timeout (2 s) can end it.
    const answer = await rawExchange(app.url, [head, ...'{"messages":[{"data":"YQ=="}]}'.split('')], 300);
    assert.deepEqual(answer.body, timeout);
    assert.equal(answer.status, 408);
    assert.ok(answer.closedAfterMs < 6000, `closed after ${answer.closedAfterMs} ms`);
  });

  it('answers 408 to headers that never end', async () => {
    const answer = await rawExchange(app.url, ['GET /v1/status HTTP/1.1\r\n', ...Array.from({ length: 40 }, (_, i) => `x-h${i}: 1\r\n`)], 150);
    assert.deepEqual(answer.body, timeout);
    assert.ok(answer.closedAfterMs < 6000, `closed after ${answer.closedAfterMs} ms`);
  });

  it('never cuts a long-polling pull that outlasts the request and idle timeouts', async () => {
    const project = await newProject(app);
    const topic = await project.topic();
    const sub = await project.subscription(topic);
    const published = await app.admin.post(`/v1/projects/${project.name}/topics/${topic}:publish`, { messages: [{ data: b64('one') }] });
    assert.equal(published.status, 200);
    const start = performance.now();
    const pulled = await app.admin.post(`/v1/projects/${project.name}/subscriptions/${sub}:pull`, { maxMessages: '10', returnImmediately: 'false' });
    const waited = performance.now() - start;
    assert.equal(pulled.status, 200, pulled.text);
    assert.equal(pulled.body.receivedMessages.length, 1);
    assert.ok(waited > 3000, `the pull waited for more messages for ${waited} ms, past every timeout`);
  });

  it('answers errors the parser raises before routing with the AMS envelope: 431 and raw UTF-8 in the path', async () => {
    const big = await rawExchange(app.url, [`GET /v1/status HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`]);
    assert.equal(big.status, 431);
    assert.deepEqual(big.body, amsError(431, 'INVALID_ARGUMENT', 'Request header fields too large'));
    const utf8 = await rawExchange(app.url, [Buffer.concat([Buffer.from('GET /v1/projects/caf'), Buffer.from('é', 'utf8'), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')])]);
    assert.equal(utf8.status, 400);
    assert.deepEqual(utf8.body, amsError(400, 'BAD_REQUEST', 'Invalid Request'));
  });
});
