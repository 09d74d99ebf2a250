import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp } from '../support/app.js';
import { amsError, type Client } from '../support/client.js';
import { ShiftedClock } from '../support/clocks.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';

/** Publish, pull and acknowledge (spec 4.1-4.3) and the wire form of pulled messages. */

const PUBLISH_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,8}[1-9])?Z$/;

interface Setup {
  project: ProjectFixture;
  topic: string;
  sub: string;
  /** `/v1/projects/P/topics/T` */
  topicPath: string;
  /** `/v1/projects/P/subscriptions/S` */
  subPath: string;
  ackId(offset: number): string;
}

describe('messages', () => {
  const clock = new ShiftedClock();
  let app: RunningApp;
  before(async () => {
    app = await startApp({}, { clock });
  });
  after(async () => {
    await app.close();
  });

  async function setup(subBody: Record<string, unknown> = {}): Promise<Setup> {
    const project = await newProject(app);
    const topic = await project.topic();
    const sub = await project.subscription(topic, undefined, subBody);
    return {
      project,
      topic,
      sub,
      topicPath: `/v1/projects/${project.name}/topics/${topic}`,
      subPath: `/v1/projects/${project.name}/subscriptions/${sub}`,
      ackId: (offset) => `projects/${project.name}/subscriptions/${sub}:${offset}`,
    };
  }

  async function publish(s: Setup, ...data: string[]): Promise<string[]> {
    const reply = await app.admin.post(`${s.topicPath}:publish`, { messages: data.map((d) => ({ data: d })) });
    assert.equal(reply.status, 200, reply.text);
    return reply.body.messageIds;
  }

  async function pull(s: Setup, body: unknown = { maxMessages: '10' }, client: Client = app.admin): Promise<any[]> {
    const reply = await client.post(`${s.subPath}:pull`, body);
    assert.equal(reply.status, 200, reply.text);
    return reply.body.receivedMessages;
  }

  const ids = (messages: any[]): string[] => messages.map((m) => m.message.messageId);

  describe('publish', () => {
    it('answers the ids of the messages, continuing across calls', async () => {
      const s = await setup();
      const first = await app.admin.post(`${s.topicPath}:publish`, {
        messages: [{ attributes: {}, data: 'msg 1' }, { attributes: {}, data: 'msg 2' }],
      });
      assert.equal(first.status, 200);
      assert.deepEqual(first.body, { messageIds: ['0', '1'] });
      assert.match(first.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await publish(s, 'a', 'b', 'c'), ['2', '3', '4']);
      assert.deepEqual(await publish(s, 'd'), ['5']);
    });

    it('answers {"messageIds":[]} for {}, null and {"messages":[]} and stores nothing', async () => {
      const s = await setup();
      for (const body of [{}, { messages: [] }, 'null', { messages: null }]) {
        const reply = await app.admin.post(`${s.topicPath}:publish`, body);
        assert.equal(reply.status, 200, JSON.stringify(body));
        assert.deepEqual(reply.body, { messageIds: [] }, JSON.stringify(body));
      }
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 0, min: 0, current: 0 });
    });

    it('answers 400 Invalid Message Arguments for bad bodies and publishes nothing', async () => {
      const s = await setup();
      const bodies: unknown[] = [
        '',
        '{',
        '[]',
        '"x"',
        { messages: 'x' },
        { messages: {} },
        { messages: ['x'] },
        { messages: [{ data: 5 }] },
        { messages: [{ data: { a: 1 } }] },
        { messages: [{ data: 'ok' }, { data: 'ok', attributes: { k: 1 } }] },
        { messages: [{ data: 'ok', attributes: { k: null } }] },
        { messages: [{ data: 'ok', attributes: ['a'] }] },
        { messages: [{ data: 'ok', attributes: 'k=v' }] },
      ];
      for (const body of bodies) {
        const reply = await app.admin.post(`${s.topicPath}:publish`, body);
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Message Arguments'), JSON.stringify(body));
      }
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 0, min: 0, current: 0 });
    });

    it('checks the topic, then the publisher ACL, then the body', async () => {
      const s = await setup();
      const publisher = await s.project.user(['publisher']);
      const missing = await app.admin.post(`/v1/projects/${s.project.name}/topics/nope:publish`, '{');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"));

      const denied = await publisher.client.post(`${s.topicPath}:publish`, '{');
      assert.equal(denied.status, 403);
      assert.deepEqual(denied.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));
      const deniedGood = await publisher.client.post(`${s.topicPath}:publish`, { messages: [{ data: 'x' }] });
      assert.equal(deniedGood.status, 403);

      await app.admin.post(`${s.topicPath}:modifyAcl`, { authorized_users: [publisher.name] });
      const bad = await publisher.client.post(`${s.topicPath}:publish`, '{');
      assert.deepEqual(bad.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Message Arguments'));
      const ok = await publisher.client.post(`${s.topicPath}:publish`, { messages: [{ data: 'x' }] });
      assert.deepEqual(ok.body, { messageIds: ['0'] });
    });

    it('applies the ACL to anyone holding publisher, project admins included, but not to plain project admins', async () => {
      const s = await setup();
      const adminPublisher = await s.project.user(['project_admin', 'publisher']);
      const admin = await s.project.user(['project_admin']);
      const consumer = await s.project.user(['consumer']);
      const denied = await adminPublisher.client.post(`${s.topicPath}:publish`, { messages: [{ data: 'x' }] });
      assert.deepEqual(denied.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));
      const ok = await admin.client.post(`${s.topicPath}:publish`, { messages: [{ data: 'x' }] });
      assert.deepEqual(ok.body, { messageIds: ['0'] });
      const byRole = await consumer.client.post(`${s.topicPath}:publish`, { messages: [{ data: 'x' }] });
      assert.deepEqual(byRole.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));
    });

    it('does not check data for base64 and keeps it verbatim', async () => {
      const s = await setup();
      const data = ['msg 1', 'not base64 !!', '', 'ünïcödé ✓', 'aGVsbG8='];
      await publish(s, ...data);
      const messages = await pull(s);
      assert.deepEqual(
        messages.map((m) => m.message.data),
        data,
      );
    });

    it('accepts any key case and a missing data field', async () => {
      const s = await setup();
      const reply = await app.admin.post(`${s.topicPath}:publish`, {
        Messages: [{ Data: 'upper', ATTRIBUTES: { k: 'v' } }, { attributes: { only: 'attrs' } }],
      });
      assert.deepEqual(reply.body, { messageIds: ['0', '1'] });
      const messages = await pull(s);
      assert.equal(messages[0].message.data, 'upper');
      assert.deepEqual(messages[0].message.attributes, { k: 'v' });
      assert.equal(messages[1].message.data, '');
      assert.deepEqual(messages[1].message.attributes, { only: 'attrs' });
    });

    it('answers 413 Message size is too large and stores nothing of the batch', async () => {
      const small = await startApp({ AMS_MAX_MESSAGE_BYTES: '1000' });
      try {
        const project = await newProject(small);
        const topic = await project.topic();
        const sub = await project.subscription(topic);
        const topicPath = `/v1/projects/${project.name}/topics/${topic}`;
        const subPath = `/v1/projects/${project.name}/subscriptions/${sub}`;

        const tooBig = await small.admin.post(`${topicPath}:publish`, {
          messages: [{ data: 'first' }, { data: 'x'.repeat(2000) }, { data: 'last' }],
        });
        assert.equal(tooBig.status, 413);
        assert.deepEqual(tooBig.body, amsError(413, 'INVALID_ARGUMENT', 'Message size is too large'));

        const bigAttributes = await small.admin.post(`${topicPath}:publish`, {
          messages: [{ data: 'a', attributes: { k: 'v'.repeat(1500) } }],
        });
        assert.equal(bigAttributes.status, 413, 'attributes count toward the size');

        assert.deepEqual((await small.admin.get(`${subPath}:offsets`)).body, { max: 0, min: 0, current: 0 });
        const fits = await small.admin.post(`${topicPath}:publish`, {
          messages: [{ data: 'y'.repeat(500) }, { data: 'z'.repeat(500) }],
        });
        assert.deepEqual(fits.body, { messageIds: ['0', '1'] }, 'the limit is per message, not per batch');
      } finally {
        await small.close();
      }
    });
  });

  describe('pull', () => {
    it('answers the documented wire form', async () => {
      const s = await setup();
      await app.admin.post(`${s.topicPath}:publish`, {
        messages: [
          { data: 'with attributes', attributes: { zeta: '1', alpha: '2', mid: 'q"uote' } },
          { data: 'empty attributes', attributes: {} },
          { data: 'no attributes' },
        ],
      });
      const reply = await app.admin.post(`${s.subPath}:pull`, { maxMessages: '3' });
      assert.equal(reply.status, 200);
      assert.deepEqual(Object.keys(reply.body), ['receivedMessages']);
      const messages = reply.body.receivedMessages;
      assert.equal(messages.length, 3);
      messages.forEach((m: any, i: number) => {
        assert.deepEqual(Object.keys(m).sort(), ['ackId', 'message']);
        assert.equal(m.ackId, s.ackId(i));
        assert.equal(m.message.messageId, String(i));
        assert.match(m.message.publishTime, PUBLISH_TIME);
        assert.ok(!Number.isNaN(Date.parse(m.message.publishTime)));
      });
      assert.deepEqual(Object.keys(messages[0].message).sort(), ['attributes', 'data', 'messageId', 'publishTime']);
      assert.deepEqual(Object.keys(messages[0].message.attributes), ['alpha', 'mid', 'zeta'], 'sorted keys');
      assert.deepEqual(messages[0].message.attributes, { alpha: '2', mid: 'q"uote', zeta: '1' });
      assert.equal(messages[0].message.data, 'with attributes');
      for (const m of messages.slice(1)) {
        assert.deepEqual(Object.keys(m.message).sort(), ['data', 'messageId', 'publishTime'], 'empty attributes omitted');
      }
      assert.ok(/"attributes":\{"alpha":"2","mid":"q\\"uote","zeta":"1"\}/.test(reply.text), 'escaped and sorted on the wire');
    });

    it('stamps publishTime with the server clock', async () => {
      const s = await setup();
      const before = Date.now();
      await publish(s, 'x');
      const [m] = await pull(s);
      const stamped = Date.parse(m.message.publishTime);
      assert.ok(stamped >= before - 1000 && stamped <= clock.now().getTime() + 1000, m.message.publishTime);
    });

    it('reads maxMessages as a string or a number; absent, 0, negative or unparsable act as 1', async () => {
      const s = await setup();
      await publish(s, 'a', 'b', 'c', 'd', 'e');
      assert.deepEqual(ids(await pull(s, { maxMessages: '2' })), ['0', '1']);
      assert.deepEqual(ids(await pull(s, { maxMessages: 3 })), ['0', '1', '2']);
      for (const body of [{}, { maxMessages: '0' }, { maxMessages: 0 }, { maxMessages: '-3' }, { maxMessages: 'abc' }, { maxMessages: '' }, { maxMessages: '2abc' }, { maxMessages: '1.5' }, { maxMessages: ' 3' }]) {
        assert.deepEqual(ids(await pull(s, body)), ['0'], JSON.stringify(body));
      }
      assert.deepEqual(ids(await pull(s, { maxMessages: '100' })), ['0', '1', '2', '3', '4'], 'fewer than asked when fewer exist');
      assert.deepEqual(ids(await pull(s, { MAXMESSAGES: '2' })), ['0', '1'], 'keys match case-insensitively');
    });

    it('answers 400 Invalid Pull Parameters Arguments for an empty, malformed or mistyped body', async () => {
      const s = await setup();
      for (const body of ['', '{', '[]', { maxMessages: true }, { maxMessages: ['1'] }, { returnImmediately: 1 }]) {
        const reply = await app.admin.post(`${s.subPath}:pull`, body);
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Pull Parameters Arguments'), JSON.stringify(body));
      }
    });

    it('checks the subscription, then the consumer ACL, then the topic, then the body', async () => {
      const s = await setup();
      const consumer = await s.project.user(['consumer']);
      const missing = await app.admin.post(`/v1/projects/${s.project.name}/subscriptions/nope:pull`, '{');
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
      const denied = await consumer.client.post(`${s.subPath}:pull`, '{');
      assert.deepEqual(denied.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));
      await app.admin.post(`${s.subPath}:modifyAcl`, { authorized_users: [consumer.name] });
      const bad = await consumer.client.post(`${s.subPath}:pull`, '{');
      assert.deepEqual(bad.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Pull Parameters Arguments'));
      await publish(s, 'x');
      assert.deepEqual(ids(await pull(s, { maxMessages: '1' }, consumer.client)), ['0']);

      await app.admin.delete(s.topicPath);
      const gone = await consumer.client.post(`${s.subPath}:pull`, '{');
      assert.deepEqual(gone.body, amsError(409, 'CONFLICT', "Subscription's topic doesn't exist"));
    });

    it('applies the ACL to anyone holding consumer, project admins included', async () => {
      const s = await setup();
      const adminConsumer = await s.project.user(['project_admin', 'consumer']);
      const admin = await s.project.user(['project_admin']);
      const denied = await adminConsumer.client.post(`${s.subPath}:pull`, { maxMessages: '1' });
      assert.deepEqual(denied.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));
      const ok = await admin.client.post(`${s.subPath}:pull`, { maxMessages: '1' });
      assert.deepEqual(ok.body, { receivedMessages: [] });
    });

    it('does not deliver messages published before the subscription was created', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const topicPath = `/v1/projects/${project.name}/topics/${topic}`;
      await app.admin.post(`${topicPath}:publish`, { messages: [{ data: 'old 0' }, { data: 'old 1' }] });
      const sub = await project.subscription(topic);
      const subPath = `/v1/projects/${project.name}/subscriptions/${sub}`;
      assert.deepEqual((await app.admin.post(`${subPath}:pull`, { maxMessages: '10' })).body, { receivedMessages: [] });
      await app.admin.post(`${topicPath}:publish`, { messages: [{ data: 'new' }] });
      const reply = await app.admin.post(`${subPath}:pull`, { maxMessages: '10' });
      assert.equal(reply.body.receivedMessages.length, 1);
      assert.equal(reply.body.receivedMessages[0].message.messageId, '2');
      assert.equal(reply.body.receivedMessages[0].message.data, 'new');
      assert.equal(reply.body.receivedMessages[0].ackId, `projects/${project.name}/subscriptions/${sub}:2`);
    });

    it('returns the same window until it is acknowledged; acknowledge is cumulative', async () => {
      const s = await setup();
      await publish(s, 'a', 'b', 'c', 'd', 'e');
      const first = await pull(s, { maxMessages: '3' });
      assert.deepEqual(ids(first), ['0', '1', '2']);
      assert.deepEqual(await pull(s, { maxMessages: '3' }), first, 'same messages again');

      const ack = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(1)] });
      assert.equal(ack.status, 200);
      assert.deepEqual(ack.body, {});
      assert.deepEqual(ids(await pull(s, { maxMessages: '2' })), ['2', '3'], 'unacked message 2 comes back');

      // The highest id of the list counts, whatever the order.
      const many = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(3), s.ackId(2)] });
      assert.deepEqual(many.body, {});
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 5, min: 0, current: 4 });
      assert.deepEqual(ids(await pull(s, { maxMessages: '10' })), ['4']);
    });

    it('hands concurrent pullers the same messages', async () => {
      const s = await setup();
      await publish(s, 'a', 'b', 'c');
      const [one, two] = await Promise.all([pull(s, { maxMessages: '2' }), pull(s, { maxMessages: '2' })]);
      assert.deepEqual(ids(one), ['0', '1']);
      assert.deepEqual(two, one);
    });

    it('returns at once with [] when nothing is available, even with returnImmediately "false"', async () => {
      const s = await setup();
      const started = Date.now();
      const reply = await app.admin.post(`${s.subPath}:pull`, { maxMessages: '5', returnImmediately: 'false' });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { receivedMessages: [] });
      assert.ok(Date.now() - started < 2000, 'did not wait');
    });

    it('returns what is there by default and with "true"', async () => {
      const s = await setup();
      await publish(s, 'a');
      for (const body of [{ maxMessages: '5' }, { maxMessages: '5', returnImmediately: 'true' }, { maxMessages: '5', returnImmediately: true }]) {
        const started = Date.now();
        assert.deepEqual(ids(await pull(s, body)), ['0'], JSON.stringify(body));
        assert.ok(Date.now() - started < 2000, 'did not wait');
      }
    });

    it('waits with returnImmediately "false" until maxMessages are collected', async () => {
      const s = await setup();
      await publish(s, 'first');
      const waits = app.nextLongPoll();
      const waiting = app.admin.post(`${s.subPath}:pull`, { maxMessages: '3', returnImmediately: 'false' });
      await waits;
      const waitsAgain = app.nextLongPoll();
      await publish(s, 'second');
      await waitsAgain; // woken, read two of three, waiting again
      await publish(s, 'third', 'fourth');
      const reply = await waiting;
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(
        reply.body.receivedMessages.map((m: any) => m.message.data),
        ['first', 'second', 'third'],
      );
      const ack = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(2)] });
      assert.deepEqual(ack.body, {}, 'the waited-for messages form the window');
      assert.deepEqual(ids(await pull(s)), ['3']);
    });

    it('stops waiting after AMS_PULL_MAX_WAIT_S (fractions allowed) and returns what it has', async () => {
      const short = await startApp({ AMS_PULL_MAX_WAIT_S: '0.5' });
      try {
        const project = await newProject(short);
        const topic = await project.topic();
        const sub = await project.subscription(topic);
        await short.admin.post(`/v1/projects/${project.name}/topics/${topic}:publish`, { messages: [{ data: 'only' }] });
        const started = Date.now();
        const reply = await short.admin.post(`/v1/projects/${project.name}/subscriptions/${sub}:pull`, {
          maxMessages: '3',
          returnImmediately: 'false',
        });
        const waited = Date.now() - started;
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(ids(reply.body.receivedMessages), ['0']);
        assert.ok(waited >= 450 && waited < 5000, `waited ${waited} ms`);
      } finally {
        await short.close();
      }
    });

    it('by default a pull that found some waits at most the 2 s fill wait for the rest (issue 17), on the service clock', { timeout: 60_000 }, async () => {
      const s = await setup();
      await publish(s, 'one', 'two');
      const waits = app.nextLongPoll();
      const waiting = app.admin.post(`${s.subPath}:pull`, { maxMessages: '3', returnImmediately: 'false' });
      await waits;
      clock.advance(2.5); // with the original's 300 s this pull would still wait, and the test time out
      const reply = await waiting;
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(ids(reply.body.receivedMessages), ['0', '1'], 'fewer than asked is a valid answer (spec 8.4)');
    });

    it('lets only the service admin pull a push subscription', async () => {
      const s = await setup({
        pushConfig: { type: 'http_endpoint', pushEndpoint: 'https://receiver.example.org/push' },
      });
      const consumer = await s.project.user(['consumer']);
      const admin = await s.project.user(['project_admin']);
      await app.admin.post(`${s.subPath}:modifyAcl`, { authorized_users: [consumer.name] });
      await publish(s, 'x');
      for (const who of [consumer, admin]) {
        const denied = await who.client.post(`${s.subPath}:pull`, { maxMessages: '1' });
        assert.equal(denied.status, 403);
        assert.deepEqual(denied.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));
      }
      assert.deepEqual(ids(await pull(s, { maxMessages: '1' })), ['0']);
    });
  });

  describe('acknowledge', () => {
    it('answers 400 Invalid ack parameter for a body that does not parse, before the existence check', async () => {
      const s = await setup();
      for (const path of [s.subPath, `/v1/projects/${s.project.name}/subscriptions/nope`]) {
        for (const body of ['', '{', '[]', { ackIds: 'x' }, { ackIds: [1] }]) {
          const reply = await app.admin.post(`${path}:acknowledge`, body);
          assert.equal(reply.status, 400, JSON.stringify(body));
          assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid ack parameter'), JSON.stringify(body));
        }
      }
    });

    it("answers 404 Subscription doesn't exist before looking at the ids", async () => {
      const s = await setup();
      for (const body of [{ ackIds: [] }, { ackIds: ['garbage'] }, {}]) {
        const reply = await app.admin.post(`/v1/projects/${s.project.name}/subscriptions/nope:acknowledge`, body);
        assert.equal(reply.status, 404);
        assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
      }
    });

    it('answers 400 Invalid ack id for no ids and ids of another project, subscription or not an integer', async () => {
      const s = await setup();
      const other = await setup();
      await publish(s, 'a');
      await pull(s);
      const bad = [
        {},
        { ackIds: null },
        { ackIds: [] },
        { ackIds: [s.ackId(0), other.ackId(0)] },
        { ackIds: [`projects/${other.project.name}/subscriptions/${s.sub}:0`] },
        { ackIds: [`projects/${s.project.name}/subscriptions/${other.sub}:0`] },
        { ackIds: [`/projects/${s.project.name}/subscriptions/${s.sub}:0`] },
        { ackIds: [`projects/${s.project.name}/subscriptions/${s.sub}`] },
        { ackIds: [`projects/${s.project.name}/subscriptions/${s.sub}:abc`] },
        { ackIds: [`projects/${s.project.name}/subscriptions/${s.sub}:1.5`] },
        { ackIds: [`projects/${s.project.name}/subscriptions/${s.sub}:`] },
        { ackIds: [`projects/${s.project.name}/subscriptions/${s.sub}:99999999999999999999`] },
      ];
      for (const body of bad) {
        const reply = await app.admin.post(`${s.subPath}:acknowledge`, body);
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid ack id'), JSON.stringify(body));
      }
      const ok = await app.admin.post(`${s.subPath}:acknowledge`, { AckIds: [s.ackId(0)] });
      assert.deepEqual(ok.body, {}, 'the window survived the rejected calls; AckIds matches case-insensitively');
    });

    it('answers 500 no ack pending without a pull, after an ack and after an empty first pull', async () => {
      const s = await setup();
      const noPull = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(0)] });
      assert.equal(noPull.status, 500);
      assert.deepEqual(noPull.body, amsError(500, 'INTERNAL_SERVER_ERROR', 'no ack pending'));

      assert.deepEqual(await pull(s), []);
      const emptyPull = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(0)] });
      assert.deepEqual(emptyPull.body, amsError(500, 'INTERNAL_SERVER_ERROR', 'no ack pending'));

      await publish(s, 'a');
      await pull(s);
      assert.deepEqual((await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(0)] })).body, {});
      const twice = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(0)] });
      assert.deepEqual(twice.body, amsError(500, 'INTERNAL_SERVER_ERROR', 'no ack pending'));
    });

    it('answers 500 wrong ack below the floor or beyond the window, leaving the window in place', async () => {
      const s = await setup();
      await publish(s, 'a', 'b', 'c', 'd');
      await pull(s, { maxMessages: '1' });
      await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(0)] });
      assert.deepEqual(ids(await pull(s, { maxMessages: '2' })), ['1', '2']);
      for (const offset of [0, -1, 3, 4, 100]) {
        const reply = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(offset)] });
        assert.equal(reply.status, 500, String(offset));
        assert.deepEqual(reply.body, amsError(500, 'INTERNAL_SERVER_ERROR', 'wrong ack'), String(offset));
      }
      assert.deepEqual((await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(2)] })).body, {});
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 4, min: 0, current: 3 });
    });

    it('answers 408 ack timeout after the deadline, keeps the state, and a new pull restarts the deadline', async () => {
      const s = await setup();
      await publish(s, 'a', 'b');
      assert.deepEqual(ids(await pull(s, { maxMessages: '2' })), ['0', '1']);
      clock.advance(11);
      const late = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(1)] });
      assert.equal(late.status, 408);
      assert.deepEqual(late.body, amsError(408, 'TIMEOUT', 'ack timeout'));
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 2, min: 0, current: 0 });

      assert.deepEqual(ids(await pull(s, { maxMessages: '2' })), ['0', '1'], 'redelivered');
      clock.advance(5);
      assert.deepEqual((await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(1)] })).body, {});
      assert.deepEqual((await app.admin.get(`${s.subPath}:offsets`)).body, { max: 2, min: 0, current: 2 });
    });

    it('uses the ack deadline of the subscription, as modified after the pull', async () => {
      const s = await setup({ ackDeadlineSeconds: 30 });
      await publish(s, 'a', 'b', 'c');
      await pull(s, { maxMessages: '1' });
      clock.advance(20);
      assert.deepEqual((await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(0)] })).body, {});

      await pull(s, { maxMessages: '1' });
      clock.advance(20);
      const shorter = await app.admin.post(`${s.subPath}:modifyAckDeadline`, { ackDeadlineSeconds: 5 });
      assert.equal(shorter.status, 200, shorter.text);
      const late = await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(1)] });
      assert.deepEqual(late.body, amsError(408, 'TIMEOUT', 'ack timeout'));
      const longer = await app.admin.post(`${s.subPath}:modifyAckDeadline`, { ackDeadlineSeconds: 600 });
      assert.equal(longer.status, 200);
      assert.deepEqual((await app.admin.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(1)] })).body, {});
      assert.deepEqual(ids(await pull(s, { maxMessages: '5' })), ['2']);
    });

    it('lets a consumer not in the ACL acknowledge (no ACL check on acknowledge)', async () => {
      const s = await setup();
      const consumer = await s.project.user(['consumer']);
      await publish(s, 'a');
      await pull(s);
      const reply = await consumer.client.post(`${s.subPath}:acknowledge`, { ackIds: [s.ackId(0)] });
      assert.deepEqual(reply.body, {});
    });
  });
});
