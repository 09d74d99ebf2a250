import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp } from '../support/app.js';
import { backendEnv, dropBackendData } from '../support/backends.js';
import { type ChildServer, freePort, PUSH_MAIN_JS, spawnServer } from '../support/child-server.js';
import { newProject } from '../support/fixtures.js';
import { PushReceiver } from '../support/push-receiver.js';

/**
 * The separate push worker (`npm run start:push`, dist/push-main.js) next to an API that delivers nothing itself
 * (AMS_PUSH_WORKER=external): the worker is killed with SIGKILL mid-stream and a new one started; its lease expires
 * and every message published reaches the receiver at least once, in order of first arrival. Push notices go over TCP
 * on the embedded store and over Kafka on kafka-mongo.
 */

const LEASE_S = '1';
const METRICS_TOKEN = 'worker-metrics-token-0123456789';
const RECONCILE_MS = '100';

describe('separate push worker (process level)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ams-push-worker-'));
  const workers: ChildServer[] = [];
  let app: RunningApp;
  let receiver: PushReceiver;
  let noticePort = 0;
  const kafka = process.env.AMS_STORE === 'kafka-mongo';

  const common = {
    AMS_PUSH_ALLOW_HTTP: 'true',
    AMS_PUSH_ALLOW_PRIVATE: 'true',
    AMS_PUSH_LEASE_S: LEASE_S,
    AMS_PUSH_RECONCILE_MS: RECONCILE_MS,
    AMS_PUSH_TIMEOUT_MS: '2000',
  };

  before(async () => {
    noticePort = await freePort();
    app = await startApp(
      {
        ...common,
        AMS_PUSH_WORKER: 'external',
        ...(kafka ? {} : { AMS_PUSH_NOTICES: 'tcp', AMS_PUSH_NOTICE_TARGETS: `127.0.0.1:${noticePort}` }),
      },
      { dataDir },
    );
    receiver = await new PushReceiver().start();
  });
  after(async () => {
    for (const worker of workers) await worker.kill();
    await app.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropBackendData(backendEnv(dataDir));
  });

  /** A worker on the API's store; ready once /v1/status of the API sees its heartbeat. Its own HTTP port: `httpPort`. */
  async function startWorker(): Promise<ChildServer & { httpPort: number }> {
    const httpPort = await freePort();
    const worker = spawnServer(
      {
        ...common,
        AMS_DATA_DIR: dataDir,
        AMS_LOG_LEVEL: 'warn',
        AMS_HOST: '127.0.0.1',
        AMS_PUSH_WORKER_PORT: String(httpPort),
        AMS_METRICS_TOKEN: METRICS_TOKEN,
        ...(kafka ? {} : { AMS_PUSH_NOTICES: 'tcp', AMS_PUSH_NOTICE_LISTEN: `127.0.0.1:${noticePort}` }),
      },
      PUSH_MAIN_JS,
    );
    workers.push(worker);
    let exited = false;
    void worker.exited.then(() => (exited = true));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new Error(`the push worker exited:\n${worker.stderr()}`);
      const status = await app.client().get('/v1/status');
      if (status.body.push_servers?.[0]?.status === 'SERVING') return { ...worker, httpPort };
      if (Date.now() > deadline) throw new Error(`the push worker did not start:\n${worker.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('reports no push server while no worker runs', async () => {
    const status = await app.client().get('/v1/status');
    assert.equal(status.status, 200);
    assert.equal(status.body.push_servers[0].status, 'Push server is currently unavailable');
  });

  it('delivers every message at least once across a SIGKILL of the worker and a restart', async () => {
    const first = await startWorker();
    const project = await newProject(app);
    const topic = await project.topic();
    const sub = await project.subscription(topic, undefined, {
      pushConfig: { type: 'http_endpoint', pushEndpoint: `${receiver.url}/push`, maxMessages: 5, retryPolicy: { period: 10 } },
    });
    const base = `/v1/projects/${project.name}`;
    receiver.verificationHash = (await app.admin.get(`${base}/subscriptions/${sub}`)).body.pushConfig.verificationHash;
    const verified = await app.admin.post(`${base}/subscriptions/${sub}:verifyPushEndpoint`);
    assert.equal(verified.status, 200, verified.text);

    const published: string[] = [];
    const publish = async (count: number): Promise<void> => {
      const messages = Array.from({ length: count }, (_, i) => ({ data: Buffer.from(`m${published.length + i}`).toString('base64') }));
      const reply = await app.admin.post(`${base}/topics/${topic}:publish`, { messages });
      assert.equal(reply.status, 200, reply.text);
      published.push(...(reply.body.messageIds as string[]));
    };
    const received = (): string[] =>
      receiver.accepted().flatMap((r) => (JSON.parse(r.body).messages as { message: { messageId: string } }[]).map((m) => m.message.messageId));

    for (let i = 0; i < 6; i++) await publish(10);
    await receiver.until(() => received().length >= 20, 20_000, 'the first worker to deliver');
    await first.kill();
    assert.equal((await first.exited).signal, 'SIGKILL');
    for (let i = 0; i < 6; i++) await publish(10); // published while no worker runs

    const second = await startWorker();
    await publish(10);
    const all = new Set(published);
    await receiver.until(() => [...all].every((id) => received().includes(id)), 30_000, 'every message after the restart');

    // The worker's own HTTP server: health for Kubernetes probes, and its push counters for Prometheus.
    const workerUrl = `http://127.0.0.1:${second.httpPort}`;
    const health = await fetch(`${workerUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.equal((await fetch(`${workerUrl}/metrics`)).status, 401, 'AMS_METRICS_TOKEN protects the worker too');
    const scrape = await fetch(`${workerUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(scrape.status, 200);
    const delivered = new RegExp(`^ams_push_messages_delivered_total\\{project="${project.name}",subscription="${sub}"\\} (\\d+)$`, 'm');
    const count = Number(delivered.exec(await scrape.text())?.[1] ?? 0);
    assert.ok(count >= 10, `the second worker counted what it delivered (${count})`);
    assert.equal((await fetch(`${workerUrl}/nothing`)).status, 404);

    const firstArrival = [...new Set(received())];
    assert.deepEqual(firstArrival, published, 'every message arrived, in order of publication');
    // Everything arrived; the acknowledgement of the last batch follows its push: wait for it, for a bounded time.
    const deadline = Date.now() + 20_000;
    let current = -1;
    while (current !== published.length && Date.now() < deadline) {
      current = (await app.admin.get(`${base}/subscriptions/${sub}:offsets`)).body.current as number;
      if (current !== published.length) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(current, published.length, 'everything acknowledged');
  });
});
