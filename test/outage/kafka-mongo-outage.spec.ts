import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { ROOT } from '../support/child-server.js';
import type { Reply } from '../support/client.js';
import { capturedLogger } from '../support/log-lines.js';

type AnyReply = Reply<any>;

/**
 * Outages of the kafka-mongo backend (run alone, after the e2e pass: it stops the shared Kafka broker and the shared
 * MongoDB-compatible server). While a dependency is down, requests answer 503 in the AMS envelope instead of hanging,
 * and the status names it; once it is back the same process recovers by itself, and every message whose publish got
 * a 200 is still delivered, and the log says each outage once when it starts and once when it ends. Both servers are
 * really stopped and started; both keep their data on disk.
 */

/** No request may take longer than this during an outage (the bound). */
const ANSWER_WITHIN_MS = 10_000;
const service = (name: 'kafka' | 'mongo', command: string): void => {
  execFileSync('bash', [join(ROOT, 'scripts', 'services', `${name}.sh`), command], { stdio: 'inherit' });
};
const kafka = (command: string): void => service('kafka', command);
const mongo = (command: string): void => service('mongo', command);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
  /** Publishes of the background traffic during the MongoDB outage that got a 200 (delivered, in any order). */
  const trafficAcknowledged: string[] = [];

  const publish = (data: string, signal?: AbortSignal): Promise<AnyReply> =>
    app.admin.post(`${topicPath}:publish`, { messages: [{ data }] }, { signal });
  const pull = (signal?: AbortSignal): Promise<AnyReply> =>
    app.admin.post(`${subPath}:pull`, { maxMessages: '1000' }, { signal });

  before(async () => {
    assert.equal(process.env.AMS_STORE, 'kafka-mongo', 'run this file on AMS_STORE=kafka-mongo');
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
    kafka('start');
    mongo('start');
    await app.close();
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

  it('answers 503 while MongoDB is stopped, under publish traffic, and recovers without a restart', async () => {
    const from = log.lines.length;
    // Publishes every 50 ms (at most 300) from before the stop until after the restart, each bounded by the 10 s.
    let publishing = true;
    const answers: { data: string; status: number }[] = [];
    const traffic = (async () => {
      for (let i = 0; publishing && i < 300; i++) {
        const data = `traffic-${i}`;
        const reply = await within((signal) => publish(data, signal)).catch(() => null);
        answers.push({ data, status: reply?.status ?? 0 });
        if (reply?.status === 200) trafficAcknowledged.push(data);
        await sleep(50);
      }
    })();
    await sleep(500);
    mongo('stop');
    assertUnavailable(await within((signal) => publish('during-mongo', signal)), null, 'publish');
    assertUnavailable(await within((signal) => app.admin.get(`${base}/topics`, { signal })), null, 'list topics');
    assertUnavailable(await within((signal) => app.client().get('/v1/status', { signal })), 'mongodb', 'status');

    mongo('start');
    await until200(() => publish('after-mongo'));
    acknowledged.push('after-mongo');
    assert.equal((await app.client().get('/v1/status')).status, 200);
    await sleep(500);
    publishing = false;
    await traffic;
    assert.deepEqual(answers.filter((a) => a.status !== 200 && a.status !== 503), [], 'every publish answered 200 or 503 within 10 s');
    assert.ok(answers.some((a) => a.status === 503), 'the traffic saw the outage');
    assert.ok(trafficAcknowledged.length > 0, 'the traffic got through before and after it');
    assert.deepEqual(said(from), {
      health: [
        ['warn', 'mongodb unreachable'],
        ['info', 'mongodb reachable again'],
      ],
      others: [],
    });
  });

  it('delivers every message whose publish got a 200, in order, with gap-free ids', async () => {
    const reply = await until200(() => pull());
    assert.equal(reply.status, 200, reply.text);
    const messages = reply.body.receivedMessages.map((m: { message: { data: string; messageId: string } }) => m.message);
    // A publish that failed with 503 may still have reached Kafka (its outcome was unknown to the service), so the
    // log may hold more than was acknowledged; what was acknowledged must all be there, in publish order.
    const data = messages.map((m: { data: string }) => m.data);
    const positions = acknowledged.map((d) => data.indexOf(d));
    assert.ok(positions.every((p) => p >= 0), `missing: ${acknowledged.filter((_, i) => positions[i] < 0)}`);
    assert.deepEqual(trafficAcknowledged.filter((d) => !data.includes(d)), [], 'traffic answered 200 but missing');
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, 'in publish order');
    assert.deepEqual(
      messages.map((m: { messageId: string }) => m.messageId),
      messages.map((_: unknown, i: number) => String(i)),
    );
  });
});
