import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp } from '../support/app.js';
import { amsError } from '../support/client.js';
import { newProject } from '../support/fixtures.js';

describe('publish, pull and acknowledge (the CI flow of the original)', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app.close();
  });

  it('delivers published messages in order and moves on after acknowledge', async () => {
    const project = await newProject(app);
    const topic = await project.topic();
    const sub = await project.subscription(topic);
    const base = `/v1/projects/${project.name}`;

    const published = await app.admin.post(`${base}/topics/${topic}:publish`, {
      messages: [{ attributes: {}, data: 'msg 1' }, { attributes: {}, data: 'msg 2' }],
    });
    assert.deepEqual(published.body, { messageIds: ['0', '1'] });

    const first = await app.admin.post(`${base}/subscriptions/${sub}:pull`, { maxMessages: '1' });
    assert.equal(first.status, 200);
    assert.equal(first.body.receivedMessages[0].ackId, `projects/${project.name}/subscriptions/${sub}:0`);
    assert.equal(first.body.receivedMessages[0].message.data, 'msg 1');

    const ack = await app.admin.post(`${base}/subscriptions/${sub}:acknowledge`, { ackIds: [first.body.receivedMessages[0].ackId] });
    assert.deepEqual(ack.body, {});

    const second = await app.admin.post(`${base}/subscriptions/${sub}:pull`, { maxMessages: '1' });
    assert.equal(second.body.receivedMessages[0].message.messageId, '1');
    assert.equal(second.body.receivedMessages[0].message.data, 'msg 2');
  });

  it('answers an unknown token with 401 in the AMS envelope', async () => {
    const reply = await app.client('nope-nope-nope').get('/v1/projects');
    assert.equal(reply.status, 401);
    assert.deepEqual(reply.body, amsError(401, 'UNAUTHORIZED', 'Unauthorized'));
  });
});
