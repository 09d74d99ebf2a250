import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { backendEnv, dropBackendData } from '../support/backends.js';
import { amsError, type Client } from '../support/client.js';
import { ShiftedClock } from '../support/clocks.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';
import { scrape, valueOf } from '../support/prometheus.js';

/**
 * Per-message acknowledgement (`ackMode: "individual"`, pubsub-extensions 1): leases, disjoint concurrent pulls,
 * acknowledging exactly the ids listed, redelivery after expiry or nack with `deliveryAttempt`. Two app instances
 * share one data directory (one SQLite file, or one MongoDB database and Kafka prefix) to act as two replicas.
 * The clock is the system clock shifted on demand (ShiftedClock): Kafka keeps record timestamps, and a fixed clock in
 * the past would date the messages before the topic's retention.
 */

interface Received {
  ackId: string;
  message: { messageId: string; data: string; attributes?: Record<string, string>; publishTime: string };
  deliveryAttempt?: number;
}

interface Setup {
  project: ProjectFixture;
  sub: string;
  topicPath: string;
  subPath: string;
}

const INVALID_ACK_ID = amsError(400, 'INVALID_ARGUMENT', 'Invalid ack id');
const METRICS_TOKEN = 'ackmode-scrape-token-0123456789';
const LEASE_ACK_ID = /^projects\/[^/]+\/subscriptions\/[^:]+:\d+:[0-9a-f]{16}$/;

describe('individual ack mode', () => {
  const clock = new ShiftedClock();
  const dataDir = mkdtempSync(join(tmpdir(), 'ams-ackmode-'));
  let app: RunningApp;
  let replica: RunningApp;
  before(async () => {
    app = await startApp({ AMS_METRICS_TOKEN: METRICS_TOKEN }, { clock, dataDir });
    replica = await startApp({}, { clock, dataDir });
  });
  after(async () => {
    await replica.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropBackendData(backendEnv(dataDir));
  });

  async function setup(body: Record<string, unknown> = { ackMode: 'individual' }): Promise<Setup> {
    const project = await newProject(app);
    const topic = await project.topic();
    const sub = await project.subscription(topic, undefined, body);
    return {
      project,
      sub,
      topicPath: `/v1/projects/${project.name}/topics/${topic}`,
      subPath: `/v1/projects/${project.name}/subscriptions/${sub}`,
    };
  }

  async function publish(s: Setup, count: number, prefix = 'm'): Promise<string[]> {
    const messages = Array.from({ length: count }, (_, i) => ({ data: Buffer.from(`${prefix}${i}`).toString('base64') }));
    const reply = await app.admin.post(`${s.topicPath}:publish`, { messages });
    assert.equal(reply.status, 200, reply.text);
    return reply.body.messageIds as string[];
  }

  async function pull(s: Setup, max: number, client: Client = app.admin): Promise<Received[]> {
    const reply = await client.post(`${s.subPath}:pull`, { maxMessages: String(max), returnImmediately: 'true' });
    assert.equal(reply.status, 200, reply.text);
    return reply.body.receivedMessages as Received[];
  }

  async function ack(s: Setup, ackIds: string[], client: Client = app.admin): Promise<void> {
    const reply = await client.post(`${s.subPath}:acknowledge`, { ackIds });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body, {});
  }

  const ids = (messages: readonly Received[]): string[] => messages.map((m) => m.message.messageId);
  const attempts = (messages: readonly Received[]): (number | undefined)[] => messages.map((m) => m.deliveryAttempt);

  describe('subscription representation', () => {
    it('shows ackMode only for individual subscriptions', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const base = `/v1/projects/${project.name}/subscriptions`;
      const individual = await app.admin.put(`${base}/ind`, { topic: `projects/${project.name}/topics/${topic}`, ackMode: 'individual' });
      assert.equal(individual.status, 200, individual.text);
      assert.equal(individual.body.ackMode, 'individual');
      assert.deepEqual(Object.keys(individual.body), ['name', 'topic', 'pushConfig', 'ackDeadlineSeconds', 'ackMode', 'createdOn']);
      assert.equal((await app.admin.get(`${base}/ind`)).body.ackMode, 'individual');

      for (const [name, body] of [
        ['cum', { topic: `projects/${project.name}/topics/${topic}`, ackMode: 'cumulative' }],
        ['plain', { topic: `projects/${project.name}/topics/${topic}` }],
      ] as const) {
        const created = await app.admin.put(`${base}/${name}`, body);
        assert.equal(created.status, 200, created.text);
        assert.equal('ackMode' in created.body, false, name);
        assert.equal('ackMode' in (await app.admin.get(`${base}/${name}`)).body, false, name);
      }
      const listed = (await app.admin.get(base)).body.subscriptions as { name: string; ackMode?: string }[];
      assert.deepEqual(
        listed.map((s) => [s.name.split('/').pop(), s.ackMode]),
        [
          ['plain', undefined],
          ['cum', undefined],
          ['ind', 'individual'],
        ],
      );
    });

    it('refuses any other ackMode', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const base = `/v1/projects/${project.name}/subscriptions`;
      for (const ackMode of ['Individual', 'none', '', 1, true]) {
        const reply = await app.admin.put(`${base}/bad`, { topic: `projects/${project.name}/topics/${topic}`, ackMode });
        assert.equal(reply.status, 400, String(ackMode));
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Subscription Arguments'), String(ackMode));
      }
      assert.equal((await app.admin.get(`${base}/bad`)).status, 404);
    });
  });

  describe('pull and acknowledge', () => {
    it('leases messages with opaque ackIds and deliveryAttempt beside the message', async () => {
      const s = await setup();
      await publish(s, 3);
      const got = await pull(s, 2);
      assert.deepEqual(ids(got), ['0', '1']);
      assert.deepEqual(attempts(got), [1, 1]);
      for (const m of got) {
        assert.match(m.ackId, LEASE_ACK_ID);
        assert.deepEqual(Object.keys(m), ['ackId', 'message', 'deliveryAttempt']);
        assert.deepEqual(Object.keys(m.message), ['messageId', 'data', 'publishTime']);
      }
      assert.deepEqual(ids(await pull(s, 5)), ['2'], 'leased messages are not handed out again');
      assert.deepEqual(await pull(s, 5), []);
    });

    it('gives two concurrent pulls, through two replicas, disjoint messages', async () => {
      const s = await setup();
      await publish(s, 20);
      const [a, b] = await Promise.all([pull(s, 10), pull(s, 10, replica.admin)]);
      const all = [...ids(a), ...ids(b)];
      assert.equal(new Set(all).size, all.length, `overlap: ${ids(a)} / ${ids(b)}`);
      assert.deepEqual(all.map(Number).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
    });

    it('acknowledges exactly the ackIds listed; the others come back after their lease', async () => {
      const s = await setup();
      await publish(s, 4);
      const got = await pull(s, 4);
      await ack(s, [got[1].ackId, got[3].ackId]);
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 4, min: 0, current: 0 });
      clock.advance(11);
      const again = await pull(s, 10);
      assert.deepEqual(ids(again), ['0', '2']);
      assert.deepEqual(attempts(again), [2, 2]);
      await ack(s, again.map((m) => m.ackId));
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 4, min: 0, current: 4 });
      clock.advance(11);
      assert.deepEqual(await pull(s, 10), [], 'nothing left once everything is acknowledged');
    });

    it('treats acknowledging an acknowledged message as harmless', async () => {
      const s = await setup();
      await publish(s, 2);
      const got = await pull(s, 2);
      await ack(s, [got[0].ackId]);
      await ack(s, [got[0].ackId]);
      await ack(s, [got[0].ackId, got[1].ackId, got[1].ackId]);
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 2, min: 0, current: 2 });
      await ack(s, [got[0].ackId, got[1].ackId]);
    });

    it('answers 400 Invalid ack id for malformed, foreign, cumulative-format or never-delivered ackIds, and applies none', async () => {
      const s = await setup();
      const other = await setup();
      await publish(s, 2);
      await publish(other, 1);
      const got = await pull(s, 1);
      const foreign = (await pull(other, 1))[0].ackId;
      const lease = got[0].ackId.split(':').pop() as string;
      const bad = [
        [],
        ['nonsense'],
        [foreign],
        [`projects/${s.project.name}/subscriptions/${s.sub}:0`], // the AMS form
        [`projects/${s.project.name}/subscriptions/${s.sub}:0:xyz`],
        [`projects/${s.project.name}/subscriptions/${s.sub}:-1:${lease}`],
        [`projects/${s.project.name}/subscriptions/${s.sub}:1:${lease}`], // offset 1 was never delivered
        [`projects/${s.project.name}/subscriptions/${s.sub}:99:${lease}`], // beyond the log
        [got[0].ackId, 'nonsense'],
      ];
      for (const ackIds of bad) {
        const reply = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds });
        assert.equal(reply.status, 400, JSON.stringify(ackIds));
        assert.deepEqual(reply.body, INVALID_ACK_ID, JSON.stringify(ackIds));
      }
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 2, min: 0, current: 0 }, 'none applied');
      await ack(s, [got[0].ackId]);
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 2, min: 0, current: 1 });
    });

    it('keeps cumulative subscriptions on AMS ackIds', async () => {
      const s = await setup({});
      await publish(s, 1);
      const got = await pull(s, 1);
      assert.equal(got[0].ackId, `projects/${s.project.name}/subscriptions/${s.sub}:0`);
      assert.equal('deliveryAttempt' in got[0], false);
      const reply = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [`${got[0].ackId}:0123456789abcdef`] });
      assert.deepEqual(reply.body, INVALID_ACK_ID);
    });
  });

  describe('lease expiry, nack and stale ackIds', () => {
    it('redelivers an expired lease before newer messages, with deliveryAttempt 2', async () => {
      const s = await setup();
      await publish(s, 2);
      const first = await pull(s, 1);
      assert.deepEqual(attempts(first), [1]);
      clock.advance(5);
      assert.deepEqual(ids(await pull(s, 1)), ['1'], 'message 0 is still leased');
      clock.advance(6);
      await publish(s, 1, 'late');
      const again = await pull(s, 5);
      assert.deepEqual(ids(again), ['0', '2'], 'message 1 (leased 5 s later) is still leased');
      assert.deepEqual(attempts(again), [2, 1]);
      assert.notEqual(again[0].ackId, first[0].ackId);
    });

    it('uses the subscription deadline in force at the pull', async () => {
      const s = await setup({ ackMode: 'individual', ackDeadlineSeconds: 60 });
      await publish(s, 1);
      await pull(s, 1);
      clock.advance(30);
      assert.deepEqual(await pull(s, 1), []);
      clock.advance(31);
      assert.deepEqual(attempts(await pull(s, 1)), [2]);
    });

    it('nacks with modifyAckDeadline 0 and extends leases with a longer deadline', async () => {
      const s = await setup();
      await publish(s, 3);
      const got = await pull(s, 3);
      const nack = await app.admin.post(`${s.subPath}:modifyAckDeadline`, { ackIds: [got[0].ackId], ackDeadlineSeconds: 0 });
      assert.equal(nack.status, 200, nack.text);
      assert.equal(nack.text, '');
      const extend = await app.admin.post(`${s.subPath}:modifyAckDeadline`, { ackIds: [got[1].ackId], ackDeadlineSeconds: 120 });
      assert.equal(extend.status, 200, extend.text);
      const redelivered = await pull(s, 5);
      assert.deepEqual(ids(redelivered), ['0']);
      assert.deepEqual(attempts(redelivered), [2]);
      clock.advance(11);
      const expired = await pull(s, 5);
      assert.deepEqual(ids(expired), ['0', '2'], 'message 1 is held for 120 s');
      assert.deepEqual(attempts(expired), [3, 2]);
      assert.equal((await app.admin.get(s.subPath)).body.ackDeadlineSeconds, 10, 'the subscription setting is untouched');
      clock.advance(110);
      assert.deepEqual(ids(await pull(s, 5)), ['0', '1', '2']);
    });

    it('keeps the AMS meaning of modifyAckDeadline without ackIds, and checks ackIds and the deadline with them', async () => {
      const s = await setup();
      await publish(s, 1);
      const got = await pull(s, 1);
      assert.equal((await app.admin.post(`${s.subPath}:modifyAckDeadline`, { ackDeadlineSeconds: 42 })).status, 200);
      assert.equal((await app.admin.get(s.subPath)).body.ackDeadlineSeconds, 42);
      for (const ackIds of [['nonsense'], [`projects/${s.project.name}/subscriptions/${s.sub}:0`], []]) {
        const reply = await app.admin.post(`${s.subPath}:modifyAckDeadline`, { ackIds, ackDeadlineSeconds: 30 });
        assert.deepEqual(reply.body, INVALID_ACK_ID, JSON.stringify(ackIds));
      }
      const tooLong = await app.admin.post(`${s.subPath}:modifyAckDeadline`, { ackIds: [got[0].ackId], ackDeadlineSeconds: 601 });
      assert.deepEqual(
        tooLong.body,
        amsError(400, 'INVALID_ARGUMENT', 'Invalid ackDeadlineSeconds(needs value between 0 and 600) Arguments'),
      );
    });

    it('ignores a stale ackId once its message was leased again, and lets it acknowledge an expired lease not yet redelivered', async () => {
      const s = await setup();
      await publish(s, 2);
      const first = await pull(s, 2);
      clock.advance(11);
      // Lease of message 1 expired but nobody took it again: its own ackId still acknowledges it.
      await ack(s, [first[1].ackId]);
      const second = await pull(s, 5);
      assert.deepEqual(ids(second), ['0']);
      // The first delivery's ackId of message 0 is stale now: 200, and the newer delivery keeps its lease.
      await ack(s, [first[0].ackId]);
      const nack = await app.admin.post(`${s.subPath}:modifyAckDeadline`, { ackIds: [first[0].ackId], ackDeadlineSeconds: 0 });
      assert.equal(nack.status, 200);
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 2, min: 0, current: 0 });
      assert.deepEqual(await pull(s, 5), [], 'the stale nack did not release the newer lease');
      await ack(s, [second[0].ackId]);
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 2, min: 0, current: 2 });
    });
  });

  describe('offsets', () => {
    it('modifyOffset clears the leases; offsets and timeToOffset keep working', async () => {
      const s = await setup();
      await publish(s, 5);
      const got = await pull(s, 3);
      await ack(s, [got[0].ackId]);
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 5, min: 0, current: 1 });
      const moved = await app.admin.post(`${s.subPath}:modifyOffset`, { offset: 0 });
      assert.equal(moved.status, 200, moved.text);
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 5, min: 0, current: 0 });
      const again = await pull(s, 10);
      assert.deepEqual(ids(again), ['0', '1', '2', '3', '4']);
      assert.deepEqual(attempts(again), [1, 1, 1, 1, 1], 'delivery attempts start afresh');
      const old = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [got[1].ackId] });
      assert.deepEqual(old.body, {}, 'an ackId of before the move is stale, not an error');
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 5, min: 0, current: 0 });

      const time = new Date(clock.now().getTime() - 3_600_000).toISOString();
      const found = await app.admin.get(`${s.subPath}:timeToOffset?time=${time}`);
      assert.equal(found.status, 200, found.text);
      assert.deepEqual(found.body, { offset: 0 });
    });
  });

  describe('metrics', () => {
    it('counts returned and acknowledged messages', async () => {
      const s = await setup();
      await publish(s, 3);
      const got = await pull(s, 3);
      await ack(s, [got[0].ackId, got[2].ackId]);
      await ack(s, [got[0].ackId]);
      clock.advance(11);
      await pull(s, 3);
      const samples = await scrape(app.client(), METRICS_TOKEN);
      const labels = { project: s.project.name, subscription: s.sub };
      assert.equal(valueOf(samples, 'ams_messages_pulled_total', labels), 4);
      assert.equal(valueOf(samples, 'ams_messages_acknowledged_total', labels), 2);
    });
  });

  describe('concurrent pullers', () => {
    it('delivers and acknowledges every message exactly once while leases are live', async () => {
      const s = await setup({ ackMode: 'individual', ackDeadlineSeconds: 600 });
      const total = 120;
      await publish(s, total);
      const seen = new Map<string, number>();
      const clients = [app.admin, replica.admin, app.admin, replica.admin];
      let acknowledged = 0;
      await Promise.all(
        clients.map(async (client) => {
          for (let turn = 0; turn < 500 && acknowledged < total; turn++) {
            const got = await pull(s, 7, client);
            for (const m of got) seen.set(m.message.messageId, (seen.get(m.message.messageId) ?? 0) + 1);
            if (got.length === 0) {
              await new Promise((resolve) => setTimeout(resolve, 5));
              continue;
            }
            await ack(s, got.map((m) => m.ackId), client);
            acknowledged += got.length;
          }
        }),
      );
      const duplicates = [...seen].filter(([, n]) => n > 1);
      assert.deepEqual(duplicates, []);
      assert.equal(seen.size, total);
      assert.equal(acknowledged, total);
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: total, min: 0, current: total });
      assert.deepEqual(await pull(s, 10), []);
    });
  });

  it('long-polls with returnImmediately false as cumulative mode does', async () => {
    const s = await setup();
    await publish(s, 1);
    const waits = app.nextLongPoll();
    const waiting = app.admin.post(`${s.subPath}:pull`, { maxMessages: '2', returnImmediately: 'false' });
    await waits;
    await publish(s, 1, unique('x'));
    const reply = await waiting;
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(ids(reply.body.receivedMessages), ['0', '1']);
  });
});
