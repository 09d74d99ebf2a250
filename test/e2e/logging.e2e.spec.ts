import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '../support/client.js';
import { startServerProcess, waitReady } from '../support/server-process.js';

/** Logs are JSON lines with request ids, and no token ever reaches them (architecture decision 5). */
describe('logging', () => {
  const dirs: string[] = [];
  const dataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ams-logging-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('never writes a token, from the header, the query or a response, into the logs', async () => {
    const adminToken = 'logging-admin-token-5f1e2d3c';
    const server = await startServerProcess({ AMS_DATA_DIR: dataDir(), AMS_ADMIN_TOKEN: adminToken, AMS_LOG_LEVEL: 'trace' });
    try {
      await waitReady(server);
      const base = `http://127.0.0.1:${server.port}`;
      const admin = new Client(base, adminToken);
      const created = await admin.post('/v1/users/logged-user', { email: 'l@example.org' });
      assert.equal(created.status, 200);
      const userToken = created.body.token as string;
      await admin.get('/v1/users', { tokenIn: 'query' });
      await new Client(base, userToken).get('/v1/users/profile', { tokenIn: 'query' });
      await admin.get(`/v1/users:byToken/${userToken}`);
      await new Client(base, 'wrong-token-never-logged').get('/v1/projects', { tokenIn: 'query' });
      await admin.post('/v1/users/logged-user:refreshToken');
      const output = server.output();
      assert.ok(output.includes('"url"'), 'request logs are written at trace level');
      for (const secret of [adminToken, userToken, 'wrong-token-never-logged']) {
        assert.equal(output.includes(secret), false, `a token leaked into the logs: ${secret}`);
      }
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('tags every request log line with the request id it echoes in x-request-id', async () => {
    const server = await startServerProcess({ AMS_DATA_DIR: dataDir(), AMS_ADMIN_TOKEN: 'logging-admin-token-2', AMS_LOG_LEVEL: 'info' });
    try {
      await waitReady(server);
      const reply = await new Client(`http://127.0.0.1:${server.port}`).get('/v1/status', {
        headers: { 'x-request-id': 'trace-me-42' },
      });
      assert.equal(reply.headers.get('x-request-id'), 'trace-me-42');
      await new Promise((r) => setTimeout(r, 200));
      const lines = server
        .output()
        .split('\n')
        .filter((line) => line.includes('trace-me-42'))
        .map((line) => JSON.parse(line) as { reqId?: string });
      assert.ok(lines.length >= 1, 'the request was logged');
      assert.ok(lines.every((line) => line.reqId === 'trace-me-42'));
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('prints a generated admin token once, on the first start only', async () => {
    const dir = dataDir();
    const first = await startServerProcess({ AMS_DATA_DIR: dir, AMS_LOG_LEVEL: 'warn' });
    let token: string;
    try {
      await waitReady(first);
      const printed = [...first.output().matchAll(/AMS admin token for "admin": ([0-9a-f]{64})/g)];
      assert.equal(printed.length, 1, first.output());
      token = printed[0][1];
      const profile = await new Client(`http://127.0.0.1:${first.port}`, token).get('/v1/users/profile');
      assert.equal(profile.status, 200);
      assert.deepEqual(profile.body.service_roles, ['service_admin']);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited();
    }
    const second = await startServerProcess({ AMS_DATA_DIR: dir, AMS_LOG_LEVEL: 'warn' });
    try {
      await waitReady(second);
      assert.equal(second.output().includes('AMS admin token'), false);
      const again = await new Client(`http://127.0.0.1:${second.port}`, token).get('/v1/users/profile');
      assert.equal(again.status, 200);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});
