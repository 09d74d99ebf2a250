import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { PUSH_WORKER_LEASE_PREFIX } from '../../src/push/push-dispatcher.js';
import { SqliteFile } from '../../src/storage/embedded/sqlite-file.js';
import { SqliteJobLeaseStore } from '../../src/storage/embedded/sqlite-job-lease-store.repository.js';
import { MongoJobLeaseStore } from '../../src/storage/mongo/mongo-job-lease-store.repository.js';
import type { JobLease } from '../../src/storage/ports/job-lease-store.repository.js';
import { unique } from '../support/app.js';
import { backendEnv, dropBackendData } from '../support/backends.js';
import { Client } from '../support/client.js';
import { freePort, type ChildServer, spawnServer, waitUntilReady } from '../support/child-server.js';
import { PushReceiver } from '../support/push-receiver.js';

/**
 * Graceful shutdown of the built service (dist/main.js) on SIGTERM, as Kubernetes stops a pod: requests in flight
 * finish (a long poll answers with what it has instead of holding the close open), the process exits 0 soon after,
 * what was counted in memory (daily message counters) is in the store when it starts again, and the job leases of push
 * delivery are released rather than left to expire.
 */

/** The push leases (subscriptions served, worker heartbeats) left in the store of a stopped service. */
async function pushLeases(dataDir: string): Promise<JobLease[]> {
  const env = backendEnv(dataDir);
  if (env.AMS_STORE === 'kafka-mongo') {
    const connection = await mongoose.createConnection(env.AMS_MONGODB_URI).asPromise();
    try {
      const leases = MongoJobLeaseStore.on(connection);
      return [...(await leases.list('push/')), ...(await leases.list(PUSH_WORKER_LEASE_PREFIX))];
    } finally {
      await connection.close();
    }
  }
  const file = new SqliteFile({ dataDir, sqliteSynchronous: 'NORMAL' });
  try {
    const leases = new SqliteJobLeaseStore(file);
    return [...(await leases.list('push/')), ...(await leases.list(PUSH_WORKER_LEASE_PREFIX))];
  } finally {
    file.close();
  }
}

const ADMIN_TOKEN = 'shutdown-admin-token-0123456789';

/** Polls `check` every 20 ms until it holds; fails after 15 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('graceful shutdown on SIGTERM (process level)', () => {
  const servers: ChildServer[] = [];
  const dirs: string[] = [];
  let receiver: PushReceiver | null = null;
  after(async () => {
    for (const server of servers) await server.kill();
    await receiver?.close();
    for (const dir of dirs) {
      await dropBackendData(backendEnv(dir));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  async function start(dir: string): Promise<{ server: ChildServer; admin: Client }> {
    const server = spawnServer({
      AMS_PORT: String(await freePort()),
      AMS_HOST: '127.0.0.1',
      AMS_DATA_DIR: dir,
      AMS_ADMIN_TOKEN: ADMIN_TOKEN,
      AMS_LOG_LEVEL: 'debug', // the long poll says when it waits
      AMS_PUSH_ALLOW_HTTP: 'true',
      AMS_PUSH_ALLOW_PRIVATE: 'true',
      AMS_PUSH_LEASE_S: '60',
      AMS_PUSH_RECONCILE_MS: '100',
    });
    servers.push(server);
    await waitUntilReady(server);
    return { server, admin: new Client(server.url, ADMIN_TOKEN) };
  }

  it('answers the long poll in flight, exits 0, releases its push leases and keeps the counters of the last publishes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ams-shutdown-'));
    dirs.push(dir);
    const { server, admin } = await start(dir);
    const project = unique('shutdown');
    const base = `/v1/projects/${project}`;
    assert.equal((await admin.post(base, { description: 'stops gracefully' })).status, 200);
    assert.equal((await admin.put(`${base}/topics/t`)).status, 200);
    assert.equal((await admin.put(`${base}/subscriptions/s`, { topic: `projects/${project}/topics/t` })).status, 200);
    const published = await admin.post(`${base}/topics/t:publish`, {
      messages: [{ data: 'b25l' }, { data: 'dHdv' }, { data: 'dGhyZWU=' }],
    });
    assert.equal(published.status, 200, published.text);

    // A push subscription being delivered: its lease is held for 60 s unless the shutdown gives it back.
    receiver = await new PushReceiver().start();
    const push = await admin.put(`${base}/subscriptions/pushed`, {
      topic: `projects/${project}/topics/t`,
      pushConfig: { type: 'http_endpoint', pushEndpoint: `${receiver.url}/push`, retryPolicy: { type: 'linear', period: 50 } },
    });
    assert.equal(push.status, 200, push.text);
    receiver.verificationHash = push.body.pushConfig.verificationHash as string;
    assert.equal((await admin.post(`${base}/subscriptions/pushed:verifyPushEndpoint`)).status, 200);
    assert.equal((await admin.post(`${base}/topics/t:publish`, { messages: [{ data: 'cHVzaGVk' }] })).status, 200);
    await receiver.until(() => receiver!.accepted().length >= 1, 15_000, 'the push before the shutdown');

    // Four messages are there and ten are asked for: without a shutdown this pull would wait up to 300 s.
    const pulling = admin.post(`${base}/subscriptions/s:pull`, { maxMessages: '10', returnImmediately: 'false' });
    await until(() => server.stdout().includes('a pull of s waits for more messages'), 'the pull to wait');
    const stoppedAt = Date.now();
    server.child.kill('SIGTERM');

    const pulled = await pulling;
    assert.equal(pulled.status, 200, pulled.text);
    assert.deepEqual(
      (pulled.body.receivedMessages as { message: { data: string } }[]).map((m) => m.message.data),
      ['b25l', 'dHdv', 'dGhyZWU=', 'cHVzaGVk'],
    );
    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, server.stderr());
    assert.ok(Date.now() - stoppedAt < 10_000, `stopped in ${Date.now() - stoppedAt} ms`);

    assert.deepEqual(await pushLeases(dir), [], 'push leases released, not left to expire');

    // The daily counters were rolled up in memory (flushed every 10 s); the shutdown wrote them.
    const again = await start(dir);
    const paName = unique('pa');
    const created = await again.admin.post(`/v1/users/${paName}`, {
      email: `${paName}@example.org`,
      projects: [{ project, roles: ['project_admin'] }],
    });
    assert.equal(created.status, 200, created.text);
    const pa = new Client(again.server.url, created.body.token as string);
    const report = await pa.get('/v1/users/usageReport');
    assert.equal(report.status, 200, report.text);
    const projects = (report.body.va_metrics as { projects_metrics: { projects: { project: string; message_count: number }[] } })
      .projects_metrics.projects;
    assert.deepEqual(projects.map((p) => [p.project, p.message_count]), [[project, 4]]);
  });
});
