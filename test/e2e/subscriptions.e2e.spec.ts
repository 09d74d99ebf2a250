import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { amsError } from '../support/client.js';
import { ShiftedClock } from '../support/clocks.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';

/** Subscriptions (spec 3.6, 4.4, 4.6): create, show, list, delete, ack deadline, offsets, ACLs, push config. */

const SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const SECRET = /^[0-9a-f]{64}$/;
const INVALID_DEADLINE = 'Invalid ackDeadlineSeconds(needs value between 0 and 600) Arguments';

const PULL_CONFIG = {
  type: '',
  pushEndpoint: '',
  maxMessages: 0,
  authorizationHeader: {},
  retryPolicy: {},
  verificationHash: '',
  verified: false,
  mattermostUrl: '',
  mattermostUsername: '',
  mattermostChannel: '',
  base64Decode: false,
};

/** `2024-03-01T10:00:05.123456Z` -> `2024-03-01T10:00:05.123Z` (the :timeToOffset format), moved by `deltaMs`. */
function zuluMillis(publishTime: string, deltaMs = 0): string {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(publishTime);
  assert.ok(m, publishTime);
  const millis = Date.parse(`${m[1]}.${((m[2] ?? '') + '000').slice(0, 3)}Z`) + deltaMs;
  return new Date(millis).toISOString();
}

describe('subscriptions', () => {
  const clock = new ShiftedClock();
  let app: RunningApp;
  before(async () => {
    app = await startApp({}, { clock });
  });
  after(async () => {
    await app.close();
  });

  const base = (project: ProjectFixture): string => `/v1/projects/${project.name}`;
  const subRef = (project: ProjectFixture, sub: string): string => `/projects/${project.name}/subscriptions/${sub}`;
  const topicRef = (project: ProjectFixture, topic: string): string => `/projects/${project.name}/topics/${topic}`;

  async function publish(project: ProjectFixture, topic: string, ...data: string[]): Promise<void> {
    const reply = await app.admin.post(`${base(project)}/topics/${topic}:publish`, { messages: data.map((d) => ({ data: d })) });
    assert.equal(reply.status, 200, reply.text);
  }

  async function pullIds(project: ProjectFixture, sub: string, max = '10'): Promise<string[]> {
    const reply = await app.admin.post(`${base(project)}/subscriptions/${sub}:pull`, { maxMessages: max });
    assert.equal(reply.status, 200, reply.text);
    return reply.body.receivedMessages.map((m: any) => m.message.messageId);
  }

  describe('create and show', () => {
    it('creates a pull subscription with the full representation', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const name = unique('s');
      const reply = await app.admin.put(`${base(project)}/subscriptions/${name}`, {
        topic: `projects/${project.name}/topics/${topic}`,
      });
      assert.equal(reply.status, 200, reply.text);
      assert.match(reply.body.createdOn, SECONDS);
      assert.deepEqual(reply.body, {
        name: subRef(project, name),
        topic: topicRef(project, topic),
        pushConfig: PULL_CONFIG,
        ackDeadlineSeconds: 10,
        createdOn: reply.body.createdOn,
      });
      const shown = await app.admin.get(`${base(project)}/subscriptions/${name}`);
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body, reply.body);
    });

    it('takes ackDeadlineSeconds as given, 0 or absent meaning 10, without a range check', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const cases: [unknown, number][] = [
        [undefined, 10],
        [0, 10],
        [null, 10],
        [30, 30],
        [700, 700],
      ];
      for (const [given, shown] of cases) {
        const reply = await app.admin.put(`${base(project)}/subscriptions/${unique('s')}`, {
          topic: `projects/${project.name}/topics/${topic}`,
          ackDeadlineSeconds: given,
        });
        assert.equal(reply.status, 200, reply.text);
        assert.equal(reply.body.ackDeadlineSeconds, shown, String(given));
      }
    });

    it('accepts any topic reference of 4 parts with "projects" first or "topics" third, in the URL project', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      for (const ref of [
        `projects/${project.name}/topics/${topic}`,
        `projects/another-project/topics/${topic}`,
        `x/${project.name}/topics/${topic}`,
        `projects/${project.name}/whatever/${topic}`,
      ]) {
        const reply = await app.admin.put(`${base(project)}/subscriptions/${unique('s')}`, { topic: ref });
        assert.equal(reply.status, 200, `${ref}: ${reply.text}`);
        assert.equal(reply.body.topic, topicRef(project, topic));
      }
    });

    it('answers 400 Invalid Topic name for other references', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      for (const ref of [topic, '', `/projects/${project.name}/topics/${topic}`, `projects/${project.name}/${topic}`, `a/b/c/${topic}`]) {
        const reply = await app.admin.put(`${base(project)}/subscriptions/${unique('s')}`, { topic: ref });
        assert.equal(reply.status, 400, ref);
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Topic name'), ref);
      }
      const noTopic = await app.admin.put(`${base(project)}/subscriptions/${unique('s')}`, { ackDeadlineSeconds: 20 });
      assert.deepEqual(noTopic.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Topic name'));
    });

    it('answers 400 Invalid Subscription Arguments when the body does not parse', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const ref = `projects/${project.name}/topics/${topic}`;
      for (const body of ['', '{', '[]', { topic: 5 }, { topic: ref, ackDeadlineSeconds: '10' }, { topic: ref, ackDeadlineSeconds: 1.5 }, { topic: ref, pushConfig: 'x' }, { topic: ref, pushConfig: { maxMessages: '2' } }]) {
        const reply = await app.admin.put(`${base(project)}/subscriptions/${unique('s')}`, body);
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Subscription Arguments'), JSON.stringify(body));
      }
    });

    it("answers 404 Topic doesn't exist, then 409 Subscription already exists", async () => {
      const project = await newProject(app);
      const other = await newProject(app);
      const topic = await project.topic();
      const foreign = await other.topic();
      const missing = await app.admin.put(`${base(project)}/subscriptions/${unique('s')}`, {
        topic: `projects/${project.name}/topics/nope`,
      });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"));
      const elsewhere = await app.admin.put(`${base(project)}/subscriptions/${unique('s')}`, {
        topic: `projects/${other.name}/topics/${foreign}`,
      });
      assert.deepEqual(elsewhere.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"), 'looked up in the URL project');

      const sub = await project.subscription(topic);
      const taken = await app.admin.put(`${base(project)}/subscriptions/${sub}`, { topic: `projects/${project.name}/topics/${topic}` });
      assert.equal(taken.status, 409);
      assert.deepEqual(taken.body, amsError(409, 'ALREADY_EXISTS', 'Subscription already exists'));
      const takenMissingTopic = await app.admin.put(`${base(project)}/subscriptions/${sub}`, {
        topic: `projects/${project.name}/topics/nope`,
      });
      assert.deepEqual(takenMissingTopic.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"), 'topic before name');
    });

    it("answers 404 Subscription doesn't exist for an unknown subscription", async () => {
      const project = await newProject(app);
      const reply = await app.admin.get(`${base(project)}/subscriptions/nope`);
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
    });

    it('lets a consumer show any subscription, but not create one', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const sub = await project.subscription(topic);
      const consumer = await project.user(['consumer']);
      const shown = await consumer.client.get(`${base(project)}/subscriptions/${sub}`);
      assert.equal(shown.status, 200, 'show has no ACL check');
      const denied = await consumer.client.put(`${base(project)}/subscriptions/${unique('s')}`, {
        topic: `projects/${project.name}/topics/${topic}`,
      });
      assert.deepEqual(denied.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));
    });
  });

  describe('list', () => {
    it('lists newest first, pages, and rejects bad paging parameters', async () => {
      const project = await newProject(app);
      assert.deepEqual((await app.admin.get(`${base(project)}/subscriptions`)).body, {
        subscriptions: [],
        nextPageToken: '',
        totalSize: 0,
      });
      const topic = await project.topic();
      const subs = [await project.subscription(topic), await project.subscription(topic), await project.subscription(topic)];
      const all = await app.admin.get(`${base(project)}/subscriptions`);
      assert.equal(all.status, 200);
      assert.deepEqual(
        all.body.subscriptions.map((s: { name: string }) => s.name),
        [subRef(project, subs[2]), subRef(project, subs[1]), subRef(project, subs[0])],
      );
      assert.deepEqual(all.body.subscriptions[0], (await app.admin.get(`${base(project)}/subscriptions/${subs[2]}`)).body);
      assert.equal(all.body.nextPageToken, '');
      assert.equal(all.body.totalSize, 3);

      const first = await app.admin.get(`${base(project)}/subscriptions?pageSize=1`);
      assert.deepEqual(first.body.subscriptions, [all.body.subscriptions[0]]);
      assert.notEqual(first.body.nextPageToken, '');
      assert.equal(first.body.totalSize, 3);
      const rest = await app.admin.get(
        `${base(project)}/subscriptions?pageSize=5&pageToken=${encodeURIComponent(first.body.nextPageToken)}`,
      );
      assert.deepEqual(rest.body, { subscriptions: all.body.subscriptions.slice(1), nextPageToken: '', totalSize: 3 });

      const size = await app.admin.get(`${base(project)}/subscriptions?pageSize=x`);
      assert.deepEqual(size.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid page size'));
      const token = await app.admin.get(`${base(project)}/subscriptions?pageToken=bm9wZQ==`);
      assert.deepEqual(token.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid page token'));
    });

    it('shows a consumer only the subscriptions whose ACL holds it; a project admin sees all', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const consumer = await project.user(['consumer']);
      const admin = await project.user(['project_admin']);
      const s1 = await project.subscription(topic);
      const s2 = await project.subscription(topic);
      await app.admin.post(`${base(project)}/subscriptions/${s1}:modifyAcl`, { authorized_users: [consumer.name] });

      const seen = await consumer.client.get(`${base(project)}/subscriptions`);
      assert.equal(seen.status, 200);
      assert.deepEqual(
        seen.body.subscriptions.map((s: { name: string }) => s.name),
        [subRef(project, s1)],
      );
      assert.equal(seen.body.totalSize, 1);
      assert.equal(seen.body.nextPageToken, '');

      const all = await admin.client.get(`${base(project)}/subscriptions`);
      assert.deepEqual(
        all.body.subscriptions.map((s: { name: string }) => s.name),
        [subRef(project, s2), subRef(project, s1)],
      );
      const none = await (await project.user(['consumer'])).client.get(`${base(project)}/subscriptions`);
      assert.deepEqual(none.body, { subscriptions: [], nextPageToken: '', totalSize: 0 });
    });
  });

  describe('delete', () => {
    it('deletes with an empty body; then the subscription is gone', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const sub = await project.subscription(topic);
      const reply = await app.admin.delete(`${base(project)}/subscriptions/${sub}`);
      assert.equal(reply.status, 200);
      assert.equal(reply.text, '');
      const shown = await app.admin.get(`${base(project)}/subscriptions/${sub}`);
      assert.deepEqual(shown.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
      const again = await app.admin.delete(`${base(project)}/subscriptions/${sub}`);
      assert.equal(again.status, 404);
      assert.deepEqual(again.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
      assert.deepEqual((await app.admin.get(`${base(project)}/topics/${topic}/subscriptions`)).body, { subscriptions: [] });

      // The name is free again and a new subscription starts at the topic's end.
      await publish(project, topic, 'a');
      await project.subscription(topic, sub);
      assert.deepEqual(await pullIds(project, sub), []);
    });
  });

  describe(':modifyAckDeadline', () => {
    it('sets 0..600 inclusive, missing meaning 0, with an empty answer', async () => {
      const project = await newProject(app);
      const sub = await project.subscription(await project.topic());
      const path = `${base(project)}/subscriptions/${sub}`;
      for (const [body, shown] of [
        [{ ackDeadlineSeconds: 600 }, 600],
        [{ ackDeadlineSeconds: 0 }, 0],
        [{ ackDeadlineSeconds: 42 }, 42],
        [{}, 0],
        [{ AckDeadlineSeconds: 7 }, 7],
        [{ ackDeadlineSeconds: null }, 0],
      ] as const) {
        const reply = await app.admin.post(`${path}:modifyAckDeadline`, body);
        assert.equal(reply.status, 200, reply.text);
        assert.equal(reply.text, '');
        assert.equal((await app.admin.get(path)).body.ackDeadlineSeconds, shown, JSON.stringify(body));
      }
    });

    it('answers 400 for out of range or unparsable values, before looking for the subscription', async () => {
      const project = await newProject(app);
      const sub = await project.subscription(await project.topic(), undefined, { ackDeadlineSeconds: 33 });
      for (const path of [`${base(project)}/subscriptions/${sub}`, `${base(project)}/subscriptions/nope`]) {
        for (const body of [{ ackDeadlineSeconds: 601 }, { ackDeadlineSeconds: -1 }, { ackDeadlineSeconds: 1.5 }, { ackDeadlineSeconds: '30' }, '', '{']) {
          const reply = await app.admin.post(`${path}:modifyAckDeadline`, body);
          assert.equal(reply.status, 400, JSON.stringify(body));
          assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', INVALID_DEADLINE), JSON.stringify(body));
        }
      }
      assert.equal((await app.admin.get(`${base(project)}/subscriptions/${sub}`)).body.ackDeadlineSeconds, 33);
      const missing = await app.admin.post(`${base(project)}/subscriptions/nope:modifyAckDeadline`, { ackDeadlineSeconds: 30 });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
    });

    it('is open to consumers not in the ACL', async () => {
      const project = await newProject(app);
      const sub = await project.subscription(await project.topic());
      const consumer = await project.user(['consumer']);
      const reply = await consumer.client.post(`${base(project)}/subscriptions/${sub}:modifyAckDeadline`, { ackDeadlineSeconds: 20 });
      assert.equal(reply.status, 200, reply.text);
    });
  });

  describe('offsets', () => {
    it('reports max, min and current and moves with acknowledge', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const sub = await project.subscription(topic);
      const path = `${base(project)}/subscriptions/${sub}`;
      assert.deepEqual((await app.admin.get(`${path}:offsets`)).body, { max: 0, min: 0, current: 0 });
      await publish(project, topic, 'a', 'b', 'c');
      const offsets = await app.admin.get(`${path}:offsets`);
      assert.equal(offsets.status, 200);
      assert.deepEqual(offsets.body, { max: 3, min: 0, current: 0 });
      await pullIds(project, sub, '2');
      assert.deepEqual((await app.admin.get(`${path}:offsets`)).body, { max: 3, min: 0, current: 0 }, 'pull does not move it');
      await app.admin.post(`${path}:acknowledge`, { ackIds: [`projects/${project.name}/subscriptions/${sub}:1`] });
      assert.deepEqual((await app.admin.get(`${path}:offsets`)).body, { max: 3, min: 0, current: 2 });

      const late = await project.subscription(topic);
      assert.deepEqual((await app.admin.get(`${base(project)}/subscriptions/${late}:offsets`)).body, { max: 3, min: 0, current: 3 });
      const missing = await app.admin.get(`${base(project)}/subscriptions/nope:offsets`);
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
    });

    it(':modifyOffset moves the subscription; the next pull starts at the offset', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const sub = await project.subscription(topic);
      const path = `${base(project)}/subscriptions/${sub}`;
      await publish(project, topic, 'a', 'b', 'c', 'd');
      await pullIds(project, sub, '4');
      await app.admin.post(`${path}:acknowledge`, { ackIds: [`projects/${project.name}/subscriptions/${sub}:3`] });

      const moved = await app.admin.post(`${path}:modifyOffset`, { offset: 1 });
      assert.equal(moved.status, 200, moved.text);
      assert.equal(moved.text, '');
      assert.deepEqual((await app.admin.get(`${path}:offsets`)).body, { max: 4, min: 0, current: 1 });
      assert.deepEqual(await pullIds(project, sub, '2'), ['1', '2']);

      // Seeking clears the pull window.
      await app.admin.post(`${path}:modifyOffset`, { offset: 3 });
      const stale = await app.admin.post(`${path}:acknowledge`, { ackIds: [`projects/${project.name}/subscriptions/${sub}:2`] });
      assert.deepEqual(stale.body, amsError(500, 'INTERNAL_SERVER_ERROR', 'no ack pending'));
      assert.deepEqual(await pullIds(project, sub), ['3']);

      const toEnd = await app.admin.post(`${path}:modifyOffset`, { offset: 4 });
      assert.equal(toEnd.status, 200, 'max itself is allowed');
      assert.deepEqual(await pullIds(project, sub), []);
      const toStart = await app.admin.post(`${path}:modifyOffset`, { Offset: 0 });
      assert.equal(toStart.status, 200);
      assert.deepEqual(await pullIds(project, sub), ['0', '1', '2', '3']);
    });

    it(':modifyOffset answers 400 Offset out of bounds and leaves the offset unchanged', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const sub = await project.subscription(topic);
      const path = `${base(project)}/subscriptions/${sub}`;
      await publish(project, topic, 'a', 'b');
      await app.admin.post(`${path}:modifyOffset`, { offset: 1 });
      for (const offset of [3, -1, 1000]) {
        const reply = await app.admin.post(`${path}:modifyOffset`, { offset });
        assert.equal(reply.status, 400, String(offset));
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Offset out of bounds'), String(offset));
      }
      assert.deepEqual((await app.admin.get(`${path}:offsets`)).body, { max: 2, min: 0, current: 1 });
      assert.deepEqual(await pullIds(project, sub), ['1']);
    });

    it(':modifyOffset answers 400 Invalid Offset Arguments for a bad body, then 404 for a missing subscription', async () => {
      const project = await newProject(app);
      const sub = await project.subscription(await project.topic());
      for (const path of [`${base(project)}/subscriptions/${sub}`, `${base(project)}/subscriptions/nope`]) {
        for (const body of ['', '{', '[]', { offset: '1' }, { offset: 1.5 }]) {
          const reply = await app.admin.post(`${path}:modifyOffset`, body);
          assert.equal(reply.status, 400, JSON.stringify(body));
          assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Offset Arguments'), JSON.stringify(body));
        }
      }
      const missing = await app.admin.post(`${base(project)}/subscriptions/nope:modifyOffset`, { offset: 0 });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
    });

    it(':timeToOffset finds the first message published at or after a time', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const sub = await project.subscription(topic);
      const path = `${base(project)}/subscriptions/${sub}`;
      await publish(project, topic, 'a0', 'a1');
      clock.advance(5);
      await publish(project, topic, 'b2');
      clock.advance(5);
      await publish(project, topic, 'c3', 'c4');
      const pulled = await app.admin.post(`${path}:pull`, { maxMessages: '5' });
      const times: string[] = pulled.body.receivedMessages.map((m: any) => m.message.publishTime);
      assert.equal(times.length, 5);

      const offsetAt = async (time: string): Promise<unknown> => {
        const reply = await app.admin.get(`${path}:timeToOffset?time=${time}`);
        assert.equal(reply.status, 200, `${time}: ${reply.text}`);
        return reply.body;
      };
      assert.deepEqual(await offsetAt('2000-01-01T00:00:00.000Z'), { offset: 0 });
      assert.deepEqual(await offsetAt(zuluMillis(times[0])), { offset: 0 });
      assert.deepEqual(await offsetAt(zuluMillis(times[0], 1000)), { offset: 2 });
      assert.deepEqual(await offsetAt(zuluMillis(times[2])), { offset: 2 });
      assert.deepEqual(await offsetAt(zuluMillis(times[2], 1)), { offset: 3 });
      assert.deepEqual(await offsetAt(zuluMillis(times[4])), { offset: 3 });

      const late = await app.admin.get(`${path}:timeToOffset?time=${zuluMillis(times[4], 1000)}`);
      assert.equal(late.status, 409);
      assert.deepEqual(late.body, amsError(409, 'CONFLICT', "Timestamp is out of bounds for the subscription's topic/partition"));

      // The answer feeds :modifyOffset.
      await app.admin.post(`${path}:modifyOffset`, { offset: 2 });
      assert.deepEqual(await pullIds(project, sub), ['2', '3', '4']);
    });

    it(':timeToOffset answers 409 on an empty topic and 400 for any other time format', async () => {
      const project = await newProject(app);
      const sub = await project.subscription(await project.topic());
      const path = `${base(project)}/subscriptions/${sub}`;
      const empty = await app.admin.get(`${path}:timeToOffset?time=2019-09-02T13:39:11.100Z`);
      assert.deepEqual(empty.body, amsError(409, 'CONFLICT', "Timestamp is out of bounds for the subscription's topic/partition"));
      for (const query of [
        '',
        '?time=',
        '?time=2019-09-02T13:39:11Z',
        '?time=2019-09-02T13:39:11.1Z',
        '?time=2019-09-02T13:39:11.1000Z',
        '?time=2019-09-02 13:39:11.100Z',
        '?time=2019-09-02T13:39:11.100',
        '?time=2019-09-02T13:39:11.100%2B00:00',
        '?time=2019-02-30T13:39:11.100Z',
        '?time=2019-09-02T25:39:11.100Z',
        '?time=yesterday',
        '?timestamp=2019-09-02T13:39:11.100Z',
      ]) {
        const reply = await app.admin.get(`${path}:timeToOffset${query}`);
        assert.equal(reply.status, 400, query);
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Time is not in valid Zulu format.'), query);
      }
      const missing = await app.admin.get(`${base(project)}/subscriptions/nope:timeToOffset?time=2019-09-02T13:39:11.100Z`);
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
    });

    it('offset routes are open to consumers not in the ACL', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const sub = await project.subscription(topic);
      const consumer = await project.user(['consumer']);
      const path = `${base(project)}/subscriptions/${sub}`;
      await publish(project, topic, 'a');
      assert.equal((await consumer.client.get(`${path}:offsets`)).status, 200);
      assert.equal((await consumer.client.post(`${path}:modifyOffset`, { offset: 0 })).status, 200);
      assert.equal((await consumer.client.get(`${path}:timeToOffset?time=2000-01-01T00:00:00.000Z`)).status, 200);
    });
  });

  describe(':acl and :modifyAcl', () => {
    it('starts empty, is replaced, cleared, and lets the listed consumer pull', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const sub = await project.subscription(topic);
      const consumer = await project.user(['consumer']);
      const other = await project.user(['consumer']);
      const path = `${base(project)}/subscriptions/${sub}`;
      assert.deepEqual((await app.admin.get(`${path}:acl`)).body, { authorized_users: [] });

      const denied = await consumer.client.post(`${path}:pull`, { maxMessages: '1' });
      assert.deepEqual(denied.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));

      const modified = await app.admin.post(`${path}:modifyAcl`, { authorized_users: [consumer.name, other.name] });
      assert.equal(modified.status, 200);
      assert.equal(modified.text, '');
      assert.deepEqual([...(await app.admin.get(`${path}:acl`)).body.authorized_users].sort(), [consumer.name, other.name].sort());
      assert.equal((await consumer.client.post(`${path}:pull`, { maxMessages: '1' })).status, 200);

      await app.admin.post(`${path}:modifyAcl`, { authorized_users: [other.name] });
      assert.deepEqual((await app.admin.get(`${path}:acl`)).body, { authorized_users: [other.name] });
      assert.equal((await consumer.client.post(`${path}:pull`, { maxMessages: '1' })).status, 403);

      await app.admin.post(`${path}:modifyAcl`, { authorized_users: [] });
      assert.deepEqual((await app.admin.get(`${path}:acl`)).body, { authorized_users: [] });
    });

    it('answers 404 naming the non-members in request order, 400 for bad bodies, 404 for a missing subscription', async () => {
      const project = await newProject(app);
      const sub = await project.subscription(await project.topic());
      const member = await project.user(['consumer']);
      const path = `${base(project)}/subscriptions/${sub}`;
      const users = await app.admin.post(`${path}:modifyAcl`, { authorized_users: ['bbb-none', member.name, 'aaa-none'] });
      assert.equal(users.status, 404);
      assert.deepEqual(users.body, amsError(404, 'NOT_FOUND', 'User(s): bbb-none, aaa-none do not exist'));
      assert.deepEqual((await app.admin.get(`${path}:acl`)).body, { authorized_users: [] });

      for (const body of [{}, { authorized_users: 'x' }, { authorized_users: [null] }, '{', '']) {
        const reply = await app.admin.post(`${path}:modifyAcl`, body);
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Subscription ACL Arguments'), JSON.stringify(body));
      }

      const acl = await app.admin.get(`${base(project)}/subscriptions/nope:acl`);
      assert.deepEqual(acl.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
      const modify = await app.admin.post(`${base(project)}/subscriptions/nope:modifyAcl`, { authorized_users: [] });
      assert.equal(modify.status, 404);
      assert.deepEqual(modify.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
    });
  });

  describe('push configuration', () => {
    const endpoint = 'https://receiver.example.org:8443/push?x=1';

    async function pushSub(project: ProjectFixture, pushConfig: Record<string, unknown>): Promise<{ name: string; body: any }> {
      const topic = await project.topic();
      const name = unique('s');
      const reply = await app.admin.put(`${base(project)}/subscriptions/${name}`, {
        topic: `projects/${project.name}/topics/${topic}`,
        pushConfig,
      });
      assert.equal(reply.status, 200, reply.text);
      return { name, body: reply.body };
    }

    async function modify(project: ProjectFixture, name: string, body: unknown): Promise<any> {
      const reply = await app.admin.post(`${base(project)}/subscriptions/${name}:modifyPushConfig`, body);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.text, '');
      const shown = await app.admin.get(`${base(project)}/subscriptions/${name}`);
      assert.equal(shown.status, 200);
      return shown.body;
    }

    it('creates an http_endpoint push subscription, unverified, with defaults', async () => {
      const project = await newProject(app);
      const { name, body } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: endpoint });
      assert.match(body.pushConfig.authorizationHeader.value, SECRET);
      assert.match(body.pushConfig.verificationHash, SECRET);
      assert.deepEqual(body.pushConfig, {
        type: 'http_endpoint',
        pushEndpoint: endpoint,
        maxMessages: 1,
        authorizationHeader: { type: 'autogen', value: body.pushConfig.authorizationHeader.value },
        retryPolicy: { type: 'linear', period: 3000 },
        verificationHash: body.pushConfig.verificationHash,
        verified: false,
        mattermostUrl: '',
        mattermostUsername: '',
        mattermostChannel: '',
        base64Decode: false,
      });
      assert.equal(body.pushStatus, undefined, 'no status while unverified');
      assert.notEqual(body.pushConfig.authorizationHeader.value, body.pushConfig.verificationHash);
      assert.deepEqual((await app.admin.get(`${base(project)}/subscriptions/${name}`)).body, body);
    });

    it('stores every field given on create and ignores client header values', async () => {
      const project = await newProject(app);
      const { body } = await pushSub(project, {
        type: 'http_endpoint',
        pushEndpoint: endpoint,
        maxMessages: 5,
        authorizationHeader: { type: 'autogen', value: 'mine' },
        retryPolicy: { type: 'linear', period: 450 },
        base64Decode: true,
        verificationHash: 'mine',
        verified: true,
      });
      assert.equal(body.pushConfig.maxMessages, 5);
      assert.equal(body.pushConfig.base64Decode, true);
      assert.deepEqual(body.pushConfig.retryPolicy, { type: 'linear', period: 450 });
      assert.notEqual(body.pushConfig.authorizationHeader.value, 'mine');
      assert.notEqual(body.pushConfig.verificationHash, 'mine');
      assert.equal(body.pushConfig.verified, false);
    });

    it('shows maxMessages 0 as 1, a non-positive period as 3000, and a period for slowstart too', async () => {
      const project = await newProject(app);
      const zero = await pushSub(project, { type: 'http_endpoint', pushEndpoint: endpoint, maxMessages: 0, retryPolicy: { period: -5 } });
      assert.equal(zero.body.pushConfig.maxMessages, 1);
      assert.deepEqual(zero.body.pushConfig.retryPolicy, { type: 'linear', period: 3000 });
      const slow = await pushSub(project, { type: 'http_endpoint', pushEndpoint: endpoint, retryPolicy: { type: 'slowstart' } });
      assert.equal(slow.body.pushConfig.retryPolicy.type, 'slowstart');
      assert.equal(typeof slow.body.pushConfig.retryPolicy.period, 'number', 'period always present for push (spec 8.8)');
    });

    it('answers the push-config 400s on create, after the topic check and before the name check', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const taken = await project.subscription(topic);
      const cases: [Record<string, unknown>, string][] = [
        [{ type: 'http_endpoint', pushEndpoint: 'http://receiver.example.org/push' }, 'Push endpoint should be addressed by a valid https url'],
        [{ type: 'http_endpoint' }, 'Push endpoint should be addressed by a valid https url'],
        [{ type: 'http_endpoint', pushEndpoint: 'receiver.example.org/push' }, 'Push endpoint should be addressed by a valid https url'],
        [{ type: 'http_endpoint', pushEndpoint: 'https://' }, 'Push endpoint should be addressed by a valid https url'],
        [{ type: 'smtp', pushEndpoint: endpoint }, "Push configuration type can only be of 'http_endpoint' or 'mattermost'"],
        [{ mattermostUrl: 'https://chat.example.org/hooks/x' }, "Push configuration type can only be of 'http_endpoint' or 'mattermost'"],
        [{ type: 'http_endpoint', pushEndpoint: endpoint, retryPolicy: { type: 'exponential' } }, "Retry policy can only be of 'linear' or 'slowstart' type"],
        [{ type: 'http_endpoint', pushEndpoint: endpoint, authorizationHeader: { type: 'bearer' } }, "Authorization header type can only be of 'autogen' or 'disabled' type"],
        [{ type: 'mattermost' }, 'Field mattermostUrl cannot be empty'],
        [{ type: 'mattermost', mattermostUrl: '' }, 'Field mattermostUrl cannot be empty'],
      ];
      for (const [pushConfig, message] of cases) {
        for (const name of [unique('s'), taken]) {
          const reply = await app.admin.put(`${base(project)}/subscriptions/${name}`, {
            topic: `projects/${project.name}/topics/${topic}`,
            pushConfig,
          });
          assert.equal(reply.status, 400, JSON.stringify(pushConfig));
          assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', message), JSON.stringify(pushConfig));
        }
        const noTopic = await app.admin.put(`${base(project)}/subscriptions/${unique('s')}`, {
          topic: `projects/${project.name}/topics/nope`,
          pushConfig,
        });
        assert.deepEqual(noTopic.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"));
      }
      assert.equal((await app.admin.get(`${base(project)}/subscriptions`)).body.totalSize, 1, 'nothing was created');
    });

    it('creates a mattermost subscription verified at once; deleting it reports the deactivation', async () => {
      const project = await newProject(app);
      const { name, body } = await pushSub(project, {
        type: 'mattermost',
        mattermostUrl: 'https://chat.example.org/hooks/abc',
        mattermostUsername: 'ams',
        mattermostChannel: 'alerts',
      });
      assert.equal(body.pushConfig.type, 'mattermost');
      assert.equal(body.pushConfig.verified, true);
      assert.equal(body.pushConfig.mattermostUrl, 'https://chat.example.org/hooks/abc');
      assert.equal(body.pushConfig.mattermostUsername, 'ams');
      assert.equal(body.pushConfig.mattermostChannel, 'alerts');
      assert.equal(body.pushConfig.pushEndpoint, '');
      assert.equal(typeof body.pushConfig.retryPolicy.period, 'number');

      const deleted = await app.admin.delete(`${base(project)}/subscriptions/${name}`);
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body, { message: `Subscription ${subRef(project, name)} deactivated` });
    });

    it(':modifyPushConfig turns a pull subscription into push and {} or no pushConfig back to pull', async () => {
      const project = await newProject(app);
      const sub = await project.subscription(await project.topic());
      const pushed = await modify(project, sub, { pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, maxMessages: 3 } });
      assert.equal(pushed.pushConfig.type, 'http_endpoint');
      assert.equal(pushed.pushConfig.pushEndpoint, endpoint);
      assert.equal(pushed.pushConfig.maxMessages, 3);
      assert.equal(pushed.pushConfig.verified, false);
      assert.match(pushed.pushConfig.verificationHash, SECRET);
      assert.deepEqual(Object.keys(pushed.pushConfig.authorizationHeader).sort(), ['type', 'value']);
      assert.equal(pushed.pushConfig.authorizationHeader.type, 'autogen');

      const back = await modify(project, sub, { pushConfig: {} });
      assert.deepEqual(back.pushConfig, PULL_CONFIG);
      assert.equal(back.ackDeadlineSeconds, 10);
      assert.equal((await app.admin.post(`${base(project)}/subscriptions/${sub}:pull`, { maxMessages: '1' })).status, 200);

      await modify(project, sub, { pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint } });
      assert.deepEqual((await modify(project, sub, {})).pushConfig, PULL_CONFIG);
    });

    it(':modifyPushConfig keeps the hash of the same endpoint, renews it for a new one, and keeps maxMessages on 0', async () => {
      const project = await newProject(app);
      const { name, body } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: endpoint, maxMessages: 4 });
      const same = await modify(project, name, { pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, maxMessages: 0 } });
      assert.equal(same.pushConfig.verificationHash, body.pushConfig.verificationHash);
      assert.equal(same.pushConfig.verified, false);
      assert.equal(same.pushConfig.maxMessages, 4, 'on modify 0 keeps the previous batch size');

      const moved = await modify(project, name, { pushConfig: { type: 'http_endpoint', pushEndpoint: 'https://other.example.org/' } });
      assert.match(moved.pushConfig.verificationHash, SECRET);
      assert.notEqual(moved.pushConfig.verificationHash, body.pushConfig.verificationHash);
      assert.equal(moved.pushConfig.pushEndpoint, 'https://other.example.org/');
    });

    it(':modifyPushConfig regenerates an autogen header on every call that sends autogen and keeps it otherwise', async () => {
      const project = await newProject(app);
      const { name, body } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: endpoint });
      const first = body.pushConfig.authorizationHeader.value;

      const kept = await modify(project, name, { pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint } });
      assert.deepEqual(kept.pushConfig.authorizationHeader, { type: 'autogen', value: first });

      const renewed = await modify(project, name, {
        pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, authorizationHeader: { type: 'autogen' } },
      });
      assert.equal(renewed.pushConfig.authorizationHeader.type, 'autogen');
      assert.match(renewed.pushConfig.authorizationHeader.value, SECRET);
      assert.notEqual(renewed.pushConfig.authorizationHeader.value, first);
      const again = await modify(project, name, {
        pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, authorizationHeader: { type: 'autogen' } },
      });
      assert.notEqual(again.pushConfig.authorizationHeader.value, renewed.pushConfig.authorizationHeader.value);

      const disabled = await modify(project, name, {
        pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, authorizationHeader: { type: 'disabled' } },
      });
      assert.deepEqual(disabled.pushConfig.authorizationHeader, { type: 'disabled' });
      const stillDisabled = await modify(project, name, { pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint } });
      assert.deepEqual(stillDisabled.pushConfig.authorizationHeader, { type: 'disabled' });
    });

    it(':modifyPushConfig stores retry policy, base64Decode and mattermost settings', async () => {
      const project = await newProject(app);
      const sub = await project.subscription(await project.topic());
      const slow = await modify(project, sub, {
        pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, retryPolicy: { type: 'slowstart' }, base64Decode: true },
      });
      assert.equal(slow.pushConfig.retryPolicy.type, 'slowstart');
      assert.equal(typeof slow.pushConfig.retryPolicy.period, 'number');
      assert.equal(slow.pushConfig.base64Decode, true);

      const linear = await modify(project, sub, {
        pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, retryPolicy: { type: 'linear', period: 1200 } },
      });
      assert.deepEqual(linear.pushConfig.retryPolicy, { type: 'linear', period: 1200 });

      const chat = await modify(project, sub, {
        pushConfig: { type: 'mattermost', mattermostUrl: 'https://chat.example.org/hooks/x', mattermostChannel: 'c' },
      });
      assert.equal(chat.pushConfig.type, 'mattermost');
      assert.equal(chat.pushConfig.verified, true);
      assert.equal(chat.pushConfig.mattermostUrl, 'https://chat.example.org/hooks/x');
      assert.equal(chat.pushConfig.mattermostChannel, 'c');
      assert.equal(chat.pushConfig.mattermostUsername, '');
    });

    it(':modifyPushConfig answers the 400s, 400 Invalid Subscription Arguments and 404, changing nothing', async () => {
      const project = await newProject(app);
      const { name, body } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: endpoint });
      const path = `${base(project)}/subscriptions/${name}:modifyPushConfig`;
      const cases: [unknown, string][] = [
        [{ pushConfig: { type: 'http_endpoint', pushEndpoint: 'http://receiver.example.org/' } }, 'Push endpoint should be addressed by a valid https url'],
        [{ pushConfig: { type: 'webhook', pushEndpoint: endpoint } }, "Push configuration type can only be of 'http_endpoint' or 'mattermost'"],
        [{ pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, retryPolicy: { type: 'never' } } }, "Retry policy can only be of 'linear' or 'slowstart' type"],
        [{ pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, authorizationHeader: { type: 'basic' } } }, "Authorization header type can only be of 'autogen' or 'disabled' type"],
        [{ pushConfig: { type: 'mattermost', mattermostChannel: 'c' } }, 'Field mattermostUrl cannot be empty'],
        ['', 'Invalid Subscription Arguments'],
        ['{', 'Invalid Subscription Arguments'],
        [{ pushConfig: 'x' }, 'Invalid Subscription Arguments'],
        [{ pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, maxMessages: '2' } }, 'Invalid Subscription Arguments'],
        [{ pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, base64Decode: 'yes' } }, 'Invalid Subscription Arguments'],
        [{ pushConfig: { type: 'http_endpoint', pushEndpoint: endpoint, retryPolicy: { period: '3' } } }, 'Invalid Subscription Arguments'],
      ];
      for (const [request, message] of cases) {
        const reply = await app.admin.post(path, request);
        assert.equal(reply.status, 400, JSON.stringify(request));
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', message), JSON.stringify(request));
      }
      assert.deepEqual((await app.admin.get(`${base(project)}/subscriptions/${name}`)).body, body);

      const missing = await app.admin.post(`${base(project)}/subscriptions/nope:modifyPushConfig`, { pushConfig: {} });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Subscription doesn't exist"));
    });

    it('shows the push settings to consumers who may show the subscription', async () => {
      const project = await newProject(app);
      const { name, body } = await pushSub(project, { type: 'http_endpoint', pushEndpoint: endpoint });
      const consumer = await project.user(['consumer']);
      const shown = await consumer.client.get(`${base(project)}/subscriptions/${name}`);
      assert.deepEqual(shown.body, body);
    });
  });
});
