import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { amsError, type Client } from '../support/client.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TOKEN = /^[0-9a-f]{64}$/;
const SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const userMissing = amsError(404, 'NOT_FOUND', "User doesn't exist");
const projectMissing = amsError(404, 'NOT_FOUND', "project doesn't exist");
const notAMember = amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden. User is not a member of the project');
const alreadyMember = amsError(409, 'CONFLICT', 'User is already a member of the project');
const invalidUserArgs = amsError(400, 'INVALID_ARGUMENT', 'Invalid User Arguments');
const invalidRequestBody = amsError(400, 'BAD_REQUEST', 'Invalid Request Body');
const unauthorized = amsError(401, 'UNAUTHORIZED', 'Unauthorized');
const forbidden = amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden');
const invalid = (message: string) => amsError(400, 'INVALID_ARGUMENT', message);

/** What a project admin sees of a user on the member routes (spec 3.0): no token, no service roles, no creator. */
function unprivileged(user: any, project: string): any {
  const { token: _token, created_by: _createdBy, projects, ...rest } = user;
  const only = (projects ?? []).filter((p: { project: string }) => p.project === project);
  return { ...rest, ...(only.length > 0 ? { projects: only } : {}), service_roles: [] };
}

function withoutProjects(user: any): any {
  const { projects: _projects, ...rest } = user;
  return rest;
}

describe('project members (/v1/projects/{project}/members)', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app.close();
  });

  /** The privileged view of a user, as the bootstrap service_admin sees it. */
  async function adminView(name: string): Promise<any> {
    const reply = await app.admin.get(`/v1/users/${name}`);
    assert.equal(reply.status, 200, reply.text);
    return reply.body;
  }

  /** A project with a project admin, and a user who is a member of it and of a second project (with a service role). */
  async function setup(): Promise<{ project: ProjectFixture; other: ProjectFixture; pa: Client; paName: string; both: string }> {
    const project = await newProject(app);
    const other = await newProject(app);
    const admin = await project.user(['project_admin']);
    const both = unique('both');
    const created = await app.admin.post(`/v1/users/${both}`, {
      email: `${both}@example.org`,
      first_name: 'Both',
      projects: [
        { project: project.name, roles: ['publisher'] },
        { project: other.name, roles: ['consumer'] },
      ],
      service_roles: ['metrics_viewer'],
    });
    assert.equal(created.status, 200, created.text);
    return { project, other, pa: admin.client, paName: admin.name, both };
  }

  describe('list', () => {
    it('lists the members newest first; projects only with details=true', async () => {
      const { project, paName, both } = await setup();
      const paView = await adminView(paName);
      const bothView = await adminView(both);
      const base = `/v1/projects/${project.name}/members`;

      const plain = await app.admin.get(base);
      assert.equal(plain.status, 200);
      assert.deepEqual(plain.body, {
        users: [withoutProjects(bothView), withoutProjects(paView)],
        nextPageToken: '',
        totalSize: 2,
      });
      for (const flag of ['true', 'True']) {
        const detailed = await app.admin.get(`${base}?details=${flag}`);
        assert.equal(detailed.status, 200);
        // a service_admin sees the privileged view: every project, token, service roles, creator
        assert.deepEqual(detailed.body, { users: [bothView, paView], nextPageToken: '', totalSize: 2 });
      }
    });

    it('pages through the members', async () => {
      const project = await newProject(app);
      const names: string[] = [];
      for (let i = 0; i < 3; i += 1) names.push((await project.user(['consumer'])).name);
      const base = `/v1/projects/${project.name}/members`;
      const first = await app.admin.get(`${base}?pageSize=2`);
      assert.equal(first.status, 200);
      assert.deepEqual(
        first.body.users.map((u: { name: string }) => u.name),
        [names[2], names[1]],
      );
      assert.equal(first.body.totalSize, 3);
      assert.notEqual(first.body.nextPageToken, '');
      const second = await app.admin.get(`${base}?pageSize=2&pageToken=${encodeURIComponent(first.body.nextPageToken)}`);
      assert.equal(second.status, 200, second.text);
      assert.deepEqual(
        second.body.users.map((u: { name: string }) => u.name),
        [names[0]],
      );
      assert.equal(second.body.nextPageToken, '');
      assert.equal(second.body.totalSize, 3);

      const badSize = await app.admin.get(`${base}?pageSize=two`);
      assert.equal(badSize.status, 400);
      assert.deepEqual(badSize.body, invalid('Invalid page size'));
      const badToken = await app.admin.get(`${base}?pageSize=2&pageToken=${encodeURIComponent('%%%')}`);
      assert.equal(badToken.status, 400);
      assert.deepEqual(badToken.body, invalid('Invalid page token'));
      const unknownToken = await app.admin.get(`${base}?pageToken=${Buffer.from('987654321').toString('base64')}`);
      assert.equal(unknownToken.status, 400);
      assert.deepEqual(unknownToken.body, invalid('Invalid page token'));
    });

    it('gives a project admin the non-privileged view, limited to the URL project', async () => {
      const { project, pa, paName, both } = await setup();
      const paView = await adminView(paName);
      const bothView = await adminView(both);
      const base = `/v1/projects/${project.name}/members`;

      const detailed = await pa.get(`${base}?details=true`);
      assert.equal(detailed.status, 200, detailed.text);
      assert.deepEqual(detailed.body, {
        users: [unprivileged(bothView, project.name), unprivileged(paView, project.name)],
        nextPageToken: '',
        totalSize: 2,
      });
      const shown = detailed.body.users[0];
      assert.equal('token' in shown, false);
      assert.equal('created_by' in shown, false);
      assert.deepEqual(shown.service_roles, []);
      assert.deepEqual(shown.projects, [{ project: project.name, roles: ['publisher'], topics: [], subscriptions: [] }]);

      const plain = await pa.get(base);
      assert.deepEqual(plain.body.users, [
        withoutProjects(unprivileged(bothView, project.name)),
        withoutProjects(unprivileged(paView, project.name)),
      ]);
    });

    it('answers an empty page for a project without members', async () => {
      const project = await newProject(app);
      const reply = await app.admin.get(`/v1/projects/${project.name}/members`);
      assert.deepEqual(reply.body, { users: [], nextPageToken: '', totalSize: 0 });
    });
  });

  describe('access', () => {
    it('forbids publishers and consumers (403) and answers 401 to admins of other projects', async () => {
      const { project, other, both } = await setup();
      const publisher = await project.user(['publisher']);
      const consumer = await project.user(['consumer']);
      const otherAdmin = await other.user(['project_admin']);
      const base = `/v1/projects/${project.name}/members`;
      const calls = (client: Client) => [
        () => client.get(base),
        () => client.get(`${base}/${both}`),
        () => client.post(`${base}/${unique('u')}`, { email: 'x@example.org' }),
        () => client.put(`${base}/${both}`, { projects: [{ project: project.name, roles: ['consumer'] }] }),
        () => client.post(`${base}/${both}:add`, { roles: ['consumer'] }),
        () => client.post(`${base}/${both}:remove`),
      ];
      for (const client of [publisher.client, consumer.client]) {
        for (const call of calls(client)) {
          const reply = await call();
          assert.equal(reply.status, 403, reply.text);
          assert.deepEqual(reply.body, forbidden);
        }
      }
      for (const call of calls(otherAdmin.client)) {
        const reply = await call();
        assert.equal(reply.status, 401, reply.text);
        assert.deepEqual(reply.body, unauthorized);
      }
      // nothing changed
      assert.deepEqual((await adminView(both)).projects[0].roles, ['publisher']);
    });

    it("answers 404 project doesn't exist for an unknown project", async () => {
      const base = `/v1/projects/${unique('nope')}/members`;
      for (const reply of [
        await app.admin.get(base),
        await app.admin.get(`${base}/admin`),
        await app.admin.post(`${base}/${unique('u')}`, {}),
        await app.admin.put(`${base}/admin`, {}),
        await app.admin.post(`${base}/admin:add`, { roles: [] }),
        await app.admin.post(`${base}/admin:remove`),
      ]) {
        assert.equal(reply.status, 404, reply.text);
        assert.deepEqual(reply.body, projectMissing);
      }
    });

    it('answers 400 Invalid user name for a bad member name', async () => {
      const project = await newProject(app);
      const reply = await app.admin.get(`/v1/projects/${project.name}/members/bad.name`);
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body, invalid('Invalid user name'));
    });
  });

  describe('show', () => {
    it("shows a member in the caller's view; 404 for a non-member or an unknown user", async () => {
      const { project, other, pa, both } = await setup();
      const bothView = await adminView(both);
      const base = `/v1/projects/${project.name}/members`;

      const byAdmin = await app.admin.get(`${base}/${both}`);
      assert.equal(byAdmin.status, 200);
      assert.deepEqual(byAdmin.body, bothView);
      const byPa = await pa.get(`${base}/${both}`);
      assert.equal(byPa.status, 200);
      assert.deepEqual(byPa.body, unprivileged(bothView, project.name));

      const outsider = await other.user(['consumer']);
      for (const name of [outsider.name, unique('nope'), 'admin']) {
        for (const client of [app.admin, pa]) {
          const reply = await client.get(`${base}/${name}`);
          assert.equal(reply.status, 404, `${name}: ${reply.text}`);
          assert.deepEqual(reply.body, userMissing);
        }
      }
    });
  });

  describe('create', () => {
    it('creates a member from a project admin: only the URL project and email count; names, service roles are ignored', async () => {
      const { project, other, pa, paName } = await setup();
      const name = unique('new');
      const reply = await pa.post(`/v1/projects/${project.name}/members/${name}`, {
        email: 'new@example.org',
        first_name: 'New',
        last_name: 'Member',
        organization: 'Org',
        description: 'ignored as the original does',
        name: 'ignored',
        projects: [
          { project: other.name, roles: ['project_admin'] },
          { project: project.name, roles: ['publisher', 'consumer'] },
          { project: unique('nope'), roles: ['consumer'] },
        ],
        service_roles: ['service_admin'],
      });
      assert.equal(reply.status, 200, reply.text);
      // the answer is the privileged view, with the token
      assert.match(reply.body.uuid, UUID_V4);
      assert.match(reply.body.token, TOKEN);
      assert.match(reply.body.created_on, SECONDS);
      assert.deepEqual(reply.body, {
        uuid: reply.body.uuid,
        projects: [{ project: project.name, roles: ['publisher', 'consumer'], topics: [], subscriptions: [] }],
        name,
        token: reply.body.token,
        email: 'new@example.org',
        service_roles: [],
        created_on: reply.body.created_on,
        modified_on: reply.body.created_on,
        created_by: paName,
      });
      assert.deepEqual(await adminView(name), reply.body);

      // the token works with the roles given, and grants nothing service-wide
      const member = app.client(reply.body.token);
      assert.equal((await member.get(`/v1/projects/${project.name}/topics`)).status, 200);
      assert.equal((await member.get(`/v1/projects/${other.name}/topics`)).status, 401);
      assert.equal((await member.get('/v1/users')).status, 401);
    });

    it('creates a member without roles when the body names no entry for the URL project', async () => {
      const project = await newProject(app);
      const name = unique('bare');
      const reply = await app.admin.post(`/v1/projects/${project.name}/members/${name}`, { email: 'bare@example.org' });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body.projects, [{ project: project.name, roles: [], topics: [], subscriptions: [] }]);
      assert.equal(reply.body.created_by, 'admin');
      const listed = await app.admin.get(`/v1/projects/${project.name}/members`);
      assert.deepEqual(
        listed.body.users.map((u: { name: string }) => u.name),
        [name],
      );
      // a member without roles has no role in the project: 401
      assert.equal((await app.client(reply.body.token).get(`/v1/projects/${project.name}/topics`)).status, 401);
    });

    it('answers 409 User already exists, also for a user of another project, before checking roles', async () => {
      const { project, other, both } = await setup();
      for (const target of [project, other]) {
        const reply = await app.admin.post(`/v1/projects/${target.name}/members/${both}`, { email: 'x@example.org' });
        assert.equal(reply.status, 409);
        assert.deepEqual(reply.body, amsError(409, 'ALREADY_EXISTS', 'User already exists'));
      }
      const badRoles = await app.admin.post(`/v1/projects/${project.name}/members/${both}`, {
        projects: [{ project: project.name, roles: ['nope'] }],
      });
      assert.equal(badRoles.status, 409);
      assert.deepEqual(badRoles.body, amsError(409, 'ALREADY_EXISTS', 'User already exists'));
      assert.equal((await adminView(both)).email, `${both}@example.org`);
    });

    it('answers 400 invalid role: X for bad roles of the URL project, service roles included', async () => {
      const { project, pa } = await setup();
      for (const role of ['superuser', 'service_admin', 'push_worker']) {
        const name = unique('u');
        const reply = await pa.post(`/v1/projects/${project.name}/members/${name}`, {
          projects: [{ project: project.name, roles: ['consumer', role] }],
        });
        assert.equal(reply.status, 400, reply.text);
        assert.deepEqual(reply.body, invalid(`invalid role: ${role}`));
        assert.equal((await app.admin.get(`/v1/users/${name}`)).status, 404);
      }
    });

    it('answers 400 Invalid User Arguments for bad bodies', async () => {
      const project = await newProject(app);
      for (const body of ['{"email": ', '{"email": 1}', '{"projects": "x"}', '{"projects": [{"roles": "a"}]}', '[]', undefined, '']) {
        const name = unique('u');
        const reply = await app.admin.post(`/v1/projects/${project.name}/members/${name}`, body);
        assert.equal(reply.status, 400, `body ${JSON.stringify(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalidUserArgs, `body ${JSON.stringify(body)}`);
        assert.equal((await app.admin.get(`/v1/users/${name}`)).status, 404);
      }
    });
  });

  describe('update', () => {
    it("replaces the member's roles in this project only", async () => {
      const { project, other, pa, both } = await setup();
      const reply = await pa.put(`/v1/projects/${project.name}/members/${both}`, {
        projects: [
          { project: other.name, roles: ['project_admin'] },
          { project: project.name, roles: ['consumer', 'project_admin'] },
        ],
        service_roles: ['service_admin'],
        email: 'ignored@example.org',
      });
      assert.equal(reply.status, 200, reply.text);
      const stored = await adminView(both);
      assert.deepEqual(stored.projects, [
        { project: other.name, roles: ['consumer'], topics: [], subscriptions: [] },
        { project: project.name, roles: ['consumer', 'project_admin'], topics: [], subscriptions: [] },
      ]);
      assert.deepEqual(stored.service_roles, ['metrics_viewer']);
      assert.equal(stored.email, `${both}@example.org`);
      assert.deepEqual(reply.body, unprivileged(stored, project.name));

      // a service_admin gets the privileged view
      const byAdmin = await app.admin.put(`/v1/projects/${project.name}/members/${both}`, {
        projects: [{ project: project.name, roles: ['publisher'] }],
      });
      assert.equal(byAdmin.status, 200, byAdmin.text);
      assert.deepEqual(byAdmin.body, await adminView(both));
      assert.deepEqual(byAdmin.body.projects[1].roles, ['publisher']);

      // an empty role list leaves a member without roles
      const emptied = await app.admin.put(`/v1/projects/${project.name}/members/${both}`, {
        projects: [{ project: project.name, roles: [] }],
      });
      assert.equal(emptied.status, 200, emptied.text);
      assert.deepEqual((await adminView(both)).projects, [
        { project: other.name, roles: ['consumer'], topics: [], subscriptions: [] },
        { project: project.name, roles: [], topics: [], subscriptions: [] },
      ]);
    });

    it('answers 403 like the original when the body has no entry for the URL project, changing nothing', async () => {
      const { project, other, pa, both } = await setup();
      const before = await adminView(both);
      for (const body of [{}, { projects: [] }, { projects: [{ project: other.name, roles: ['publisher'] }] }]) {
        const reply = await pa.put(`/v1/projects/${project.name}/members/${both}`, body);
        assert.equal(reply.status, 403, `${JSON.stringify(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, notAMember);
      }
      assert.deepEqual(await adminView(both), before);
    });

    it('answers 403 for a non-member and 404 for an unknown user', async () => {
      const { project, other, pa } = await setup();
      const outsider = await other.user(['consumer']);
      const body = { projects: [{ project: project.name, roles: ['consumer'] }] };
      for (const client of [app.admin, pa]) {
        const reply = await client.put(`/v1/projects/${project.name}/members/${outsider.name}`, body);
        assert.equal(reply.status, 403, reply.text);
        assert.deepEqual(reply.body, notAMember);
        const missing = await client.put(`/v1/projects/${project.name}/members/${unique('nope')}`, body);
        assert.equal(missing.status, 404, missing.text);
        assert.deepEqual(missing.body, userMissing);
      }
      assert.deepEqual(
        (await adminView(outsider.name)).projects.map((p: { project: string }) => p.project),
        [other.name],
      );
    });

    it('answers 400 invalid role: X and Invalid User Arguments', async () => {
      const { project, pa, both } = await setup();
      const base = `/v1/projects/${project.name}/members/${both}`;
      const badRole = await pa.put(base, { projects: [{ project: project.name, roles: ['admin_viewer'] }] });
      assert.equal(badRole.status, 400);
      assert.deepEqual(badRole.body, invalid('invalid role: admin_viewer'));
      for (const body of ['{"projects": ', '{"projects": 3}', '[]', undefined]) {
        const reply = await pa.put(base, body);
        assert.equal(reply.status, 400, `body ${JSON.stringify(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalidUserArgs, `body ${JSON.stringify(body)}`);
      }
      assert.deepEqual((await adminView(both)).projects[0].roles, ['publisher']);
    });
  });

  describe(':add', () => {
    it('adds an existing user to the project with the given roles', async () => {
      const { project, other, pa } = await setup();
      const outsider = await other.user(['consumer']);
      const reply = await pa.post(`/v1/projects/${project.name}/members/${outsider.name}:add`, {
        roles: ['publisher'],
      });
      assert.equal(reply.status, 200, reply.text);
      const stored = await adminView(outsider.name);
      assert.deepEqual(stored.projects, [
        { project: other.name, roles: ['consumer'], topics: [], subscriptions: [] },
        { project: project.name, roles: ['publisher'], topics: [], subscriptions: [] },
      ]);
      assert.deepEqual(reply.body, unprivileged(stored, project.name));
      assert.equal((await outsider.client.get(`/v1/projects/${project.name}/topics`)).status, 200);

      // a service_admin gets the privileged view; roles may be absent (member without roles)
      const lonely = await app.admin.post(`/v1/users/${unique('lonely')}`, { email: 'l@example.org' });
      const added = await app.admin.post(`/v1/projects/${project.name}/members/${lonely.body.name}:add`, {});
      assert.equal(added.status, 200, added.text);
      assert.deepEqual(added.body, {
        ...lonely.body,
        projects: [{ project: project.name, roles: [], topics: [], subscriptions: [] }],
        modified_on: added.body.modified_on,
      });
      // matched case-insensitively, as Go does
      const shouted = await app.admin.post(`/v1/users/${unique('shout')}`, {});
      const viaUpper = await app.admin.post(`/v1/projects/${project.name}/members/${shouted.body.name}:add`, {
        ROLES: ['consumer'],
      });
      assert.equal(viaUpper.status, 200, viaUpper.text);
      assert.deepEqual(viaUpper.body.projects[0].roles, ['consumer']);
    });

    it('answers 409 User is already a member of the project', async () => {
      const { project, pa, both } = await setup();
      const reply = await pa.post(`/v1/projects/${project.name}/members/${both}:add`, { roles: ['consumer'] });
      assert.equal(reply.status, 409);
      assert.deepEqual(reply.body, alreadyMember);
      assert.deepEqual((await adminView(both)).projects[0].roles, ['publisher']);
    });

    it('answers 404 for an unknown user, 400 invalid role: X and Invalid Request Body', async () => {
      const { project, other, pa } = await setup();
      const outsider = await other.user(['consumer']);
      const base = `/v1/projects/${project.name}/members`;

      const missing = await pa.post(`${base}/${unique('nope')}:add`, { roles: ['consumer'] });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, userMissing);

      for (const role of ['owner', 'service_admin', 'register_admin']) {
        const reply = await pa.post(`${base}/${outsider.name}:add`, { roles: ['consumer', role] });
        assert.equal(reply.status, 400, reply.text);
        assert.deepEqual(reply.body, invalid(`invalid role: ${role}`));
      }
      for (const body of ['{"roles": ', '{"roles": "consumer"}', '{"roles": [1]}', '[]', undefined, '']) {
        const reply = await pa.post(`${base}/${outsider.name}:add`, body);
        assert.equal(reply.status, 400, `body ${JSON.stringify(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalidRequestBody, `body ${JSON.stringify(body)}`);
      }
      assert.deepEqual(
        (await adminView(outsider.name)).projects.map((p: { project: string }) => p.project),
        [other.name],
      );
    });
  });

  describe(':remove', () => {
    it('removes a member with {}; its other memberships stay', async () => {
      const { project, other, pa, both } = await setup();
      const base = `/v1/projects/${project.name}/members`;
      const reply = await pa.post(`${base}/${both}:remove`);
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body, {});
      assert.deepEqual((await adminView(both)).projects, [
        { project: other.name, roles: ['consumer'], topics: [], subscriptions: [] },
      ]);
      const shown = await pa.get(`${base}/${both}`);
      assert.equal(shown.status, 404);
      assert.deepEqual(shown.body, userMissing);
      const listed = await pa.get(base);
      assert.ok(!listed.body.users.some((u: { name: string }) => u.name === both));

      // removed twice: no longer a member (403); a JSON body is accepted too
      const again = await pa.post(`${base}/${both}:remove`, {});
      assert.equal(again.status, 403);
      assert.deepEqual(again.body, notAMember);

      // and may be added again
      const readded = await pa.post(`${base}/${both}:add`, { roles: ['consumer'] });
      assert.equal(readded.status, 200, readded.text);
    });

    it('drops the last membership: projects omitted; the user loses its role at once', async () => {
      const project = await newProject(app);
      const member = await project.user(['publisher']);
      const reply = await app.admin.post(`/v1/projects/${project.name}/members/${member.name}:remove`);
      assert.deepEqual(reply.body, {});
      assert.equal('projects' in (await adminView(member.name)), false);
      assert.equal((await member.client.get(`/v1/projects/${project.name}/topics`)).status, 401);
    });

    it('answers 403 for a non-member and 404 for an unknown user', async () => {
      const { project, other, pa } = await setup();
      const outsider = await other.user(['consumer']);
      const base = `/v1/projects/${project.name}/members`;
      for (const client of [app.admin, pa]) {
        const reply = await client.post(`${base}/${outsider.name}:remove`);
        assert.equal(reply.status, 403);
        assert.deepEqual(reply.body, notAMember);
        const missing = await client.post(`${base}/${unique('nope')}:remove`);
        assert.equal(missing.status, 404);
        assert.deepEqual(missing.body, userMissing);
      }
    });
  });

  describe('topics and subscriptions in member views', () => {
    it("list the project's topics and subscriptions whose ACL holds the member", async () => {
      const { project, pa, both } = await setup();
      const topic = await project.topic();
      await project.topic();
      const sub = await project.subscription(topic);
      const base = `/v1/projects/${project.name}`;
      for (const path of [`${base}/topics/${topic}:modifyAcl`, `${base}/subscriptions/${sub}:modifyAcl`]) {
        const reply = await pa.post(path, { authorized_users: [both] });
        assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      }
      const expected = [{ project: project.name, roles: ['publisher'], topics: [topic], subscriptions: [sub] }];
      assert.deepEqual((await pa.get(`${base}/members/${both}`)).body.projects, expected);
      const listed = await pa.get(`${base}/members?details=true`);
      assert.deepEqual(
        listed.body.users.find((u: { name: string }) => u.name === both).projects,
        expected,
      );
    });
  });
});
