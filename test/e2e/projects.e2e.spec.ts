import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { amsError } from '../support/client.js';
import { ManualClock } from '../support/clocks.js';
import { newProject } from '../support/fixtures.js';

const SERVICE_TOKEN = 'e2e-projects-service-token-42';
const SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const invalidProjectArgs = amsError(400, 'INVALID_ARGUMENT', 'Invalid Project Arguments');
const invalidRequestBody = amsError(400, 'BAD_REQUEST', 'Invalid Request Body');
const projectMissing = amsError(404, 'NOT_FOUND', "project doesn't exist");
const unauthorized = amsError(401, 'UNAUTHORIZED', 'Unauthorized');
const forbidden = amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden');

describe('projects (/v1/projects)', () => {
  let app: RunningApp;
  const clock = new ManualClock();
  before(async () => {
    app = await startApp({ AMS_SERVICE_TOKEN: SERVICE_TOKEN }, { clock });
  });
  after(async () => {
    await app.close();
  });

  it('lists no projects as {} on a fresh service', async () => {
    const reply = await app.admin.get('/v1/projects');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, {});
    assert.equal(reply.text.replace(/\s/g, ''), '{}');
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  });

  it('creates a project with created_by = the caller and lists projects in creation order', async () => {
    const first = unique('pa');
    const second = unique('pb');
    const stamp = clock.stamp();
    const created = await app.admin.post(`/v1/projects/${first}`, { description: 'first project' });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.body, {
      name: first,
      created_on: stamp,
      modified_on: stamp,
      created_by: 'admin',
      description: 'first project',
    });
    clock.advance(1);
    const other = await app.admin.post(`/v1/projects/${second}`, { description: 'second project' });
    assert.equal(other.status, 200, other.text);

    const list = await app.admin.get('/v1/projects');
    assert.equal(list.status, 200);
    const names = (list.body.projects as { name: string }[]).map((p) => p.name);
    assert.deepEqual(names.slice(-2), [first, second]);
    assert.deepEqual(
      list.body.projects.find((p: { name: string }) => p.name === first),
      created.body,
    );

    const shown = await app.admin.get(`/v1/projects/${first}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, created.body);
  });

  it('omits an empty description and ignores unknown keys; keys match case-insensitively', async () => {
    const plain = unique('p');
    const reply = await app.admin.post(`/v1/projects/${plain}`, { description: '', unknown: 1 });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(Object.keys(reply.body).sort(), ['created_by', 'created_on', 'modified_on', 'name']);
    assert.match(reply.body.created_on, SECONDS);

    const braces = unique('p');
    const empty = await app.admin.post(`/v1/projects/${braces}`, '{}');
    assert.equal(empty.status, 200, empty.text);
    assert.equal(empty.body.description, undefined);

    const nulls = unique('p');
    const withNull = await app.admin.post(`/v1/projects/${nulls}`, { description: null });
    assert.equal(withNull.status, 200, withNull.text);
    assert.equal(withNull.body.description, undefined);

    const folded = unique('p');
    const upper = await app.admin.post(`/v1/projects/${folded}`, { DESCRIPTION: 'shouted' });
    assert.equal(upper.status, 200, upper.text);
    assert.equal(upper.body.description, 'shouted');
  });

  it('parses the body as JSON whatever the Content-Type', async () => {
    const name = unique('p');
    const reply = await app.admin.post(`/v1/projects/${name}`, JSON.stringify({ description: 'as text' }), {
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.description, 'as text');
  });

  it('drops created_by once the creating user is deleted, and follows its renames', async () => {
    const creator = unique('creator');
    const made = await app.admin.post(`/v1/users/${creator}`, { service_roles: ['service_admin'] });
    assert.equal(made.status, 200, made.text);
    const name = unique('p');
    const created = await app.client(made.body.token).post(`/v1/projects/${name}`, {});
    assert.equal(created.body.created_by, creator);
    const renamed = unique('renamed');
    assert.equal((await app.admin.put(`/v1/users/${creator}`, { name: renamed })).status, 200);
    assert.equal((await app.admin.get(`/v1/projects/${name}`)).body.created_by, renamed);
    assert.equal((await app.admin.delete(`/v1/users/${renamed}`)).status, 200);
    const shown = await app.admin.get(`/v1/projects/${name}`);
    assert.equal(shown.status, 200);
    assert.equal('created_by' in shown.body, false);
  });

  it('has no created_by when the service token creates the project', async () => {
    const name = unique('p');
    const reply = await app.client(SERVICE_TOKEN).post(`/v1/projects/${name}`, { description: 'by service token' });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body, {
      name,
      created_on: clock.stamp(),
      modified_on: clock.stamp(),
      description: 'by service token',
    });
  });

  it('accepts the token in ?key= as well', async () => {
    const name = unique('p');
    const reply = await app.admin.post(`/v1/projects/${name}`, {}, { tokenIn: 'query' });
    assert.equal(reply.status, 200, reply.text);
    const shown = await app.admin.get(`/v1/projects/${name}`, { tokenIn: 'query' });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.name, name);
  });

  it('answers 409 Project already exists for a duplicate', async () => {
    const name = unique('p');
    assert.equal((await app.admin.post(`/v1/projects/${name}`, { description: 'one' })).status, 200);
    const again = await app.admin.post(`/v1/projects/${name}`, { description: 'two' });
    assert.equal(again.status, 409);
    assert.deepEqual(again.body, amsError(409, 'ALREADY_EXISTS', 'Project already exists'));
    const shown = await app.admin.get(`/v1/projects/${name}`);
    assert.equal(shown.body.description, 'one');
  });

  it('answers 400 Invalid Project Arguments for malformed JSON, wrong types and an empty body', async () => {
    const bodies: (string | undefined)[] = [
      '{"description": ',
      'not json',
      '{"description": 5}',
      '{"description": ["a"]}',
      '{"description": {"a": 1}}',
      '[]',
      '"text"',
      '42',
      undefined,
      '',
      '   ',
    ];
    for (const body of bodies) {
      const name = unique('p');
      const reply = await app.admin.post(`/v1/projects/${name}`, body);
      assert.equal(reply.status, 400, `body ${JSON.stringify(body)}: ${reply.text}`);
      assert.deepEqual(reply.body, invalidProjectArgs, `body ${JSON.stringify(body)}`);
      const shown = await app.admin.get(`/v1/projects/${name}`);
      assert.equal(shown.status, 404, `project of body ${JSON.stringify(body)} must not exist`);
    }
  });

  it('answers 400 Invalid project name for a bad path name, before authentication', async () => {
    const reply = await app.client().post('/v1/projects/bad.name', { description: 'x' });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid project name'));
  });

  it('shows a project; 404 project doesn\'t exist for an unknown one', async () => {
    const project = await newProject(app);
    const shown = await app.admin.get(`/v1/projects/${project.name}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, {
      name: project.name,
      created_on: clock.stamp(),
      modified_on: clock.stamp(),
      created_by: 'admin',
      description: 'test project',
    });

    const missing = await app.admin.get(`/v1/projects/${unique('nope')}`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, projectMissing);
    for (const reply of [
      await app.admin.put(`/v1/projects/${unique('nope')}`, { description: 'x' }),
      await app.admin.delete(`/v1/projects/${unique('nope')}`),
    ]) {
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.body, projectMissing);
    }
  });

  it('checks the token is present before the project, and the project before the token is known (spec 2.1)', async () => {
    const noToken = await app.client().get(`/v1/projects/${unique('nope')}`);
    assert.equal(noToken.status, 401);
    assert.deepEqual(noToken.body, unauthorized);

    const unknownToken = await app.client('not-a-token-at-all').get(`/v1/projects/${unique('nope')}`);
    assert.equal(unknownToken.status, 404);
    assert.deepEqual(unknownToken.body, projectMissing);

    const project = await newProject(app);
    const known = await app.client('not-a-token-at-all').get(`/v1/projects/${project.name}`);
    assert.equal(known.status, 401);
    assert.deepEqual(known.body, unauthorized);
  });

  it('lets a project_admin show, update and delete its own project only', async () => {
    const project = await newProject(app);
    const other = await newProject(app);
    const pa = await project.user(['project_admin']);

    const shown = await pa.client.get(`/v1/projects/${project.name}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.name, project.name);
    const updated = await pa.client.put(`/v1/projects/${project.name}`, { description: 'by its admin' });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.description, 'by its admin');

    // no role in the other project and no service role: 401, not 403
    const foreign = await pa.client.get(`/v1/projects/${other.name}`);
    assert.equal(foreign.status, 401);
    assert.deepEqual(foreign.body, unauthorized);

    // project list and create have no {project}: project roles do not count there
    const list = await pa.client.get('/v1/projects');
    assert.equal(list.status, 401);
    assert.deepEqual(list.body, unauthorized);
    const create = await pa.client.post(`/v1/projects/${unique('p')}`, {});
    assert.equal(create.status, 401);
    assert.deepEqual(create.body, unauthorized);
    // ...but when the named project exists, the caller's roles in it count: project_admin may not create (403)
    const recreate = await pa.client.post(`/v1/projects/${project.name}`, {});
    assert.equal(recreate.status, 403);
    assert.deepEqual(recreate.body, forbidden);

    const deleted = await pa.client.delete(`/v1/projects/${project.name}`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.text, '');
  });

  it('forbids publishers and consumers the project routes (403)', async () => {
    const project = await newProject(app);
    const publisher = await project.user(['publisher']);
    const consumer = await project.user(['consumer']);
    for (const client of [publisher.client, consumer.client]) {
      for (const reply of [
        await client.get(`/v1/projects/${project.name}`),
        await client.put(`/v1/projects/${project.name}`, { description: 'x' }),
        await client.delete(`/v1/projects/${project.name}`),
      ]) {
        assert.equal(reply.status, 403);
        assert.deepEqual(reply.body, forbidden);
      }
    }
    assert.equal((await app.admin.get(`/v1/projects/${project.name}`)).status, 200);
  });

  it('updates the description and modified_on, keeping created_on and created_by', async () => {
    const project = await newProject(app);
    const createdOn = clock.stamp();
    clock.advance(60);
    const reply = await app.admin.put(`/v1/projects/${project.name}`, { description: 'changed' });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body, {
      name: project.name,
      created_on: createdOn,
      modified_on: clock.stamp(),
      created_by: 'admin',
      description: 'changed',
    });
    assert.deepEqual((await app.admin.get(`/v1/projects/${project.name}`)).body, reply.body);
  });

  it('leaves empty or absent fields unchanged on update', async () => {
    const project = await newProject(app);
    for (const body of [{ name: '', description: '' }, {}, { name: null, description: null }]) {
      const reply = await app.admin.put(`/v1/projects/${project.name}`, body);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.name, project.name);
      assert.equal(reply.body.description, 'test project');
    }
  });

  it('renames a project; the old name is gone and members, topics and subscriptions follow', async () => {
    const project = await newProject(app);
    const topic = await project.topic();
    const sub = await project.subscription(topic);
    const member = await project.user(['publisher']);
    const renamed = unique('renamed');

    const reply = await app.admin.put(`/v1/projects/${project.name}`, { name: renamed, description: 'moved' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.name, renamed);
    assert.equal(reply.body.description, 'moved');

    const old = await app.admin.get(`/v1/projects/${project.name}`);
    assert.equal(old.status, 404);
    assert.deepEqual(old.body, projectMissing);
    assert.equal((await app.admin.get(`/v1/projects/${renamed}`)).status, 200);

    const topics = await app.admin.get(`/v1/projects/${renamed}/topics`);
    assert.deepEqual(
      topics.body.topics.map((t: { name: string }) => t.name),
      [`/projects/${renamed}/topics/${topic}`],
    );
    const shownSub = await app.admin.get(`/v1/projects/${renamed}/subscriptions/${sub}`);
    assert.equal(shownSub.status, 200, shownSub.text);
    assert.equal(shownSub.body.name, `/projects/${renamed}/subscriptions/${sub}`);

    const user = await app.admin.get(`/v1/users/${member.name}`);
    assert.deepEqual(user.body.projects, [{ project: renamed, roles: ['publisher'], topics: [], subscriptions: [] }]);
    // the member's role now counts in the renamed project
    assert.equal((await member.client.get(`/v1/projects/${renamed}/topics`)).status, 200);
  });

  it('answers 400 invalid project name change when the new name is taken', async () => {
    const project = await newProject(app);
    const other = await newProject(app);
    const reply = await app.admin.put(`/v1/projects/${project.name}`, { name: other.name });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'invalid project name change, name already exists'));
    assert.equal((await app.admin.get(`/v1/projects/${project.name}`)).body.name, project.name);
    assert.equal((await app.admin.get(`/v1/projects/${other.name}`)).body.description, 'test project');
  });

  it('answers 400 Invalid Request Body for malformed, mistyped or empty update bodies', async () => {
    const project = await newProject(app);
    for (const body of ['{"name": ', '{"name": 5}', '{"description": true}', '[]', 'null x', undefined, '']) {
      const reply = await app.admin.put(`/v1/projects/${project.name}`, body);
      assert.equal(reply.status, 400, `body ${JSON.stringify(body)}: ${reply.text}`);
      assert.deepEqual(reply.body, invalidRequestBody, `body ${JSON.stringify(body)}`);
    }
    assert.equal((await app.admin.get(`/v1/projects/${project.name}`)).body.description, 'test project');
  });

  it('deletes a project with an empty body; its topics, subscriptions and memberships go', async () => {
    const project = await newProject(app);
    const otherProject = await newProject(app);
    const topic = await project.topic();
    const sub = await project.subscription(topic);
    const published = await app.admin.post(`/v1/projects/${project.name}/topics/${topic}:publish`, {
      messages: [{ data: Buffer.from('hello').toString('base64') }],
    });
    assert.equal(published.status, 200, published.text);
    const member = await project.user(['publisher', 'consumer']);
    const both = unique('u');
    const created = await app.admin.post(`/v1/users/${both}`, {
      email: `${both}@example.org`,
      projects: [
        { project: project.name, roles: ['consumer'] },
        { project: otherProject.name, roles: ['publisher'] },
      ],
    });
    assert.equal(created.status, 200, created.text);

    const deleted = await app.admin.delete(`/v1/projects/${project.name}`);
    assert.equal(deleted.status, 200);
    assert.equal(deleted.text, '');

    for (const path of [
      `/v1/projects/${project.name}`,
      `/v1/projects/${project.name}/topics`,
      `/v1/projects/${project.name}/subscriptions/${sub}`,
      `/v1/projects/${project.name}/members`,
    ]) {
      const reply = await app.admin.get(path);
      assert.equal(reply.status, 404, path);
      assert.deepEqual(reply.body, projectMissing, path);
    }
    const again = await app.admin.delete(`/v1/projects/${project.name}`);
    assert.equal(again.status, 404);
    assert.deepEqual(again.body, projectMissing);
    const list = await app.admin.get('/v1/projects');
    assert.ok(!list.body.projects.some((p: { name: string }) => p.name === project.name));

    // memberships are cleaned up: the user keeps only its other projects, `projects` is omitted when none is left
    const memberView = await app.admin.get(`/v1/users/${member.name}`);
    assert.equal(memberView.status, 200);
    assert.equal('projects' in memberView.body, false);
    const bothView = await app.admin.get(`/v1/users/${both}`);
    assert.deepEqual(bothView.body.projects, [
      { project: otherProject.name, roles: ['publisher'], topics: [], subscriptions: [] },
    ]);
    const filtered = await app.admin.get(`/v1/users?project=${project.name}`);
    assert.equal(filtered.status, 404);
    assert.deepEqual(filtered.body, amsError(404, 'NOT_FOUND', "ProjectUUID doesn't exist"));

    // a project re-created under the same name starts empty, and the old members have no role in it
    const recreated = await app.admin.post(`/v1/projects/${project.name}`, { description: 'again' });
    assert.equal(recreated.status, 200, recreated.text);
    const topics = await app.admin.get(`/v1/projects/${project.name}/topics`);
    assert.equal(topics.status, 200);
    assert.deepEqual(topics.body.topics, []);
    const subs = await app.admin.get(`/v1/projects/${project.name}/subscriptions`);
    assert.equal(subs.status, 200);
    assert.deepEqual(subs.body.subscriptions, []);
    const members = await app.admin.get(`/v1/projects/${project.name}/members`);
    assert.deepEqual(members.body, { users: [], nextPageToken: '', totalSize: 0 });
    const lostRole = await member.client.get(`/v1/projects/${project.name}/topics`);
    assert.equal(lostRole.status, 401);
    assert.deepEqual(lostRole.body, unauthorized);

    // a topic re-created under the old name has a fresh log
    const fresh = await app.admin.put(`/v1/projects/${project.name}/topics/${topic}`);
    assert.equal(fresh.status, 200, fresh.text);
    const republished = await app.admin.post(`/v1/projects/${project.name}/topics/${topic}:publish`, {
      messages: [{ data: Buffer.from('again').toString('base64') }],
    });
    assert.deepEqual(republished.body, { messageIds: ['0'] });
  });
});
