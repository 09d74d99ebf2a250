import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { unique } from '../support/app.js';
import { Client } from '../support/client.js';
import { freePort, type ChildServer, spawnServer, waitUntilReady } from '../support/child-server.js';

/**
 * The built service as a child process (dist/main.js), killed with SIGKILL right after a publish was answered and
 * started again on the same data directory: whatever got a 200 must still be there (architecture decision 7).
 */

const ADMIN_TOKEN = 'restart-admin-token-0123456789';

interface Published {
  data: string;
  attributes: Record<string, string>;
}

interface Pulled {
  ackId: string;
  message: { messageId: string; data: string; attributes?: Record<string, string>; publishTime: string };
}

describe('restart (process level)', () => {
  const servers: ChildServer[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const server of servers) await server.kill();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'ams-restart-'));
    dirs.push(dir);
    return dir;
  }

  async function start(dir: string, extra: Record<string, string> = {}): Promise<{ server: ChildServer; admin: Client }> {
    const server = spawnServer({
      AMS_PORT: String(await freePort()),
      AMS_HOST: '127.0.0.1',
      AMS_DATA_DIR: dir,
      AMS_ADMIN_TOKEN: ADMIN_TOKEN,
      AMS_LOG_LEVEL: 'warn',
      ...extra,
    });
    servers.push(server);
    await waitUntilReady(server);
    return { server, admin: new Client(server.url, ADMIN_TOKEN) };
  }

  it('keeps every answered publish, the cursor, the numbering and the users across a SIGKILL', async () => {
    const dir = dataDir();
    const first = await start(dir);
    let admin = first.admin;

    const admins = async (client: Client) => {
      const reply = await client.get('/v1/users');
      assert.equal(reply.status, 200, reply.text);
      const users = reply.body.users as { uuid: string; name: string; service_roles: string[] }[];
      return {
        total: reply.body.totalSize as number,
        admins: users.filter((u) => u.service_roles.includes('service_admin')).map((u) => ({ uuid: u.uuid, name: u.name })),
      };
    };
    const before = await admins(admin);
    assert.equal(before.admins.length, 1, 'the bootstrap made one service_admin');

    const project = unique('restart');
    const base = `/v1/projects/${project}`;
    assert.equal((await admin.post(base, { description: 'survives restarts' })).status, 200);
    const userName = unique('pub');
    const created = await admin.post(`/v1/users/${userName}`, {
      email: `${userName}@example.org`,
      projects: [{ project, roles: ['publisher', 'consumer'] }],
    });
    assert.equal(created.status, 200, created.text);
    const userToken = created.body.token as string;
    assert.equal((await admin.put(`${base}/topics/t`)).status, 200);
    const subReply = await admin.put(`${base}/subscriptions/s`, { topic: `projects/${project}/topics/t`, ackDeadlineSeconds: 600 });
    assert.equal(subReply.status, 200, subReply.text);

    const published = new Map<string, Published>();
    const publish = async (client: Client, batch: Published[]): Promise<string[]> => {
      const reply = await client.post(`${base}/topics/t:publish`, { messages: batch });
      assert.equal(reply.status, 200, reply.text);
      const ids = reply.body.messageIds as string[];
      for (const [i, id] of ids.entries()) published.set(id, batch[i]);
      return ids;
    };
    const batchOf = (tag: string, size: number): Published[] =>
      Array.from({ length: size }, (_, i) => ({
        data: Buffer.from(`${tag} message ${i} \u00fcml\u00e4ut`).toString('base64'),
        attributes: i % 2 === 0 ? { tag, index: String(i) } : ({} as Record<string, string>),
      }));

    let next = 0;
    for (const [i, size] of [1, 3, 10, 2, 7].entries()) {
      const ids = await publish(admin, batchOf(`b${i}`, size));
      assert.deepEqual(ids, Array.from({ length: size }, (_, k) => String(next + k)));
      next += size;
    }

    const pull = async (client: Client, max: number): Promise<Pulled[]> => {
      const reply = await client.post(`${base}/subscriptions/s:pull`, { maxMessages: String(max) });
      assert.equal(reply.status, 200, reply.text);
      return reply.body.receivedMessages as Pulled[];
    };
    const acknowledge = async (client: Client, last: Pulled) => {
      const reply = await client.post(`${base}/subscriptions/s:acknowledge`, { ackIds: [last.ackId] });
      assert.equal(reply.status, 200, reply.text);
    };
    const firstPulls = [...(await pull(admin, 8))];
    await acknowledge(admin, firstPulls[firstPulls.length - 1]);
    const secondPull = await pull(admin, 3);
    await acknowledge(admin, secondPull[secondPull.length - 1]);
    firstPulls.push(...secondPull);
    const offsetsBefore = await admin.get(`${base}/subscriptions/s:offsets`);
    assert.deepEqual(offsetsBefore.body, { max: 23, min: 0, current: 11 });

    // The last batch: SIGKILL as soon as its 200 is in.
    const lastBatch = batchOf('last', 4);
    const lastReply = await first.admin.post(`${base}/topics/t:publish`, { messages: lastBatch });
    first.server.child.kill('SIGKILL');
    assert.equal(lastReply.status, 200, lastReply.text);
    assert.deepEqual(lastReply.body, { messageIds: ['23', '24', '25', '26'] });
    for (const [i, id] of (lastReply.body.messageIds as string[]).entries()) published.set(id, lastBatch[i]);
    assert.deepEqual(await first.server.exited, { code: null, signal: 'SIGKILL' });

    // Same data directory, another port.
    const second = await start(dir);
    admin = second.admin;

    const afterRestart = await admins(admin);
    assert.deepEqual(afterRestart.admins, before.admins, 'the admin token still works, and no second admin was made');
    assert.equal(afterRestart.total, before.total + 1);
    const profile = await second.admin.withToken(userToken).get('/v1/users/profile');
    assert.equal(profile.status, 200, profile.text);
    assert.equal(profile.body.name, userName);
    assert.equal(profile.body.token, userToken, 'the sealed token copy still opens (the key lives in the data dir)');

    const offsets = await admin.get(`${base}/subscriptions/s:offsets`);
    assert.deepEqual(offsets.body, { max: 27, min: 0, current: 11 }, 'the cursor is where it was');

    const expectMessages = (pulled: Pulled[], from: number, to: number): void => {
      assert.deepEqual(
        pulled.map((r) => r.message.messageId),
        Array.from({ length: to - from }, (_, i) => String(from + i)),
      );
      for (const r of pulled) {
        const sent = published.get(r.message.messageId);
        assert.ok(sent !== undefined);
        assert.equal(r.message.data, sent.data);
        assert.deepEqual(r.message.attributes ?? {}, sent.attributes);
        assert.equal(r.ackId, `projects/${project}/subscriptions/s:${r.message.messageId}`);
      }
    };
    // Unacknowledged messages come next, including the batch answered just before the kill.
    expectMessages(await pull(admin, 100), 11, 27);

    // Everything, acknowledged or not, is still in the log: rewind and read it all.
    const rewind = await admin.post(`${base}/subscriptions/s:modifyOffset`, { offset: 0 });
    assert.equal(rewind.status, 200, rewind.text);
    const all = await pull(admin, 100);
    expectMessages(all, 0, 27);
    for (const [i, before] of firstPulls.entries()) {
      assert.equal(all[i].message.publishTime, before.message.publishTime, 'publish times are stored, not recomputed');
    }

    // The numbering goes on from where it stopped.
    assert.deepEqual(await publish(admin, batchOf('after', 3)), ['27', '28', '29']);
    assert.deepEqual((await admin.get(`${base}/subscriptions/s:offsets`)).body, { max: 30, min: 0, current: 0 });
  });

  const badValues: [string, string][] = [
    ['AMS_PORT', 'abc'],
    ['AMS_STORE', 'nosuchstore'],
    ['AMS_PULL_MAX_MESSAGES', '-3'],
    ['AMS_ADMIN_TOKEN', 'short'],
  ];
  for (const [variable, value] of badValues) {
    it(`${variable}=${value} exits non-zero with one line on stderr naming the variable`, async () => {
      const server = spawnServer({
        AMS_PORT: String(await freePort()),
        AMS_HOST: '127.0.0.1',
        AMS_DATA_DIR: dataDir(),
        AMS_ADMIN_TOKEN: ADMIN_TOKEN,
        AMS_LOG_LEVEL: 'warn',
        [variable]: value,
      });
      servers.push(server);
      const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000).unref());
      const exit = await Promise.race([server.exited, timeout]);
      assert.ok(exit !== null, 'a bad configuration stops the process before it listens');
      assert.equal(exit.signal, null);
      assert.ok(exit.code !== null && exit.code !== 0, `exit code ${exit.code}`);
      const lines = server.stderr().split('\n').filter((line) => line.trim() !== '');
      assert.equal(lines.length, 1, `one line on stderr, got:\n${server.stderr()}`);
      assert.match(lines[0], new RegExp(`\\b${variable}\\b`));
      if (variable === 'AMS_ADMIN_TOKEN') assert.ok(!lines[0].includes(value), 'the bad secret is not echoed');
    });
  }
});
