import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { PUSH_WORKER_LEASE_PREFIX } from '../../src/push/push-dispatcher.js';
import { MongoJobLeaseStore } from '../../src/storage/mongo/mongo-job-lease-store.repository.js';
import { unique } from '../support/app.js';
import { dropBackendData, kafkaMongoEnv } from '../support/backends.js';
import { type ChildServer, PUSH_MAIN_JS, spawnServer, startOnFreePort } from '../support/child-server.js';
import { Client } from '../support/client.js';
import { PushReceiver } from '../support/push-receiver.js';

/**
 * Several replicas on one kafka-mongo backend, as the Helm chart runs them: two API processes (A and B, delivering no
 * pushes themselves) and one push worker process. Messages are published through A and pulled and acknowledged
 * through B by concurrent pullers of a per-message subscription (`ackMode: individual`): no message is handed to two
 * pullers while its lease is live, and every message is received. A push subscription delivers every message once.
 * Then A is killed with SIGKILL in the middle of publishing: every publish that was answered 200, through either
 * replica, is still delivered afterwards (nothing acknowledged to a client is lost).
 */

const ADMIN_TOKEN = 'replicas-admin-token-0123456789';
const ACK_DEADLINE_S = 60; // far longer than the test: any second delivery would be a lease handed out twice
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Pulled {
  ackId: string;
  message: { messageId: string; data: string };
}

describe('replicas on kafka-mongo: two API processes and a push worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ams-replicas-'));
  const env = kafkaMongoEnv(basename(dir));
  const servers: ChildServer[] = [];
  let receiver: PushReceiver;

  const common = {
    ...env,
    AMS_HOST: '127.0.0.1',
    AMS_DATA_DIR: dir,
    AMS_ADMIN_TOKEN: ADMIN_TOKEN,
    AMS_LOG_LEVEL: 'warn',
    AMS_PUSH_ALLOW_HTTP: 'true',
    AMS_PUSH_ALLOW_PRIVATE: 'true',
    AMS_PUSH_LEASE_S: '2',
    AMS_PUSH_RECONCILE_MS: '200',
    AMS_PUSH_WORKER_PORT: '0', // several workers on one host: no worker HTTP server (it has a fixed default port)
  };

  async function startApi(): Promise<{ server: ChildServer; client: Client }> {
    const server = await startOnFreePort({ ...common, AMS_PUSH_WORKER: 'external' });
    servers.push(server);
    return { server, client: new Client(server.url, ADMIN_TOKEN) };
  }

  before(async () => {
    receiver = await new PushReceiver().start();
  });

  after(async () => {
    for (const server of servers) await server.kill();
    await receiver.close();
    await dropBackendData(env);
    rmSync(dir, { recursive: true, force: true });
  });

  it('publish on one, pull on the other, push once, and lose nothing when a replica dies', async () => {
    const a = await startApi(); // alone first: it makes the bootstrap admin
    const b = await startApi();
    const worker = spawnServer({ ...common }, PUSH_MAIN_JS);
    servers.push(worker);

    const project = unique('replicas');
    const base = `/v1/projects/${project}`;
    assert.equal((await a.client.post(base, {})).status, 200);
    assert.equal((await a.client.put(`${base}/topics/t`)).status, 200);
    const pullSub = await b.client.put(`${base}/subscriptions/pulled`, {
      topic: `projects/${project}/topics/t`,
      ackDeadlineSeconds: ACK_DEADLINE_S,
      ackMode: 'individual',
    });
    assert.equal(pullSub.status, 200, pullSub.text);
    const pushSub = await a.client.put(`${base}/subscriptions/pushed`, {
      topic: `projects/${project}/topics/t`,
      ackDeadlineSeconds: ACK_DEADLINE_S,
      pushConfig: { type: 'http_endpoint', pushEndpoint: `${receiver.url}/push`, maxMessages: 10, retryPolicy: { type: 'linear', period: 50 } },
    });
    assert.equal(pushSub.status, 200, pushSub.text);
    receiver.verificationHash = pushSub.body.pushConfig.verificationHash as string;
    const verified = await b.client.post(`${base}/subscriptions/pushed:verifyPushEndpoint`);
    assert.equal(verified.status, 200, verified.text);

    // ---- publish through A, pull and acknowledge through B with concurrent pullers --------------------------------
    const published: string[] = [];
    const publishBatch = async (client: Client, from: number, count: number): Promise<void> => {
      const messages = Array.from({ length: count }, (_, i) => ({ data: Buffer.from(`m${from + i}`).toString('base64') }));
      const reply = await client.post(`${base}/topics/t:publish`, { messages });
      assert.equal(reply.status, 200, reply.text);
      published.push(...messages.map((m) => m.data));
    };
    const TOTAL = 300;
    const publishing = (async () => {
      for (let i = 0; i < TOTAL; i += 30) await publishBatch(a.client, i, 30);
    })();

    const deliveries = new Map<string, number>(); // message data -> times handed out
    let acknowledged = 0;
    const pullDeadline = Date.now() + 120_000;
    // Until every message is acknowledged (bounded in time); an empty pull is tried again after 50 ms.
    const pullers = Array.from({ length: 3 }, async () => {
      while (acknowledged < TOTAL) {
        assert.ok(Date.now() < pullDeadline, `only ${acknowledged} of ${TOTAL} acknowledged in time`);
        const reply = await b.client.post(`${base}/subscriptions/pulled:pull`, { maxMessages: '25', returnImmediately: 'true' });
        assert.equal(reply.status, 200, reply.text);
        const received = reply.body.receivedMessages as Pulled[];
        if (received.length === 0) {
          await sleep(50);
          continue;
        }
        for (const r of received) deliveries.set(r.message.data, (deliveries.get(r.message.data) ?? 0) + 1);
        const ack = await b.client.post(`${base}/subscriptions/pulled:acknowledge`, { ackIds: received.map((r) => r.ackId) });
        assert.equal(ack.status, 200, ack.text);
        acknowledged += received.length;
      }
    });
    await publishing;
    await Promise.all(pullers);

    assert.equal(published.length, TOTAL);
    const twice = [...deliveries].filter(([, times]) => times > 1);
    assert.deepEqual(twice, [], 'no message handed to two pullers within its ack deadline');
    assert.deepEqual([...deliveries.keys()].sort(), [...published].sort(), 'every message pulled');

    // ---- the push worker delivered each message once -----------------------------------------------------------
    const pushedData = (): string[] =>
      receiver.accepted().flatMap((r) => (JSON.parse(r.body).messages as { message: { data: string } }[]).map((m) => m.message.data));
    await receiver.until(() => new Set(pushedData()).size >= TOTAL, 60_000, 'every message pushed');
    const pushed = pushedData();
    assert.equal(pushed.length, TOTAL, 'pushed once per message in normal operation');
    assert.deepEqual([...new Set(pushed)].sort(), [...published].sort());

    // ---- A dies in the middle of publishing; what was answered 200 survives -------------------------------------
    const answered: string[] = [];
    const keepPublishing = async (client: Client, tag: string): Promise<void> => {
      for (let i = 0; i < 40; i++) {
        const data = Buffer.from(`${tag}-${i}`).toString('base64');
        try {
          const reply = await client.post(`${base}/topics/t:publish`, { messages: [{ data }] }, { signal: AbortSignal.timeout(5000) });
          if (reply.status === 200) answered.push(data);
        } catch {
          // the replica is gone: this publish was never acknowledged
        }
        await sleep(10);
      }
    };
    const during = Promise.all([keepPublishing(a.client, 'a'), keepPublishing(b.client, 'b')]);
    const fromA = (): number => answered.filter((d) => Buffer.from(d, 'base64').toString().startsWith('a-')).length;
    const killDeadline = Date.now() + 30_000;
    while (fromA() < 5 && Date.now() < killDeadline) await sleep(10); // A is publishing: kill it in the middle
    assert.ok(fromA() >= 5, 'A answered publishes before it was killed');
    a.server.child.kill('SIGKILL');
    await during;
    await a.server.exited;
    assert.ok(answered.some((d) => Buffer.from(d, 'base64').toString().startsWith('b-')), 'B kept publishing');

    const after: string[] = [];
    const afterDeadline = Date.now() + 30_000;
    // Until every publish answered 200 is delivered, or the deadline (then the assertion below names what is missing).
    while (!answered.every((d) => after.includes(d)) && Date.now() < afterDeadline) {
      const reply = await b.client.post(`${base}/subscriptions/pulled:pull`, { maxMessages: '100', returnImmediately: 'true' });
      assert.equal(reply.status, 200, reply.text);
      const received = reply.body.receivedMessages as Pulled[];
      if (received.length === 0) {
        await sleep(50);
        continue;
      }
      after.push(...received.map((r) => r.message.data));
      assert.equal((await b.client.post(`${base}/subscriptions/pulled:acknowledge`, { ackIds: received.map((r) => r.ackId) })).status, 200);
    }
    const missing = answered.filter((d) => !after.includes(d));
    assert.deepEqual(missing, [], 'every publish answered 200 is delivered after the replica died');
    await receiver.until(() => answered.every((d) => pushedData().includes(d)), 60_000, 'every answered publish pushed');
  });

  it('two push workers share the push subscriptions, each served by one of them, every message pushed once', async () => {
    // The first test's processes are gone or stopped here: only these two workers are alive.
    for (const server of servers) await server.kill();
    const api = (await startApi()).client;
    const workers = [spawnServer({ ...common }, PUSH_MAIN_JS), spawnServer({ ...common }, PUSH_MAIN_JS)];
    servers.push(...workers);

    const project = unique('shared');
    const base = `/v1/projects/${project}`;
    assert.equal((await api.post(base, {})).status, 200);
    assert.equal((await api.put(`${base}/topics/t`)).status, 200);
    const names = ['s1', 's2', 's3', 's4'];
    const sharing = new PushReceiver();
    await sharing.start();
    try {
      for (const name of names) {
        const created = await api.put(`${base}/subscriptions/${name}`, {
          topic: `projects/${project}/topics/t`,
          pushConfig: { type: 'http_endpoint', pushEndpoint: `${sharing.url}/${name}`, retryPolicy: { type: 'linear', period: 20 } },
        });
        assert.equal(created.status, 200, created.text);
        sharing.verificationHash = created.body.pushConfig.verificationHash as string;
        assert.equal((await api.post(`${base}/subscriptions/${name}:verifyPushEndpoint`)).status, 200);
      }

      // Both workers heartbeat, and the four subscriptions settle two and two (fair share = active / live workers).
      const connection = await mongoose.createConnection(env.AMS_MONGODB_URI).asPromise();
      try {
        const leases = MongoJobLeaseStore.on(connection);
        const deadline = Date.now() + 30_000;
        let holders: string[] = [];
        for (;;) {
          const now = new Date();
          const live = (await leases.list(PUSH_WORKER_LEASE_PREFIX)).filter((l) => l.expiresAt > now);
          const served = (await leases.list('push/')).filter((l) => l.expiresAt > now && l.name.includes('/s'));
          holders = served.map((l) => l.holder);
          const perWorker = [...new Set(holders)].map((h) => holders.filter((x) => x === h).length);
          if (live.length === 2 && served.length === 4 && perWorker.length === 2 && perWorker.every((n) => n === 2)) break;
          if (Date.now() > deadline) assert.fail(`leases did not settle: ${JSON.stringify({ live: live.length, holders })}`);
          await sleep(200);
        }
      } finally {
        await connection.close();
      }

      const TOTAL = 40;
      const data = Array.from({ length: TOTAL }, (_, i) => Buffer.from(`x${i}`).toString('base64'));
      for (let i = 0; i < TOTAL; i += 10) {
        const reply = await api.post(`${base}/topics/t:publish`, { messages: data.slice(i, i + 10).map((d) => ({ data: d })) });
        assert.equal(reply.status, 200, reply.text);
      }
      const pushedTo = (name: string): string[] =>
        sharing
          .accepted()
          .filter((r) => r.path === `/${name}`)
          .map((r) => (JSON.parse(r.body) as { message: { data: string } }).message.data);
      await sharing.until(() => names.every((n) => pushedTo(n).length >= TOTAL), 60_000, 'every message to every subscription');
      // A message is pushed before the acknowledgement that moves the offset past it: once all four are at TOTAL,
      // every push of these messages has been made (a second delivery would be in `pushedTo` by now).
      const settled = Date.now() + 30_000;
      const offsetOf = async (name: string): Promise<number> =>
        (await api.get(`${base}/subscriptions/${name}:offsets`)).body.current as number;
      while ((await Promise.all(names.map(offsetOf))).some((current) => current !== TOTAL) && Date.now() < settled) await sleep(50);
      assert.deepEqual(await Promise.all(names.map(offsetOf)), names.map(() => TOTAL), 'every push acknowledged');
      for (const name of names) assert.deepEqual(pushedTo(name), data, `${name}: every message once, in order`);
    } finally {
      await sharing.close();
    }
  });
});
