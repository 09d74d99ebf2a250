import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import type { Client } from '../support/client.js';
import { newProject } from '../support/fixtures.js';

/**
 * Many clients at once against one in-process service. Nothing here depends on timing: every assertion is about
 * outcomes (ids, contents, cursor positions), whatever order the requests happen to interleave in.
 */

interface Received {
  ackId: string;
  message: { messageId: string; data: string; attributes?: Record<string, string>; publishTime: string };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Bounded loop guard, so that a bug shows up as a failure instead of a hung test. */
function guard(limit: number, what: string): () => void {
  let turns = 0;
  return () => {
    turns += 1;
    if (turns > limit) throw new Error(`${what}: no progress after ${limit} rounds`);
  };
}

/** Yields to the event loop so that publishers get a turn between empty pulls. */
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

describe('concurrency', () => {
  let app: RunningApp;
  let admin: Client;
  before(async () => {
    app = await startApp();
    admin = app.admin;
  });
  after(async () => {
    await app.close();
  });

  async function publish(base: string, topic: string, data: string[]): Promise<string[]> {
    const reply = await admin.post(`${base}/topics/${topic}:publish`, {
      messages: data.map((d) => ({ data: d, attributes: { source: d.split('-')[0] } })),
    });
    assert.equal(reply.status, 200, reply.text);
    return reply.body.messageIds as string[];
  }

  async function pull(base: string, sub: string, max: number): Promise<Received[]> {
    const reply = await admin.post(`${base}/subscriptions/${sub}:pull`, { maxMessages: String(max), returnImmediately: 'true' });
    assert.equal(reply.status, 200, reply.text);
    return reply.body.receivedMessages as Received[];
  }

  async function currentOffset(base: string, sub: string): Promise<number> {
    const reply = await admin.get(`${base}/subscriptions/${sub}:offsets`);
    assert.equal(reply.status, 200, reply.text);
    return reply.body.current as number;
  }

  /** One consumer: pull and acknowledge the last ackId until `total` messages came in; returns them in arrival order. */
  async function consumeAll(base: string, sub: string, total: number, batch: number): Promise<Received[]> {
    const got: Received[] = [];
    const step = guard(total * 20 + 5000, `consumer of ${sub}`);
    while (got.length < total) {
      step();
      const messages = await pull(base, sub, batch);
      if (messages.length === 0) {
        await tick();
        continue;
      }
      const ack = await admin.post(`${base}/subscriptions/${sub}:acknowledge`, { ackIds: [messages[messages.length - 1].ackId] });
      assert.equal(ack.status, 200, ack.text);
      assert.deepEqual(ack.body, {});
      got.push(...messages);
    }
    return got;
  }

  it('concurrent publishers get unique, gap-free ids; every subscription receives every message once, in order', async () => {
    const project = await newProject(app, 'conc');
    const base = `/v1/projects/${project.name}`;
    const topic = await project.topic();
    // Created before anything is published, so each starts at offset 0 (spec 3.6).
    const subs = await Promise.all([0, 1, 2].map(() => project.subscription(topic, undefined, { ackDeadlineSeconds: 600 })));

    const PUBLISHERS = 8;
    const BATCHES = 25;
    const PER_BATCH = 10;
    const TOTAL = PUBLISHERS * BATCHES * PER_BATCH;

    const expected = new Map<string, string>(); // messageId -> data
    const publishers = range(PUBLISHERS).map(async (p) => {
      for (const b of range(BATCHES)) {
        const data = range(PER_BATCH).map((m) => `p${p}-b${b}-m${m}`);
        const ids = await publish(base, topic, data);
        assert.equal(ids.length, PER_BATCH);
        for (let i = 1; i < ids.length; i++) assert.ok(Number(ids[i]) > Number(ids[i - 1]), 'a batch keeps its order');
        for (const [i, id] of ids.entries()) {
          assert.equal(expected.has(id), false, `id ${id} handed out twice`);
          expected.set(id, data[i]);
        }
      }
    });
    // Consumers run while the publishers are still going.
    const consumers = subs.map((sub, i) => consumeAll(base, sub, TOTAL, [7, 50, 200][i]));
    const [, ...received] = await Promise.all([Promise.all(publishers), ...consumers]);

    assert.deepEqual(
      [...expected.keys()].map(Number).sort((a, b) => a - b),
      range(TOTAL),
      'ids are 0..N-1 without gaps or duplicates',
    );
    for (const [i, got] of received.entries()) {
      assert.deepEqual(
        got.map((r) => Number(r.message.messageId)),
        range(TOTAL),
        `subscription ${subs[i]} got every message once, in order`,
      );
      for (const r of got) {
        assert.equal(r.message.data, expected.get(r.message.messageId));
        assert.deepEqual(r.message.attributes, { source: r.message.data.split('-')[0] });
        assert.equal(r.ackId, `projects/${project.name}/subscriptions/${subs[i]}:${r.message.messageId}`);
      }
      assert.equal(await currentOffset(base, subs[i]), TOTAL);
    }
    const offsets = await admin.get(`${base}/subscriptions/${subs[0]}:offsets`);
    assert.deepEqual(offsets.body, { max: TOTAL, min: 0, current: TOTAL });
  });

  it('racing acknowledges of one pull window: one wins, the rest get 500, the cursor moves only forward', async () => {
    const project = await newProject(app, 'acks');
    const base = `/v1/projects/${project.name}`;
    const topic = await project.topic();
    const sub = await project.subscription(topic, undefined, { ackDeadlineSeconds: 600 });
    const TOTAL = 60;
    await publish(base, topic, range(TOTAL).map((i) => `a-${i}`));
    const ackId = (offset: number): string => `projects/${project.name}/subscriptions/${sub}:${offset}`;

    let floor = 0;
    const step = guard(TOTAL + 1, 'ack race');
    while (floor < TOTAL) {
      step();
      const window = await pull(base, sub, 10);
      assert.ok(window.length > 0);
      assert.equal(window[0].message.messageId, String(floor), 'the next pull starts right at the cursor: nothing skipped');
      const ids = window.map((r) => Number(r.message.messageId));
      const last = ids[ids.length - 1];
      // Every id of the window, each alone, plus some that can never succeed: past the window, below the floor.
      const attempts: { offsets: number[] }[] = [
        ...ids.map((offset) => ({ offsets: [offset] })),
        ...ids.map((offset) => ({ offsets: [floor, offset] })),
        { offsets: [last + 5] },
        ...(floor > 0 ? [{ offsets: [floor - 1] }] : []),
      ];
      const replies = await Promise.all(
        attempts.map((a) => admin.post(`${base}/subscriptions/${sub}:acknowledge`, { ackIds: a.offsets.map(ackId) })),
      );

      const winners = replies.flatMap((reply, i) => (reply.status === 200 ? [attempts[i]] : []));
      assert.equal(winners.length, 1, `exactly one acknowledge of the window succeeds: ${replies.map((r) => r.status).join(',')}`);
      const through = Math.max(...winners[0].offsets) + 1;
      assert.ok(through > floor && through <= last + 1, 'the winner is an id from the window');
      for (const [i, reply] of replies.entries()) {
        if (reply.status === 200) {
          assert.deepEqual(reply.body, {});
          continue;
        }
        assert.equal(reply.status, 500, `${attempts[i].offsets}: ${reply.text}`);
        assert.equal(reply.body.error.code, 500);
        assert.equal(reply.body.error.status, 'INTERNAL_SERVER_ERROR');
        assert.ok(['no ack pending', 'wrong ack'].includes(reply.body.error.message), reply.text);
      }
      const current = await currentOffset(base, sub);
      assert.equal(current, through, ':offsets current is the winning ack + 1');
      assert.ok(current > floor, 'the floor only moves forward');
      floor = current;
    }
    assert.deepEqual(await pull(base, sub, 10), []);
  });

  it('concurrent pullers and acknowledgers of one subscription never lose or skip a message', async () => {
    const project = await newProject(app, 'pullers');
    const base = `/v1/projects/${project.name}`;
    const topic = await project.topic();
    const sub = await project.subscription(topic, undefined, { ackDeadlineSeconds: 600 });
    const TOTAL = 300;
    const published = await publish(base, topic, range(TOTAL).map((i) => `q-${i}`));
    assert.deepEqual(published, range(TOTAL).map(String));

    /** A successful acknowledge: the range its acker had pulled, and the floor it set. */
    const committed: { pulledFrom: number; through: number }[] = [];
    const seen = new Set<number>();
    const worker = async (batch: number): Promise<void> => {
      const step = guard(TOTAL * 50, `puller ${batch}`);
      for (;;) {
        step();
        const messages = await pull(base, sub, batch);
        if (messages.length === 0) {
          // Pull reads from the committed cursor, so empty means the cursor is at the end of the topic.
          assert.equal(await currentOffset(base, sub), TOTAL);
          return;
        }
        const ids = messages.map((r) => Number(r.message.messageId));
        for (const [i, r] of messages.entries()) {
          assert.equal(ids[i], ids[0] + i, 'a pull returns consecutive offsets');
          assert.equal(r.message.data, `q-${ids[i]}`);
          seen.add(ids[i]);
        }
        const ack = await admin.post(`${base}/subscriptions/${sub}:acknowledge`, { ackIds: [messages[messages.length - 1].ackId] });
        if (ack.status === 200) {
          committed.push({ pulledFrom: ids[0], through: ids[ids.length - 1] + 1 });
        } else {
          // Another puller replaced the window or acknowledged first: the spec's 500s, nothing else.
          assert.equal(ack.status, 500, ack.text);
          assert.ok(['no ack pending', 'wrong ack'].includes(ack.body.error.message), ack.text);
        }
      }
    };
    await Promise.all([3, 5, 7, 11, 13, 17].map(worker));

    assert.equal(await currentOffset(base, sub), TOTAL);
    assert.deepEqual([...seen].sort((a, b) => a - b), range(TOTAL), 'every message was delivered to someone');
    // The floor moves only through successful acknowledges, each to a higher offset. Each acker pulled from the floor
    // of its time, so its pull covered everything between the previous floor and its own: no message was skipped.
    const inOrder = committed.slice().sort((a, b) => a.through - b.through);
    let floor = 0;
    for (const c of inOrder) {
      assert.ok(c.through > floor, 'each successful acknowledge moves the floor forward');
      assert.ok(c.pulledFrom <= floor, `the acker of ${c.through} had pulled from ${c.pulledFrom}, at or below the floor ${floor}`);
      floor = c.through;
    }
    assert.equal(floor, TOTAL);
  });

  it('concurrent membership changes of one user in 20 projects lose none', async () => {
    const projects = await Promise.all(range(20).map(() => newProject(app, 'memb')));
    const name = unique('many');
    const created = await admin.post(`/v1/users/${name}`, { email: 'many@example.org' });
    assert.equal(created.status, 200, created.text);
    const roles = (i: number): string[] => [['consumer'], ['publisher'], ['project_admin', 'consumer']][i % 3];
    const added = await Promise.all(
      projects.map((p, i) => admin.post(`/v1/projects/${p.name}/members/${name}:add`, { roles: roles(i) })),
    );
    for (const reply of added) assert.equal(reply.status, 200, reply.text);
    const changed = await Promise.all(
      projects.map((p, i) =>
        i % 2 === 0
          ? admin.post(`/v1/projects/${p.name}/members/${name}:remove`)
          : admin.put(`/v1/projects/${p.name}/members/${name}`, { projects: [{ project: p.name, roles: ['publisher'] }] }),
      ),
    );
    for (const reply of changed) assert.equal(reply.status, 200, reply.text);

    const user = await admin.get(`/v1/users/${name}`);
    assert.equal(user.status, 200, user.text);
    const held = (user.body.projects as { project: string; roles: string[] }[]).map((m) => [m.project, m.roles] as const);
    const expected = projects.flatMap((p, i) => (i % 2 === 0 ? [] : [[p.name, ['publisher']] as const]));
    const byName = (a: readonly [string, unknown], b: readonly [string, unknown]): number => (a[0] < b[0] ? -1 : 1);
    assert.deepEqual([...held].sort(byName), [...expected].sort(byName));
  });
});
