import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { ROOT } from '../support/child-server.js';
import type { Reply } from '../support/client.js';
import { capturedLogger } from '../support/log-lines.js';

type AnyReply = Reply<any>;

/**
 * Outages of the kafka-mongo backend (run alone, after the e2e pass: it stops the shared Kafka broker). While a
 * dependency is down, requests answer 503 in the AMS envelope instead of hanging, and the status names it; once it is
 * back the same process recovers by itself, and every message whose publish got a 200 is still delivered.
 *
 * Kafka is really stopped and started (its data is on disk). The MongoDB-compatible test server keeps its data in
 * memory only, so stopping it would lose the metadata a real MongoDB keeps; its outage is made at the network level
 * instead: the service reaches it through a loopback relay that the test cuts (connections refused and reset) and
 * restores.
 */

/** No request may take longer than this during an outage (the bound). */
const ANSWER_WITHIN_MS = 10_000;
const kafka = (command: string): void => {
  execFileSync('bash', [join(ROOT, 'scripts', 'services', 'kafka.sh'), command], { stdio: 'inherit' });
};

/** A TCP relay to the MongoDB-compatible server that can be cut and restored on the same port. */
class Relay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  static async open(target: number): Promise<Relay> {
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((done) => probe.close(() => done()));
    const relay = new Relay(port, target);
    await relay.restore();
    return relay;
  }

  restore(): Promise<void> {
    if (this.server !== null) return Promise.resolve();
    this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    return new Promise((done) => this.server?.listen(this.port, '127.0.0.1', () => done()));
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server !== null) await new Promise<void>((done) => server.close(() => done()));
  }
}

async function within<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return work(AbortSignal.timeout(ANSWER_WITHIN_MS));
}

function assertUnavailable(reply: AnyReply, backend: string | null, what: string): void {
  assert.equal(reply.status, 503, `${what}: ${reply.text}`);
  assert.equal(reply.body.error.code, 503, what);
  assert.equal(reply.body.error.status, 'SERVICE_UNAVAILABLE', what);
  if (backend !== null) assert.match(reply.body.error.message, new RegExp(backend), what);
}

/** Retries `call` until it answers 200 (the dependency is back), for at most a minute. */
async function until200(call: () => Promise<AnyReply>): Promise<AnyReply> {
  let last: AnyReply | null = null;
  for (let i = 0; i < 120; i++) {
    last = await call();
    if (last.status === 200) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no recovery: ${last?.text}`);
}

describe('kafka-mongo outages', () => {
  let app: RunningApp;
  let relay: Relay;
  const log = capturedLogger('info');
  /** What the log said at warn and above since `from`, and the health monitor's lines. */
  const said = (from: number): { health: unknown[][]; others: unknown[] } => {
    const lines = log.lines.slice(from);
    return {
      health: lines.filter((l) => l.context === 'Health').map((l) => [l.level, l.msg]),
      others: lines.filter((l) => l.context !== 'Health' && (l.level === 'warn' || l.level === 'error')),
    };
  };
  let base: string;
  let topicPath: string;
  let subPath: string;
  const acknowledged: string[] = [];

  const publish = (data: string, signal?: AbortSignal): Promise<AnyReply> =>
    app.admin.post(`${topicPath}:publish`, { messages: [{ data }] }, { signal });
  const pull = (signal?: AbortSignal): Promise<AnyReply> =>
    app.admin.post(`${subPath}:pull`, { maxMessages: '1000' }, { signal });

  before(async () => {
    assert.equal(process.env.AMS_STORE, 'kafka-mongo', 'run this file on AMS_STORE=kafka-mongo');
    const mongo = new URL(process.env.AMS_TEST_MONGODB_URI ?? '');
    relay = await Relay.open(Number(mongo.port || 27017));
    process.env.AMS_TEST_MONGODB_URI = `mongodb://127.0.0.1:${relay.port}`;
    app = await startApp({}, { logger: log.logger });
    base = `/v1/projects/${unique('outage')}`;
    assert.equal((await app.admin.post(base, {})).status, 200);
    topicPath = `${base}/topics/events`;
    subPath = `${base}/subscriptions/events-sub`;
    assert.equal((await app.admin.put(topicPath)).status, 200);
    assert.equal((await app.admin.put(subPath, { topic: `projects/${base.split('/')[3]}/topics/events` })).status, 200);
    for (const data of ['before-1', 'before-2']) {
      const reply = await publish(data);
      assert.equal(reply.status, 200, reply.text);
      acknowledged.push(data);
    }
  });

  after(async () => {
    await relay.restore().catch(() => undefined);
    kafka('start');
    await app.close();
    await relay.cut();
  });

  it('answers 503 while Kafka is down, reports it, and recovers without a restart', async () => {
    const from = log.lines.length;
    kafka('stop');
    assertUnavailable(await within((signal) => publish('during-kafka', signal)), null, 'publish');
    assertUnavailable(await within((signal) => pull(signal)), null, 'pull');
    assertUnavailable(await within((signal) => app.client().get('/v1/status', { signal })), 'kafka', 'status');

    kafka('start');
    const recovered = await until200(() => publish('after-kafka'));
    acknowledged.push('after-kafka');
    assert.equal(recovered.body.messageIds.length, 1);
    assert.equal((await app.client().get('/v1/status')).status, 200);
    // The monitor checked many times meanwhile (every 5 s, and per status call): the log says it once per change.
    assert.deepEqual(said(from), {
      health: [
        ['warn', 'kafka unreachable'],
        ['info', 'kafka reachable again'],
      ],
      others: [],
    });
  });

  it('answers 503 while MongoDB is unreachable, reports it, and recovers without a restart', async () => {
    const from = log.lines.length;
    await relay.cut();
    assertUnavailable(await within((signal) => publish('during-mongo', signal)), null, 'publish');
    assertUnavailable(await within((signal) => app.admin.get(`${base}/topics`, { signal })), null, 'list topics');
    assertUnavailable(await within((signal) => app.client().get('/v1/status', { signal })), 'mongodb', 'status');

    await relay.restore();
    await until200(() => publish('after-mongo'));
    acknowledged.push('after-mongo');
    assert.equal((await app.client().get('/v1/status')).status, 200);
    assert.deepEqual(said(from), {
      health: [
        ['warn', 'mongodb unreachable'],
        ['info', 'mongodb reachable again'],
      ],
      others: [],
    });
  });

  it('delivers every message whose publish got a 200, in order, with gap-free ids', async () => {
    await relay.restore();
    const reply = await until200(() => pull());
    assert.equal(reply.status, 200, reply.text);
    const messages = reply.body.receivedMessages.map((m: { message: { data: string; messageId: string } }) => m.message);
    // A publish that failed with 503 may still have reached Kafka (its outcome was unknown to the service), so the
    // log may hold more than was acknowledged; what was acknowledged must all be there, in publish order.
    const data = messages.map((m: { data: string }) => m.data);
    const positions = acknowledged.map((d) => data.indexOf(d));
    assert.ok(positions.every((p) => p >= 0), `missing: ${acknowledged.filter((_, i) => positions[i] < 0)}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, 'in publish order');
    assert.deepEqual(
      messages.map((m: { messageId: string }) => m.messageId),
      messages.map((_: unknown, i: number) => String(i)),
    );
  });
});
