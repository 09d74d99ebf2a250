import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningApp, startApp } from '../support/app.js';
import { amsError } from '../support/client.js';
import { ShiftedClock } from '../support/clocks.js';
import { eventually } from '../support/eventually.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';

/**
 * Subscription expiration (pubsub-extensions 7, 10): `expirationPolicy: {"ttl": ...}` on create and PATCH, shown only
 * when set; house-keeping deletes a subscription that saw no pull, acknowledge or push delivery for that long.
 */
const HOUR = 3600;
const INVALID = amsError(400, 'INVALID_ARGUMENT', 'Invalid expirationPolicy: ttl must be at least 86400s, as "86400s" or whole seconds');

describe('subscription expiration', () => {
  const clock = new ShiftedClock();
  let app: RunningApp;
  before(async () => {
    app = await startApp({ AMS_HOUSEKEEPING_INTERVAL_S: '1' }, { clock });
  });
  after(async () => {
    await app.close();
  });

  const path = (project: ProjectFixture, sub: string): string => `/v1/projects/${project.name}/subscriptions/${sub}`;

  /** House-keeping deletes the subscription within a few of its (one-second) slots. */
  const deletedSoon = (subPath: string): Promise<void> =>
    eventually(async () => (await app.admin.get(subPath)).status === 404, 15_000, `the deletion of ${subPath}`);

  it('takes a ttl of a day or more on create, shows it only when set, and refuses less', async () => {
    const project = await newProject(app);
    const topic = `projects/${project.name}/topics/${await project.topic()}`;
    const withTtl = await app.admin.put(path(project, 'a'), { topic, expirationPolicy: { ttl: '86400s' } });
    assert.equal(withTtl.status, 200, withTtl.text);
    assert.deepEqual(withTtl.body.expirationPolicy, { ttl: '86400s' });
    assert.deepEqual((await app.admin.get(path(project, 'a'))).body, withTtl.body);
    const asNumber = await app.admin.put(path(project, 'b'), { topic, expirationPolicy: { ttl: 2678400 } });
    assert.deepEqual(asNumber.body.expirationPolicy, { ttl: '2678400s' });
    const never = await app.admin.put(path(project, 'c'), { topic, expirationPolicy: {} });
    assert.equal(never.status, 200, never.text);
    assert.equal(never.body.expirationPolicy, undefined, 'no ttl: never expires, and shows nothing');
    const plain = await app.admin.put(path(project, 'd'), { topic });
    assert.deepEqual(Object.keys(plain.body).sort(), ['ackDeadlineSeconds', 'createdOn', 'name', 'pushConfig', 'topic']);
    for (const ttl of ['86399s', 3600, '1d', '86400']) {
      const reply = await app.admin.put(path(project, 'e'), { topic, expirationPolicy: { ttl } });
      assert.deepEqual([reply.status, reply.body], [400, INVALID], JSON.stringify(ttl));
    }
    assert.equal((await app.admin.get(path(project, 'e'))).status, 404);
  });

  it('deletes only subscriptions idle for longer than their ttl; pulls and acknowledgements keep one alive', async () => {
    const project = await newProject(app);
    const topicName = await project.topic();
    const topic = `projects/${project.name}/topics/${topicName}`;
    for (const sub of ['busy', 'idle', 'acked']) {
      assert.equal((await app.admin.put(path(project, sub), { topic, expirationPolicy: { ttl: '86400s' } })).status, 200);
    }
    assert.equal((await app.admin.put(path(project, 'plain'), { topic })).status, 200);
    await app.admin.post(`/v1/projects/${project.name}/topics/${topicName}:publish`, { messages: [{ data: 'YQ==' }] });

    clock.advance(12 * HOUR);
    assert.equal((await app.admin.post(`${path(project, 'busy')}:pull`, { maxMessages: '1', returnImmediately: 'true' })).status, 200);
    const pulled = await app.admin.post(`${path(project, 'acked')}:pull`, { maxMessages: '1', returnImmediately: 'true' });
    const acked = await app.admin.post(`${path(project, 'acked')}:acknowledge`, { ackIds: [pulled.body.receivedMessages[0].ackId] });
    assert.equal(acked.status, 200, acked.text);

    clock.advance(13 * HOUR); // idle: 25 h without activity; busy and acked: 13 h
    await deletedSoon(path(project, 'idle'));
    for (const sub of ['busy', 'acked', 'plain']) assert.equal((await app.admin.get(path(project, sub))).status, 200, sub);

    clock.advance(12 * HOUR); // busy and acked: 25 h idle now
    await deletedSoon(path(project, 'busy'));
    await deletedSoon(path(project, 'acked'));
    clock.advance(400 * 24 * HOUR);
    await sleep(1500); // a few house-keeping slots
    assert.equal((await app.admin.get(path(project, 'plain'))).status, 200, 'without a policy it never expires');
  });

  it('PATCH sets, changes and (through updateMask) removes the policy', async () => {
    const project = await newProject(app);
    const sub = await project.subscription(await project.topic());
    const set = await app.admin.patch(path(project, sub), { expirationPolicy: { ttl: '172800s' } });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body.expirationPolicy, { ttl: '172800s' });
    assert.deepEqual((await app.admin.get(path(project, sub))).body, set.body);
    assert.deepEqual((await app.admin.patch(path(project, sub), {})).body, set.body, 'nothing named, nothing changes');
    const short = await app.admin.patch(path(project, sub), { expirationPolicy: { ttl: '3600s' } });
    assert.deepEqual([short.status, short.body], [400, INVALID]);
    const removed = await app.admin.patch(path(project, sub), { updateMask: 'expiration_policy' });
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.body.expirationPolicy, undefined);
    const masked = await app.admin.patch(path(project, sub), { updateMask: 'ackDeadlineSeconds' });
    assert.deepEqual(
      [masked.status, masked.body],
      [400, amsError(400, 'INVALID_ARGUMENT', 'Invalid updateMask: ackDeadlineSeconds cannot be updated')],
    );
    const missing = await app.admin.patch(path(project, 'nope'), { expirationPolicy: { ttl: '86400s' } });
    assert.deepEqual([missing.status, missing.body], [404, amsError(404, 'NOT_FOUND', "Subscription doesn't exist")]);
  });
});
