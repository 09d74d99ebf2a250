import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp } from '../support/app.js';
import { amsError } from '../support/client.js';
import { ShiftedClock } from '../support/clocks.js';
import { eventually } from '../support/eventually.js';
import { newProject } from '../support/fixtures.js';

/**
 * Message retention as clients see it (spec 4.2, 4.3; AMS_MESSAGE_RETENTION_S): house-keeping deletes what is older
 * than the retention, `:offsets` reports the new `min`, a subscription that fell behind starts there, ids go on.
 * The embedded store deletes itself; on kafka-mongo the broker applies the topic's `retention.ms`
 * (test/contract/kafka-mongo-retention.spec.ts), on its own schedule.
 */
const RETENTION_S = 3600;
const embedded = process.env.AMS_STORE !== 'kafka-mongo';

/**
 * The `:offsets` of a subscription once `min` has reached `min` (house-keeping runs within a second or so), or as they
 * are after 15 s, for the caller's assertion to show.
 */
async function offsetsOnceMinIs(app: RunningApp, path: string, min: number): Promise<unknown> {
  const offsets = async (): Promise<{ min: number }> => (await app.admin.get(`${path}:offsets`)).body;
  await eventually(async () => (await offsets()).min === min, 15_000).catch(() => undefined);
  return offsets();
}

describe('message retention', { skip: embedded ? false : 'the broker applies retention.ms on kafka-mongo' }, () => {
  const clock = new ShiftedClock();
  let app: RunningApp;
  before(async () => {
    app = await startApp(
      { AMS_MESSAGE_RETENTION_S: String(RETENTION_S), AMS_HOUSEKEEPING_INTERVAL_S: '1' },
      { clock },
    );
  });
  after(async () => {
    await app.close();
  });

  it('expired messages leave; min rises, a lagging subscription starts at min, ids are never reused', async () => {
    const project = await newProject(app);
    const topic = await project.topic();
    const sub = await project.subscription(topic);
    const topicPath = `/v1/projects/${project.name}/topics/${topic}`;
    const subPath = `/v1/projects/${project.name}/subscriptions/${sub}`;
    const publish = async (...data: string[]): Promise<string[]> => {
      const reply = await app.admin.post(`${topicPath}:publish`, { messages: data.map((d) => ({ data: d })) });
      assert.equal(reply.status, 200, reply.text);
      return reply.body.messageIds as string[];
    };

    assert.deepEqual(await publish('b2xkMA==', 'b2xkMQ==', 'b2xkMg=='), ['0', '1', '2']);
    clock.advance(RETENTION_S / 2);
    assert.deepEqual(await publish('bmV3MA==', 'bmV3MQ=='), ['3', '4']);
    clock.advance(RETENTION_S / 2 + 5); // the first three are now older than the retention, the last two are not

    assert.deepEqual(await offsetsOnceMinIs(app, subPath, 3), { max: 5, min: 3, current: 3 });
    const stamped = await app.admin.get(`${subPath}:timeToOffset?time=2000-01-01T00:00:00.000Z`);
    assert.deepEqual(stamped.body, { offset: 3 }, 'a time before the oldest message answers min');

    const pulled = await app.admin.post(`${subPath}:pull`, { maxMessages: '10' });
    assert.equal(pulled.status, 200, pulled.text);
    assert.deepEqual(
      pulled.body.receivedMessages.map((m: { message: { messageId: string; data: string } }) => [m.message.messageId, m.message.data]),
      [['3', 'bmV3MA=='], ['4', 'bmV3MQ==']],
    );
    const acked = await app.admin.post(`${subPath}:acknowledge`, { ackIds: [pulled.body.receivedMessages[1].ackId] });
    assert.equal(acked.status, 200, acked.text);
    assert.deepEqual(await publish('bGF0ZXI='), ['5'], 'ids go on after expiry');
    assert.deepEqual((await app.admin.get(`${subPath}:offsets`)).body, { max: 6, min: 3, current: 5 });

    clock.advance(RETENTION_S + 5); // now everything is older
    assert.deepEqual(await offsetsOnceMinIs(app, subPath, 6), { max: 6, min: 6, current: 6 });
    assert.deepEqual((await app.admin.post(`${subPath}:pull`, { maxMessages: '10' })).body, { receivedMessages: [] });
    assert.deepEqual(await publish('YWdhaW4='), ['6']);
  });

  it('a subscription whose floor fell below min is moved to min by its next pull, and that is kept', async () => {
    const project = await newProject(app);
    const topic = await project.topic();
    const sub = await project.subscription(topic);
    const topicPath = `/v1/projects/${project.name}/topics/${topic}`;
    const subPath = `/v1/projects/${project.name}/subscriptions/${sub}`;
    await app.admin.post(`${topicPath}:publish`, { messages: [{ data: 'YQ==' }, { data: 'Yg==' }] });
    clock.advance(RETENTION_S + 5);
    const later = await app.admin.post(`${topicPath}:publish`, { messages: [{ data: 'Yw==' }] });
    assert.deepEqual(later.body.messageIds, ['2']);
    assert.deepEqual(await offsetsOnceMinIs(app, subPath, 2), { max: 3, min: 2, current: 2 });
    const pulled = await app.admin.post(`${subPath}:pull`, { maxMessages: '1', returnImmediately: 'true' });
    assert.deepEqual(
      pulled.body.receivedMessages.map((m: { ackId: string }) => m.ackId),
      [`projects/${project.name}/subscriptions/${sub}:2`],
    );
    await app.admin.post(`${subPath}:acknowledge`, { ackIds: [pulled.body.receivedMessages[0].ackId] });
    assert.deepEqual((await app.admin.get(`${subPath}:offsets`)).body, { max: 3, min: 2, current: 3 });
  });
});

/** A topic's own retention (pubsub-extensions 7 and 10): on create and by PATCH, shown only when set. */
describe('topic messageRetentionDuration', () => {
  const clock = new ShiftedClock();
  let app: RunningApp;
  before(async () => {
    app = await startApp({ AMS_MESSAGE_RETENTION_S: String(RETENTION_S), AMS_HOUSEKEEPING_INTERVAL_S: '1' }, { clock });
  });
  after(async () => {
    await app.close();
  });

  it('is taken as "600s" or whole seconds on create, shown as "Ns", and absent unless set', async () => {
    const project = await newProject(app);
    const base = `/v1/projects/${project.name}/topics`;
    const asString = await app.admin.put(`${base}/kept-long`, { messageRetentionDuration: '2678400s' });
    assert.equal(asString.status, 200, asString.text);
    assert.deepEqual(asString.body, {
      name: `/projects/${project.name}/topics/kept-long`,
      created_on: asString.body.created_on,
      messageRetentionDuration: '2678400s',
    });
    const asNumber = await app.admin.put(`${base}/kept-short`, { messageRetentionDuration: 600 });
    assert.equal(asNumber.body.messageRetentionDuration, '600s');
    assert.deepEqual((await app.admin.get(`${base}/kept-short`)).body, asNumber.body);
    const plain = await app.admin.put(`${base}/plain`);
    assert.deepEqual(Object.keys(plain.body).sort(), ['created_on', 'name'], 'an AMS client sees no new key');
    const listed = (await app.admin.get(base)).body.topics as { name: string; messageRetentionDuration?: string }[];
    assert.deepEqual(
      listed.map((t) => [t.name.split('/').pop(), t.messageRetentionDuration]).sort(),
      [['kept-long', '2678400s'], ['kept-short', '600s'], ['plain', undefined]],
    );
  });

  it('refuses a duration outside 600s..2678400s, or that is no duration, with the envelope', async () => {
    const project = await newProject(app);
    const base = `/v1/projects/${project.name}/topics`;
    const refused = amsError(
      400,
      'INVALID_ARGUMENT',
      'Invalid messageRetentionDuration: must be between 600s and 2678400s, as "600s" or whole seconds',
    );
    for (const value of ['599s', 599, '2678401s', '10m', '600', '1.5s', -600]) {
      const reply = await app.admin.put(`${base}/t`, { messageRetentionDuration: value });
      assert.deepEqual([reply.status, reply.body], [400, refused], JSON.stringify(value));
    }
    const wrongType = await app.admin.put(`${base}/t`, { messageRetentionDuration: true });
    assert.deepEqual([wrongType.status, wrongType.body], [400, amsError(400, 'BAD_REQUEST', 'Invalid Request Body')]);
    assert.equal((await app.admin.get(`${base}/t`)).status, 404, 'nothing was created');
  });

  it('PATCH changes it; an updateMask naming it without a value goes back to the service\'s retention', async () => {
    const project = await newProject(app);
    const path = `/v1/projects/${project.name}/topics/${await project.topic()}`;
    const changed = await app.admin.patch(path, { messageRetentionDuration: '86400s' });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.messageRetentionDuration, '86400s');
    assert.deepEqual((await app.admin.get(path)).body, changed.body);
    assert.deepEqual((await app.admin.patch(path, {})).body, changed.body, 'nothing named, nothing changes');
    const reset = await app.admin.patch(path, { updateMask: 'message_retention_duration' });
    assert.equal(reset.status, 200, reset.text);
    assert.equal(reset.body.messageRetentionDuration, undefined);
    const masked = await app.admin.patch(path, { updateMask: 'schema' });
    assert.deepEqual([masked.status, masked.body], [400, amsError(400, 'INVALID_ARGUMENT', 'Invalid updateMask: schema cannot be updated')]);
    const outOfRange = await app.admin.patch(path, { messageRetentionDuration: '60s' });
    assert.equal(outOfRange.status, 400);
    const missing = await app.admin.patch(`/v1/projects/${project.name}/topics/nope`, { messageRetentionDuration: '600s' });
    assert.deepEqual([missing.status, missing.body], [404, amsError(404, 'NOT_FOUND', "Topic doesn't exist")]);
  });

  it('a topic\'s own retention decides when its messages go', { skip: embedded ? false : 'the broker applies retention.ms on kafka-mongo' }, async () => {
    const project = await newProject(app);
    const short = await project.topic();
    await app.admin.patch(`/v1/projects/${project.name}/topics/${short}`, { messageRetentionDuration: '600s' });
    const long = await project.topic();
    const shortSub = `/v1/projects/${project.name}/subscriptions/${await project.subscription(short)}`;
    const longSub = `/v1/projects/${project.name}/subscriptions/${await project.subscription(long)}`;
    for (const topic of [short, long]) {
      const reply = await app.admin.post(`/v1/projects/${project.name}/topics/${topic}:publish`, { messages: [{ data: 'YQ==' }] });
      assert.equal(reply.status, 200, reply.text);
    }
    clock.advance(605); // past the short topic's retention, well within the service's (RETENTION_S)
    assert.deepEqual(await offsetsOnceMinIs(app, shortSub, 1), { max: 1, min: 1, current: 1 });
    assert.deepEqual((await app.admin.get(`${longSub}:offsets`)).body, { max: 1, min: 0, current: 0 });
  });
});
