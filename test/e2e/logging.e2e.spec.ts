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
      assert.ok(logs.includes('"route"'), 'request logs are written at trace level');
      for (const secret of [adminToken, userToken, 'wrong-token-never-logged']) {
        assert.equal(logs.includes(secret), false, `a token leaked into the logs: ${secret}`);
      }
    } finally {
      await server.kill();
    }
  });

  it('never logs a token in any spelling of the key parameter or the byToken path, at trace level (issue 11 item 4)', async () => {
    const adminToken = 'logging-admin-token-77aa01';
    const server = await start({ AMS_DATA_DIR: dataDir(), AMS_ADMIN_TOKEN: adminToken, AMS_LOG_LEVEL: 'trace' });
    try {
      const base = server.url;
      const created = await new Client(base, adminToken).post('/v1/users/spelled-user', { email: 's@example.org' });
      assert.equal(created.status, 200);
      const userToken = created.body.token as string;
      const paths = (token: string): string[] => [
        `/v1/users/profile?%6bey=${token}`,
        `/v1/users/profile?%6B%65%79=${token}`,
        `/v1/users/profile?KEY=${token}`,
        `/v1/users/profile?Key=${token}&x=1`,
        `/v1/users/profile?key[]=${token}`,
        `/v1/users/profile?key=${token}&key=${token}`,
        `/v1/projects?pageSize=1&key=${token}`,
        `/v1/no-such-route?key=${token}`,
        `/v1/users%3AbyToken/${token}`,
        `/v1/users%3abytoken/${token}`,
        `/v1/users:bytoken/${token}`,
        `/v1/users:BYTOKEN/${token}?key=${token}`,
      ];
      const statuses: number[] = [];
      for (const path of [...paths(userToken), ...paths('never-a-real-token-31337')]) {
        const reply = await fetch(`${base}${path}`, { headers: { 'x-api-key': adminToken } });
        await reply.arrayBuffer();
        statuses.push(reply.status);
      }
      assert.equal(statuses[0], 200, 'the decoded %6bey spelling authenticates');
      const byToken = await fetch(`${base}/v1/users:byToken/${userToken}?key=${adminToken}`);
      assert.equal(byToken.status, 200);
      await new Promise((r) => setTimeout(r, 200));
      const logs = output(server);
      const requestLines = logs.split('\n').filter((line) => line.includes('"msg":"request"'));
      assert.ok(requestLines.length >= 25, `one line per request (${requestLines.length})`);
      for (const secret of [adminToken, userToken, 'never-a-real-token-31337']) {
        assert.equal(logs.includes(secret), false, `a token leaked into the logs: ${secret}`);
      }
    } finally {
      await server.kill();
    }
  });

  it('logs one JSON line per request (method, route pattern, status, duration, request id); probes and /metrics at debug', async () => {
    const server = await start({ AMS_DATA_DIR: dataDir(), AMS_ADMIN_TOKEN: 'logging-admin-token-3', AMS_LOG_LEVEL: 'info' });
    try {
      const admin = new Client(server.url, 'logging-admin-token-3');
      await admin.get('/v1/status');
      await admin.get('/metrics');
      await admin.post('/v1/projects/log-line-project', { description: 'x' });
      await admin.get('/v1/projects/log-line-project', { headers: { 'x-request-id': 'one-line-7' } });
      await new Promise((r) => setTimeout(r, 200));
      const lines = output(server)
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const line of lines) {
        assert.equal(typeof line.level, 'string', JSON.stringify(line));
        assert.equal(typeof line.time, 'string', JSON.stringify(line));
      }
      const requests = lines.filter((line) => line.msg === 'request');
      assert.deepEqual(
        requests.map((line) => [line.method, line.route, line.status]),
        [
          ['POST', '/v1/projects/{project}', 200],
          ['GET', '/v1/projects/{project}', 200],
        ],
      );
      const last = requests[1];
      assert.equal(last.reqId, 'one-line-7');
      assert.equal(typeof last.durationMs, 'number');
      assert.equal(last.level, 'info');
      assert.equal(lines.filter((line) => line.reqId === 'one-line-7').length, 1, 'one line, not two');
      assert.deepEqual(lines.filter((line) => line.context === 'RouterExplorer' || line.context === 'InstanceLoader'), [], 'start-up chatter is debug');
    } finally {
      await server.kill();
    }
  });

  it('AMS_LOG_QUIET_ROUTES= (empty) logs probes and scrapes at info too', async () => {
    const server = await start({ AMS_DATA_DIR: dataDir(), AMS_ADMIN_TOKEN: 'logging-admin-token-4', AMS_LOG_QUIET_ROUTES: '' });
    try {
      await new Client(server.url).get('/metrics');
      await new Promise((r) => setTimeout(r, 200));
      const routes = output(server)
        .split('\n')
        .filter((line) => line.includes('"msg":"request"'))
        .map((line) => (JSON.parse(line) as { route: string }).route);
      assert.ok(routes.includes('/v1/status'), 'the readiness polls of the test are logged');
      assert.ok(routes.includes('/metrics'));
    } finally {
      await server.kill();
    }
  });

  it('tags every request log line with the request id it echoes in x-request-id', async () => {
    const server = await start({ AMS_DATA_DIR: dataDir(), AMS_ADMIN_TOKEN: 'logging-admin-token-2', AMS_LOG_LEVEL: 'info' });
    try {
      const reply = await new Client(server.url).get('/v1/version', {
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
      const printed = [...output(first).matchAll(/AMS admin token for user admin: ([0-9a-f]{64})/g)];
      assert.equal(printed.length, 1, output(first));
      token = printed[0][1];
      // A line of the log schema that a shipper can drop by its event field.
      const line = JSON.parse(output(first).split('\n').find((l) => l.includes('AMS admin token')) ?? '') as Record<string, unknown>;
      assert.equal(line.event, 'admin-token');
      assert.equal(line.user, 'admin');
      assert.equal(typeof line.time, 'string');
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
