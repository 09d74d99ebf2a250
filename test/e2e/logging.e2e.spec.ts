import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '../support/client.js';
import { type ChildServer, freePort, spawnServer, waitUntilReady } from '../support/child-server.js';

/** Logs are JSON lines with request ids, and no token ever reaches them (architecture decision 5). */
describe('logging', () => {
  const dirs: string[] = [];
  const dataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ams-logging-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const start = async (env: Record<string, string>): Promise<ChildServer> => {
    const server = spawnServer({ AMS_HOST: '127.0.0.1', AMS_PORT: String(await freePort()), ...env });
    await waitUntilReady(server);
    return server;
  };
  const output = (server: ChildServer): string => server.stdout() + server.stderr();

  it('never writes a token, from the header, the query or a response, into the logs', async () => {
    const adminToken = 'logging-admin-token-5f1e2d3c';
    const server = await start({ AMS_DATA_DIR: dataDir(), AMS_ADMIN_TOKEN: adminToken, AMS_LOG_LEVEL: 'trace' });
    try {
      const base = server.url;
      const admin = new Client(base, adminToken);
      const created = await admin.post('/v1/users/logged-user', { email: 'l@example.org' });
      assert.equal(created.status, 200);
      const userToken = created.body.token as string;
      await admin.get('/v1/users', { tokenIn: 'query' });
      await new Client(base, userToken).get('/v1/users/profile', { tokenIn: 'query' });
      await admin.get(`/v1/users:byToken/${userToken}`);
      await new Client(base, 'wrong-token-never-logged').get('/v1/projects', { tokenIn: 'query' });
      await admin.post('/v1/users/logged-user:refreshToken');
      const logs = output(server);
      assert.ok(logs.includes('"url"'), 'request logs are written at trace level');
      for (const secret of [adminToken, userToken, 'wrong-token-never-logged']) {
        assert.equal(logs.includes(secret), false, `a token leaked into the logs: ${secret}`);
      }
    } finally {
      await server.kill();
    }
  });

  it('tags every request log line with the request id it echoes in x-request-id', async () => {
    const server = await start({ AMS_DATA_DIR: dataDir(), AMS_ADMIN_TOKEN: 'logging-admin-token-2', AMS_LOG_LEVEL: 'info' });
    try {
      const reply = await new Client(server.url).get('/v1/status', {
        headers: { 'x-request-id': 'trace-me-42' },
      });
      assert.equal(reply.headers.get('x-request-id'), 'trace-me-42');
      await new Promise((r) => setTimeout(r, 200));
      const lines = output(server)
        .split('\n')
        .filter((line) => line.includes('trace-me-42'))
        .map((line) => JSON.parse(line) as { reqId?: string });
      assert.ok(lines.length >= 1, 'the request was logged');
      assert.ok(lines.every((line) => line.reqId === 'trace-me-42'));
    } finally {
      await server.kill();
    }
  });

  it('prints a generated admin token once, on the first start only', async () => {
    const dir = dataDir();
    const first = await start({ AMS_DATA_DIR: dir, AMS_LOG_LEVEL: 'warn' });
    let token: string;
    try {
      const printed = [...output(first).matchAll(/AMS admin token for "admin": ([0-9a-f]{64})/g)];
      assert.equal(printed.length, 1, output(first));
      token = printed[0][1];
      const profile = await new Client(first.url, token).get('/v1/users/profile');
      assert.equal(profile.status, 200);
      assert.deepEqual(profile.body.service_roles, ['service_admin']);
    } finally {
      await first.kill();
    }
    const second = await start({ AMS_DATA_DIR: dir, AMS_LOG_LEVEL: 'warn' });
    try {
      assert.equal(output(second).includes('AMS admin token'), false);
      const again = await new Client(second.url, token).get('/v1/users/profile');
      assert.equal(again.status, 200);
    } finally {
      await second.kill();
    }
  });
});
