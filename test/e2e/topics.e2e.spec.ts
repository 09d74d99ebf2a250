import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { amsError } from '../support/client.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';

/** Topics (spec 3.5, 2.4, 4.5): create, show, list, delete, ACLs and the subscriptions of a topic. */

const SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('topics', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app.close();
  });

  const base = (project: ProjectFixture): string => `/v1/projects/${project.name}`;

  describe('create and show', () => {
    it('creates a topic from an empty body and answers its representation', async () => {
      const project = await newProject(app);
      const name = unique('t');
      const reply = await app.admin.put(`${base(project)}/topics/${name}`);
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(Object.keys(reply.body).sort(), ['created_on', 'name']);
      assert.equal(reply.body.name, `/projects/${project.name}/topics/${name}`);
      assert.match(reply.body.created_on, SECONDS);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);

      const shown = await app.admin.get(`${base(project)}/topics/${name}`);
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body, reply.body);
    });

    it('accepts {} and an empty schema as a body', async () => {
      const project = await newProject(app);
      const a = await app.admin.put(`${base(project)}/topics/${unique('t')}`, {});
      assert.equal(a.status, 200, a.text);
      const b = await app.admin.put(`${base(project)}/topics/${unique('t')}`, { schema: '' });
      assert.equal(b.status, 200, b.text);
      assert.equal(b.body.schema, undefined);
    });

    it('answers 400 Invalid Request Body for a malformed or mistyped body', async () => {
      const project = await newProject(app);
      const name = unique('t');
      for (const body of ['{', '[1,2]', '"text"', JSON.stringify({ schema: 5 })]) {
        const reply = await app.admin.put(`${base(project)}/topics/${name}`, body);
        assert.equal(reply.status, 400, body);
        assert.deepEqual(reply.body, amsError(400, 'BAD_REQUEST', 'Invalid Request Body'), body);
      }
      const shown = await app.admin.get(`${base(project)}/topics/${name}`);
      assert.equal(shown.status, 404, 'nothing was created');
    });

    it('rejects a badly formed schema reference and a missing schema', async () => {
      const project = await newProject(app);
      const name = unique('t');
      for (const schema of ['probe', 'schemas/probe', `projects/${project.name}/topics/probe`, `projects/${project.name}/schemas`]) {
        const reply = await app.admin.put(`${base(project)}/topics/${name}`, { schema });
        assert.equal(reply.status, 400, schema);
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'wrong schema name declaration'), schema);
      }
      const missing = await app.admin.put(`${base(project)}/topics/${name}`, {
        schema: `projects/${project.name}/schemas/no-such-schema`,
      });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Schema doesn't exist"));
      assert.equal((await app.admin.get(`${base(project)}/topics/${name}`)).status, 404, 'nothing was created');
    });

    it('answers 409 Topic already exists for a taken name', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const reply = await app.admin.put(`${base(project)}/topics/${topic}`);
      assert.equal(reply.status, 409);
      assert.deepEqual(reply.body, amsError(409, 'ALREADY_EXISTS', 'Topic already exists'));
    });

    it("answers 404 Topic doesn't exist for an unknown topic", async () => {
      const project = await newProject(app);
      const reply = await app.admin.get(`${base(project)}/topics/nope`);
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"));
    });

    it('lets a project admin create and a publisher show a topic, but not a publisher create one', async () => {
      const project = await newProject(app);
      const admin = await project.user(['project_admin']);
      const publisher = await project.user(['publisher']);
      const name = unique('t');
      const created = await admin.client.put(`${base(project)}/topics/${name}`);
      assert.equal(created.status, 200, created.text);
      const shown = await publisher.client.get(`${base(project)}/topics/${name}`);
      assert.equal(shown.status, 200, 'show has no ACL check');
      const denied = await publisher.client.put(`${base(project)}/topics/${unique('t')}`);
      assert.deepEqual(denied.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));
    });
  });

  describe('list', () => {
    it('answers an empty page for a project without topics', async () => {
      const project = await newProject(app);
      const reply = await app.admin.get(`${base(project)}/topics`);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { topics: [], nextPageToken: '', totalSize: 0 });
    });

    it('lists newest first and pages with pageSize / pageToken', async () => {
      const project = await newProject(app);
      const names = [await project.topic(), await project.topic(), await project.topic()];
      const ref = (n: string): string => `/projects/${project.name}/topics/${n}`;

      const all = await app.admin.get(`${base(project)}/topics`);
      assert.equal(all.status, 200);
      assert.deepEqual(
        all.body.topics.map((t: { name: string }) => t.name),
        [ref(names[2]), ref(names[1]), ref(names[0])],
      );
      assert.equal(all.body.nextPageToken, '');
      assert.equal(all.body.totalSize, 3);
      for (const t of all.body.topics) assert.match(t.created_on, SECONDS);

      for (const size of ['0', '-1']) {
        const everything = await app.admin.get(`${base(project)}/topics?pageSize=${size}`);
        assert.deepEqual(everything.body, all.body, `pageSize=${size} means everything`);
      }

      const first = await app.admin.get(`${base(project)}/topics?pageSize=2`);
      assert.equal(first.status, 200);
      assert.deepEqual(
        first.body.topics.map((t: { name: string }) => t.name),
        [ref(names[2]), ref(names[1])],
      );
      assert.equal(first.body.totalSize, 3);
      assert.equal(typeof first.body.nextPageToken, 'string');
      assert.notEqual(first.body.nextPageToken, '');

      const second = await app.admin.get(
        `${base(project)}/topics?pageSize=2&pageToken=${encodeURIComponent(first.body.nextPageToken)}`,
      );
      assert.equal(second.status, 200, second.text);
      assert.deepEqual(second.body, { topics: [all.body.topics[2]], nextPageToken: '', totalSize: 3 });

      const exact = await app.admin.get(`${base(project)}/topics?pageSize=3`);
      assert.deepEqual(exact.body, all.body, 'a page holding everything has no next page');
    });

    it('rejects a page size that is not an integer and an unknown page token', async () => {
      const project = await newProject(app);
      await project.topic();
      for (const size of ['abc', '1.5', '2x']) {
        const reply = await app.admin.get(`${base(project)}/topics?pageSize=${size}`);
        assert.equal(reply.status, 400, size);
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid page size'), size);
      }
      for (const token of ['%%%', 'bm90LWEtdG9rZW4=', 'OTk5OTk5OQ==']) {
        const reply = await app.admin.get(`${base(project)}/topics?pageToken=${token}`);
        assert.equal(reply.status, 400, token);
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid page token'), token);
      }
    });

    it('shows a publisher only the topics whose ACL holds it; a project admin sees all', async () => {
      const project = await newProject(app);
      const publisher = await project.user(['publisher']);
      const admin = await project.user(['project_admin']);
      const both = await project.user(['project_admin', 'publisher']);
      const t1 = await project.topic();
      const t2 = await project.topic();
      const t3 = await project.topic();
      for (const t of [t1, t3]) {
        const acl = await app.admin.post(`${base(project)}/topics/${t}:modifyAcl`, { authorized_users: [publisher.name] });
        assert.equal(acl.status, 200, acl.text);
      }
      const ref = (n: string): string => `/projects/${project.name}/topics/${n}`;

      const seen = await publisher.client.get(`${base(project)}/topics`);
      assert.equal(seen.status, 200);
      assert.deepEqual(
        seen.body.topics.map((t: { name: string }) => t.name),
        [ref(t3), ref(t1)],
      );
      assert.equal(seen.body.totalSize, 2);
      assert.equal(seen.body.nextPageToken, '');

      const paged = await publisher.client.get(`${base(project)}/topics?pageSize=1`);
      assert.deepEqual(paged.body.topics.map((t: { name: string }) => t.name), [ref(t3)]);
      assert.equal(paged.body.totalSize, 2);
      const rest = await publisher.client.get(`${base(project)}/topics?pageSize=1&pageToken=${paged.body.nextPageToken}`);
      assert.deepEqual(rest.body.topics.map((t: { name: string }) => t.name), [ref(t1)]);
      assert.equal(rest.body.nextPageToken, '');

      for (const who of [admin, both]) {
        const all = await who.client.get(`${base(project)}/topics`);
        assert.deepEqual(
          all.body.topics.map((t: { name: string }) => t.name),
          [ref(t3), ref(t2), ref(t1)],
        );
        assert.equal(all.body.totalSize, 3);
      }

      const none = await (await project.user(['publisher'])).client.get(`${base(project)}/topics`);
      assert.deepEqual(none.body, { topics: [], nextPageToken: '', totalSize: 0 });
    });
  });

  describe('delete', () => {
    it('deletes with an empty body; then the topic is gone', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const reply = await app.admin.delete(`${base(project)}/topics/${topic}`);
      assert.equal(reply.status, 200);
      assert.equal(reply.text, '');
      const shown = await app.admin.get(`${base(project)}/topics/${topic}`);
      assert.deepEqual(shown.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"));
      const again = await app.admin.delete(`${base(project)}/topics/${topic}`);
      assert.equal(again.status, 404);
      assert.deepEqual(again.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"));
      const listed = await app.admin.get(`${base(project)}/topics`);
      assert.deepEqual(listed.body, { topics: [], nextPageToken: '', totalSize: 0 });
    });

    it('keeps the subscriptions, which answer 409 until the topic is re-created and then re-bind clamped', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const sub = await project.subscription(topic);
      const subPath = `${base(project)}/subscriptions/${sub}`;
      await app.admin.post(`${base(project)}/topics/${topic}:publish`, {
        messages: [{ data: 'a' }, { data: 'b' }, { data: 'c' }],
      });
      const pulled = await app.admin.post(`${subPath}:pull`, { maxMessages: '3' });
      assert.equal(pulled.body.receivedMessages.length, 3);
      const acked = await app.admin.post(`${subPath}:acknowledge`, { ackIds: [pulled.body.receivedMessages[2].ackId] });
      assert.deepEqual(acked.body, {});
      assert.deepEqual((await app.admin.get(`${subPath}:offsets`)).body, { max: 3, min: 0, current: 3 });

      const deleted = await app.admin.delete(`${base(project)}/topics/${topic}`);
      assert.equal(deleted.status, 200);

      const shown = await app.admin.get(subPath);
      assert.equal(shown.status, 200, 'the subscription survives');
      assert.equal(shown.body.topic, `/projects/${project.name}/topics/${topic}`);
      const pull = await app.admin.post(`${subPath}:pull`, { maxMessages: '1' });
      assert.equal(pull.status, 409);
      assert.deepEqual(pull.body, amsError(409, 'CONFLICT', "Subscription's topic doesn't exist"));
      assert.deepEqual((await app.admin.get(`${subPath}:offsets`)).body, { max: 0, min: 0, current: 0 });

      // Re-created: the old subscription is bound again, its offset clamped into the new, empty log.
      await project.topic(topic);
      assert.deepEqual((await app.admin.get(`${subPath}:offsets`)).body, { max: 0, min: 0, current: 0 });
      const empty = await app.admin.post(`${subPath}:pull`, { maxMessages: '1' });
      assert.equal(empty.status, 200, empty.text);
      assert.deepEqual(empty.body, { receivedMessages: [] });
      const published = await app.admin.post(`${base(project)}/topics/${topic}:publish`, { messages: [{ data: 'new' }] });
      assert.deepEqual(published.body, { messageIds: ['0'] });
      const fresh = await app.admin.post(`${subPath}:pull`, { maxMessages: '5' });
      assert.equal(fresh.status, 200, fresh.text);
      assert.equal(fresh.body.receivedMessages.length, 1);
      assert.equal(fresh.body.receivedMessages[0].message.data, 'new');
      assert.equal(fresh.body.receivedMessages[0].ackId, `projects/${project.name}/subscriptions/${sub}:0`);
      const ack = await app.admin.post(`${subPath}:acknowledge`, { ackIds: [fresh.body.receivedMessages[0].ackId] });
      assert.deepEqual(ack.body, {});
      assert.deepEqual((await app.admin.get(`${subPath}:offsets`)).body, { max: 1, min: 0, current: 1 });

      const bound = await app.admin.get(`${base(project)}/topics/${topic}/subscriptions`);
      assert.deepEqual(bound.body, { subscriptions: [`/projects/${project.name}/subscriptions/${sub}`] });
    });
  });

  describe(':acl and :modifyAcl', () => {
    it('starts empty, is replaced by :modifyAcl and cleared by []', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const alice = await project.user(['publisher']);
      const bob = await project.user(['consumer']);
      const path = `${base(project)}/topics/${topic}`;

      const empty = await app.admin.get(`${path}:acl`);
      assert.equal(empty.status, 200);
      assert.deepEqual(empty.body, { authorized_users: [] });

      const modified = await app.admin.post(`${path}:modifyAcl`, { authorized_users: [alice.name, bob.name] });
      assert.equal(modified.status, 200);
      assert.equal(modified.text, '');
      const shown = await app.admin.get(`${path}:acl`);
      assert.deepEqual(
        [...shown.body.authorized_users].sort(),
        [alice.name, bob.name].sort(),
      );
      assert.deepEqual(Object.keys(shown.body), ['authorized_users']);

      const replaced = await app.admin.post(`${path}:modifyAcl`, { authorized_users: [bob.name] });
      assert.equal(replaced.status, 200);
      assert.deepEqual((await app.admin.get(`${path}:acl`)).body, { authorized_users: [bob.name] });

      const cleared = await app.admin.post(`${path}:modifyAcl`, { authorized_users: [] });
      assert.equal(cleared.status, 200);
      assert.deepEqual((await app.admin.get(`${path}:acl`)).body, { authorized_users: [] });
    });

    it('lets a project admin manage the ACL', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const admin = await project.user(['project_admin']);
      const alice = await project.user(['publisher']);
      const reply = await admin.client.post(`${base(project)}/topics/${topic}:modifyAcl`, { authorized_users: [alice.name] });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual((await admin.client.get(`${base(project)}/topics/${topic}:acl`)).body, { authorized_users: [alice.name] });
    });

    it('names every user that is not a member of the project, in request order, and changes nothing', async () => {
      const project = await newProject(app);
      const other = await newProject(app);
      const topic = await project.topic();
      const alice = await project.user(['publisher']);
      const outsider = await other.user(['publisher']);
      const path = `${base(project)}/topics/${topic}`;
      await app.admin.post(`${path}:modifyAcl`, { authorized_users: [alice.name] });

      const ghost = unique('ghost');
      const reply = await app.admin.post(`${path}:modifyAcl`, {
        authorized_users: ['zz-nobody', alice.name, outsider.name, ghost],
      });
      assert.equal(reply.status, 404);
      assert.deepEqual(
        reply.body,
        amsError(404, 'NOT_FOUND', `User(s): zz-nobody, ${outsider.name}, ${ghost} do not exist`),
      );
      assert.deepEqual((await app.admin.get(`${path}:acl`)).body, { authorized_users: [alice.name] });
    });

    it('answers 400 Invalid Topic ACL Arguments for a missing or mistyped authorized_users or a bad body', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const path = `${base(project)}/topics/${topic}:modifyAcl`;
      for (const body of [{}, { authorized_users: 'alice' }, { authorized_users: [1] }, '{', '']) {
        const reply = await app.admin.post(path, body);
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Topic ACL Arguments'), JSON.stringify(body));
      }
    });

    it("answers 404 Topic doesn't exist on a missing topic", async () => {
      const project = await newProject(app);
      const acl = await app.admin.get(`${base(project)}/topics/nope:acl`);
      assert.deepEqual(acl.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"));
      const modify = await app.admin.post(`${base(project)}/topics/nope:modifyAcl`, { authorized_users: [] });
      assert.equal(modify.status, 404);
      assert.deepEqual(modify.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"));
    });

    it('skips users deleted since they were put in the ACL', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const alice = await project.user(['publisher']);
      const bob = await project.user(['publisher']);
      await app.admin.post(`${base(project)}/topics/${topic}:modifyAcl`, { authorized_users: [alice.name, bob.name] });
      const removed = await app.admin.delete(`/v1/users/${alice.name}`);
      assert.equal(removed.status, 200, removed.text);
      assert.deepEqual((await app.admin.get(`${base(project)}/topics/${topic}:acl`)).body, { authorized_users: [bob.name] });
    });
  });

  describe('subscriptions of a topic', () => {
    it('lists the subscriptions bound to the topic only', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const other = await project.topic();
      const path = `${base(project)}/topics/${topic}/subscriptions`;
      assert.deepEqual((await app.admin.get(path)).body, { subscriptions: [] });

      const s1 = await project.subscription(topic);
      const s2 = await project.subscription(topic);
      await project.subscription(other);
      const reply = await app.admin.get(path);
      assert.equal(reply.status, 200);
      assert.deepEqual(Object.keys(reply.body), ['subscriptions']);
      assert.deepEqual(
        [...reply.body.subscriptions].sort(),
        [`/projects/${project.name}/subscriptions/${s1}`, `/projects/${project.name}/subscriptions/${s2}`].sort(),
      );
    });

    it("answers 404 Topic doesn't exist for a missing topic", async () => {
      const project = await newProject(app);
      const reply = await app.admin.get(`${base(project)}/topics/nope/subscriptions`);
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"));
    });
  });
});
