import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, type RunningApp, startApp, unique } from '../support/app.js';
import { amsError } from '../support/client.js';
import { ManualClock } from '../support/clocks.js';
import { newProject } from '../support/fixtures.js';

const SERVICE_TOKEN = 'e2e-users-service-token-42';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TOKEN = /^[0-9a-f]{64}$/;

const invalidUserArgs = amsError(400, 'INVALID_ARGUMENT', 'Invalid User Arguments');
const userMissing = amsError(404, 'NOT_FOUND', "User doesn't exist");
const unauthorized = amsError(401, 'UNAUTHORIZED', 'Unauthorized');
const forbidden = amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden');
const invalid = (message: string) => amsError(400, 'INVALID_ARGUMENT', message);

describe('users (/v1/users)', () => {
  let app: RunningApp;
  const clock = new ManualClock();
  before(async () => {
    app = await startApp({ AMS_SERVICE_TOKEN: SERVICE_TOKEN }, { clock });
  });
  after(async () => {
    await app.close();
  });

  /** Creates a user as the bootstrap admin and returns its privileged view. */
  async function createUser(body: Record<string, unknown> = {}, name = unique('u')): Promise<any> {
    const reply = await app.admin.post(`/v1/users/${name}`, { email: `${name}@example.org`, ...body });
    assert.equal(reply.status, 200, reply.text);
    return reply.body;
  }

  describe('create', () => {
    it('creates a user with every field, projects and service roles; the answer carries a new token', async () => {
      const project = await newProject(app);
      const name = unique('u');
      const stamp = clock.stamp();
      const reply = await app.admin.post(`/v1/users/${name}`, {
        email: 'bob@example.org',
        first_name: 'Bob',
        last_name: 'Builder',
        organization: 'ACME',
        description: 'builds things',
        projects: [{ project: project.name, roles: ['consumer', 'publisher'] }],
        service_roles: ['metrics_viewer'],
      });
      assert.equal(reply.status, 200, reply.text);
      assert.match(reply.body.uuid, UUID_V4);
      assert.match(reply.body.token, TOKEN);
      assert.deepEqual(reply.body, {
        uuid: reply.body.uuid,
        projects: [{ project: project.name, roles: ['consumer', 'publisher'], topics: [], subscriptions: [] }],
        name,
        first_name: 'Bob',
        last_name: 'Builder',
        organization: 'ACME',
        description: 'builds things',
        token: reply.body.token,
        email: 'bob@example.org',
        service_roles: ['metrics_viewer'],
        created_on: stamp,
        modified_on: stamp,
        created_by: 'admin',
      });

      // the token works at once, and show answers the same privileged view
      const profile = await app.client(reply.body.token).get('/v1/users/profile');
      assert.equal(profile.status, 200, profile.text);
      assert.deepEqual(profile.body, reply.body);
      const shown = await app.admin.get(`/v1/users/${name}`);
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body, reply.body);
      // its project role counts in its project
      assert.equal((await app.client(reply.body.token).get(`/v1/projects/${project.name}/topics`)).status, 200);
    });

    it('creates a minimal user: empty strings and projects omitted, service_roles []', async () => {
      const name = unique('u');
      const reply = await app.admin.post(`/v1/users/${name}`, '{}');
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body, {
        uuid: reply.body.uuid,
        name,
        token: reply.body.token,
        email: '',
        service_roles: [],
        created_on: clock.stamp(),
        modified_on: clock.stamp(),
        created_by: 'admin',
      });
      const withEmpty = await createUser({ projects: [], first_name: '', service_roles: [] });
      assert.equal('projects' in withEmpty, false);
      assert.equal('first_name' in withEmpty, false);
      assert.deepEqual(withEmpty.service_roles, []);
    });

    it('matches body keys case-insensitively and ignores unknown keys', async () => {
      const project = await newProject(app);
      const user = await createUser({
        email: undefined,
        EMAIL: 'upper@example.org',
        First_Name: 'Up',
        Projects: [{ PROJECT: project.name, Roles: ['publisher'] }],
        name: 'ignored-on-create',
        token: 'ignored-too',
        whatever: true,
      });
      assert.equal(user.email, 'upper@example.org');
      assert.equal(user.first_name, 'Up');
      assert.deepEqual(user.projects, [{ project: project.name, roles: ['publisher'], topics: [], subscriptions: [] }]);
      assert.notEqual(user.token, 'ignored-too');
      assert.match(user.name, /^u-/);
    });

    it('has no created_by when the service token creates the user (bootstrap of spec 4.10)', async () => {
      const name = unique('first-admin');
      const reply = await app.client(SERVICE_TOKEN).post(`/v1/users/${name}`, {
        email: 'root@example.org',
        service_roles: ['service_admin'],
      });
      assert.equal(reply.status, 200, reply.text);
      assert.equal('created_by' in reply.body, false);
      assert.deepEqual(reply.body.service_roles, ['service_admin']);
      // the new admin is a service_admin at once, and the users it creates name it as creator
      const byNewAdmin = await app.client(reply.body.token).post(`/v1/users/${unique('u')}`, { email: 'x@example.org' });
      assert.equal(byNewAdmin.status, 200, byNewAdmin.text);
      assert.equal(byNewAdmin.body.created_by, name);
    });

    it('answers 409 User already exists', async () => {
      const user = await createUser();
      const again = await app.admin.post(`/v1/users/${user.name}`, { email: 'other@example.org' });
      assert.equal(again.status, 409);
      assert.deepEqual(again.body, amsError(409, 'ALREADY_EXISTS', 'User already exists'));
      assert.equal((await app.admin.get(`/v1/users/${user.name}`)).body.email, user.email);
      // the bootstrap admin's name is taken as well
      const admin = await app.admin.post('/v1/users/admin', { email: 'x@example.org' });
      assert.equal(admin.status, 409);
      // as in the original, the name is checked before projects and roles
      const badProject = await app.admin.post(`/v1/users/${user.name}`, {
        projects: [{ project: unique('nope'), roles: ['nope'] }],
        service_roles: ['nope'],
      });
      assert.equal(badProject.status, 409);
      assert.deepEqual(badProject.body, amsError(409, 'ALREADY_EXISTS', 'User already exists'));
    });

    it('skips projects[] entries without a project name, as the original does', async () => {
      const project = await newProject(app);
      const user = await createUser({
        projects: [{ roles: ['consumer'] }, { project: '', roles: ['nope'] }, { project: project.name, roles: ['publisher'] }],
      });
      assert.deepEqual(user.projects, [{ project: project.name, roles: ['publisher'], topics: [], subscriptions: [] }]);
      const updated = await app.admin.put(`/v1/users/${user.name}`, { projects: [{ project: '' }] });
      assert.equal(updated.status, 200, updated.text);
      assert.equal('projects' in updated.body, false);
    });

    it('answers 400 invalid project: X for an unknown project', async () => {
      const name = unique('u');
      const missing = unique('nope');
      const reply = await app.admin.post(`/v1/users/${name}`, { projects: [{ project: missing, roles: ['consumer'] }] });
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body, invalid(`invalid project: ${missing}`));
      assert.equal((await app.admin.get(`/v1/users/${name}`)).status, 404);
    });

    it('answers 400 invalid role: X for unknown roles and for roles of the wrong kind (spec 8.9)', async () => {
      const project = await newProject(app);
      const cases: [Record<string, unknown>, string][] = [
        [{ projects: [{ project: project.name, roles: ['consumer', 'superuser'] }] }, 'superuser'],
        [{ projects: [{ project: project.name, roles: ['service_admin'] }] }, 'service_admin'],
        [{ projects: [{ project: project.name, roles: ['push_worker'] }] }, 'push_worker'],
        [{ projects: [{ project: project.name, roles: ['admin_viewer'] }] }, 'admin_viewer'],
        [{ service_roles: ['superuser'] }, 'superuser'],
        [{ service_roles: ['project_admin'] }, 'project_admin'],
        [{ service_roles: ['metrics_viewer', 'publisher'] }, 'publisher'],
      ];
      for (const [body, role] of cases) {
        const name = unique('u');
        const reply = await app.admin.post(`/v1/users/${name}`, body);
        assert.equal(reply.status, 400, `${JSON.stringify(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalid(`invalid role: ${role}`), JSON.stringify(body));
        assert.equal((await app.admin.get(`/v1/users/${name}`)).status, 404);
      }
    });

    it('answers 400 duplicate reference of project X', async () => {
      const project = await newProject(app);
      const name = unique('u');
      const reply = await app.admin.post(`/v1/users/${name}`, {
        projects: [
          { project: project.name, roles: ['consumer'] },
          { project: project.name, roles: ['publisher'] },
        ],
      });
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body, invalid(`duplicate reference of project ${project.name}`));
      assert.equal((await app.admin.get(`/v1/users/${name}`)).status, 404);
    });

    it('answers 400 Invalid User Arguments for malformed JSON, wrong types and an empty body', async () => {
      const bodies: (string | undefined)[] = [
        '{"email": ',
        'nonsense',
        '{"email": 5}',
        '{"first_name": false}',
        '{"projects": "ARGO"}',
        '{"projects": [5]}',
        '{"projects": [{"project": 5}]}',
        '{"projects": [{"project": "x", "roles": "consumer"}]}',
        '{"projects": [{"project": "x", "roles": [1]}]}',
        '{"service_roles": "service_admin"}',
        '{"service_roles": [true]}',
        '[]',
        '"text"',
        undefined,
        '',
      ];
      for (const body of bodies) {
        const name = unique('u');
        const reply = await app.admin.post(`/v1/users/${name}`, body);
        assert.equal(reply.status, 400, `body ${JSON.stringify(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalidUserArgs, `body ${JSON.stringify(body)}`);
        assert.equal((await app.admin.get(`/v1/users/${name}`)).status, 404);
      }
    });

    it('answers 400 Invalid user name for a bad path name', async () => {
      const reply = await app.admin.post('/v1/users/bad.name', { email: 'x@example.org' });
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body, invalid('Invalid user name'));
    });
  });

  describe('show, byToken, byUUID, profile', () => {
    it("shows a user (privileged view) and answers 404 User doesn't exist", async () => {
      const user = await createUser({ first_name: 'Ann' });
      const shown = await app.admin.get(`/v1/users/${user.name}`);
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body, user);
      const missing = await app.admin.get(`/v1/users/${unique('nope')}`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, userMissing);
    });

    it('finds a user by token and by uuid (privileged views); 404 otherwise', async () => {
      const project = await newProject(app);
      const user = await createUser({ projects: [{ project: project.name, roles: ['consumer'] }] });
      const byToken = await app.admin.get(`/v1/users:byToken/${user.token}`);
      assert.equal(byToken.status, 200, byToken.text);
      assert.deepEqual(byToken.body, user);
      const byUuid = await app.admin.get(`/v1/users:byUUID/${user.uuid}`);
      assert.equal(byUuid.status, 200, byUuid.text);
      assert.deepEqual(byUuid.body, user);

      const noToken = await app.admin.get(`/v1/users:byToken/${'0'.repeat(64)}`);
      assert.equal(noToken.status, 404);
      assert.deepEqual(noToken.body, userMissing);
      const noUuid = await app.admin.get('/v1/users:byUUID/00000000-0000-4000-8000-000000000000');
      assert.equal(noUuid.status, 404);
      assert.deepEqual(noUuid.body, userMissing);
      const badUuid = await app.admin.get('/v1/users:byUUID/not.a.uuid');
      assert.equal(badUuid.status, 400);
      assert.deepEqual(badUuid.body, invalid('Invalid uuid name'));
      const badToken = await app.admin.get('/v1/users:byToken/not.a.token');
      assert.equal(badToken.status, 400);
      assert.deepEqual(badToken.body, invalid('Invalid token name'));
    });

    it('lets push_worker use users:byToken and argo_api_authn users:byUUID, nothing else', async () => {
      const target = await createUser();
      const worker = await createUser({ service_roles: ['push_worker'] });
      const authn = await createUser({ service_roles: ['argo_api_authn'] });
      const workerClient = app.client(worker.token);
      const authnClient = app.client(authn.token);

      const byToken = await workerClient.get(`/v1/users:byToken/${target.token}`);
      assert.equal(byToken.status, 200, byToken.text);
      assert.deepEqual(byToken.body, target);
      const byUuid = await authnClient.get(`/v1/users:byUUID/${target.uuid}`);
      assert.equal(byUuid.status, 200, byUuid.text);
      assert.deepEqual(byUuid.body, target);

      for (const reply of [
        await workerClient.get(`/v1/users:byUUID/${target.uuid}`),
        await authnClient.get(`/v1/users:byToken/${target.token}`),
        await workerClient.get(`/v1/users/${target.name}`),
        await workerClient.get('/v1/users'),
        await authnClient.post(`/v1/users/${unique('u')}`, {}),
      ]) {
        assert.equal(reply.status, 403, reply.text);
        assert.deepEqual(reply.body, forbidden);
      }
    });

    it('answers 401 to users with project roles only on the user routes (no {project}: project roles do not count)', async () => {
      const project = await newProject(app);
      const pa = await project.user(['project_admin']);
      const target = await createUser();
      for (const reply of [
        await pa.client.get('/v1/users'),
        await pa.client.get(`/v1/users/${target.name}`),
        await pa.client.post(`/v1/users/${unique('u')}`, {}),
        await pa.client.put(`/v1/users/${target.name}`, { email: 'x@example.org' }),
        await pa.client.delete(`/v1/users/${target.name}`),
        await pa.client.post(`/v1/users/${target.name}:refreshToken`),
        await pa.client.get(`/v1/users:byToken/${target.token}`),
        await pa.client.get(`/v1/users:byUUID/${target.uuid}`),
      ]) {
        assert.equal(reply.status, 401, reply.text);
        assert.deepEqual(reply.body, unauthorized);
      }
      const noToken = await app.client().get('/v1/users');
      assert.equal(noToken.status, 401);
      assert.deepEqual(noToken.body, unauthorized);
      assert.equal((await app.admin.get(`/v1/users/${target.name}`)).body.email, target.email);
    });

    it('shows the caller itself on /users/profile, with its token in the header or ?key=', async () => {
      const project = await newProject(app);
      const member = await project.user(['consumer']);
      const expected = (await app.admin.get(`/v1/users/${member.name}`)).body;
      const profile = await member.client.get('/v1/users/profile');
      assert.equal(profile.status, 200, profile.text);
      assert.deepEqual(profile.body, expected);
      assert.equal(profile.body.token, member.token);
      const byKey = await member.client.get('/v1/users/profile', { tokenIn: 'query' });
      assert.equal(byKey.status, 200, byKey.text);
      assert.deepEqual(byKey.body, expected);

      const admin = await app.admin.get('/v1/users/profile');
      assert.equal(admin.status, 200);
      assert.equal(admin.body.name, 'admin');
      assert.equal(admin.body.token, ADMIN_TOKEN);
      assert.deepEqual(admin.body.service_roles, ['service_admin']);
    });

    it('answers 401 on /users/profile without a token, with an unknown one, and for the service token', async () => {
      for (const client of [app.client(), app.client('no-such-token-anywhere'), app.client(SERVICE_TOKEN)]) {
        const reply = await client.get('/v1/users/profile');
        assert.equal(reply.status, 401, reply.text);
        assert.deepEqual(reply.body, unauthorized);
      }
    });
  });

  describe('update', () => {
    it('updates strings and modified_on; empty strings leave fields unchanged', async () => {
      const user = await createUser({ first_name: 'Old', organization: 'Org' });
      clock.advance(30);
      const reply = await app.admin.put(`/v1/users/${user.name}`, {
        email: 'new@example.org',
        first_name: 'New',
        last_name: 'Last',
        organization: '',
        description: 'now described',
      });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body, {
        ...user,
        email: 'new@example.org',
        first_name: 'New',
        last_name: 'Last',
        organization: 'Org',
        description: 'now described',
        modified_on: clock.stamp(),
      });
      assert.notEqual(reply.body.modified_on, user.created_on);
      assert.deepEqual((await app.admin.get(`/v1/users/${user.name}`)).body, reply.body);
    });

    it('renames a user; the token keeps working and the old name is gone', async () => {
      const user = await createUser();
      const renamed = unique('renamed');
      const reply = await app.admin.put(`/v1/users/${user.name}`, { name: renamed });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.name, renamed);
      assert.equal(reply.body.uuid, user.uuid);
      assert.equal(reply.body.token, user.token);
      assert.deepEqual((await app.admin.get(`/v1/users/${user.name}`)).body, userMissing);
      assert.equal((await app.admin.get(`/v1/users/${renamed}`)).status, 200);
      assert.equal((await app.client(user.token).get('/v1/users/profile')).body.name, renamed);
    });

    it('answers 400 invalid user name change when the new name is taken', async () => {
      const user = await createUser();
      const other = await createUser();
      const reply = await app.admin.put(`/v1/users/${user.name}`, { name: other.name });
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body, invalid('invalid user name change, name already exists'));
      assert.deepEqual((await app.admin.get(`/v1/users/${user.name}`)).body, user);
    });

    it('replaces projects when present, keeps them when absent, and removes all with []', async () => {
      const one = await newProject(app);
      const two = await newProject(app);
      const user = await createUser({ projects: [{ project: one.name, roles: ['consumer'] }] });

      const kept = await app.admin.put(`/v1/users/${user.name}`, { email: 'kept@example.org' });
      assert.deepEqual(kept.body.projects, user.projects);

      const replaced = await app.admin.put(`/v1/users/${user.name}`, {
        projects: [
          { project: two.name, roles: ['publisher', 'project_admin'] },
          { project: one.name, roles: [] },
        ],
      });
      assert.equal(replaced.status, 200, replaced.text);
      assert.deepEqual(replaced.body.projects, [
        { project: two.name, roles: ['publisher', 'project_admin'], topics: [], subscriptions: [] },
        { project: one.name, roles: [], topics: [], subscriptions: [] },
      ]);
      // roles now count as stored: project_admin in two, nothing in one (401)
      const client = app.client(user.token);
      assert.equal((await client.get(`/v1/projects/${two.name}/members`)).status, 200);
      assert.equal((await client.get(`/v1/projects/${one.name}/topics`)).status, 401);

      const cleared = await app.admin.put(`/v1/users/${user.name}`, { projects: [] });
      assert.equal(cleared.status, 200, cleared.text);
      assert.equal('projects' in cleared.body, false);
      assert.equal('projects' in (await app.admin.get(`/v1/users/${user.name}`)).body, false);
      assert.equal((await client.get(`/v1/projects/${two.name}/members`)).status, 401);
    });

    it('replaces service_roles when present', async () => {
      const user = await createUser({ service_roles: ['metrics_viewer'] });
      const same = await app.admin.put(`/v1/users/${user.name}`, { description: 'x' });
      assert.deepEqual(same.body.service_roles, ['metrics_viewer']);
      const promoted = await app.admin.put(`/v1/users/${user.name}`, { service_roles: ['service_admin'] });
      assert.equal(promoted.status, 200, promoted.text);
      assert.deepEqual(promoted.body.service_roles, ['service_admin']);
      assert.equal((await app.client(user.token).get('/v1/users')).status, 200);
      const demoted = await app.admin.put(`/v1/users/${user.name}`, { service_roles: [] });
      assert.deepEqual(demoted.body.service_roles, []);
      assert.equal((await app.client(user.token).get('/v1/users')).status, 401);
    });

    it('answers 400 like create for bad projects and roles, leaving the user unchanged', async () => {
      const project = await newProject(app);
      const user = await createUser({ projects: [{ project: project.name, roles: ['consumer'] }] });
      const missing = unique('nope');
      const cases: [Record<string, unknown>, string][] = [
        [{ projects: [{ project: missing, roles: [] }] }, `invalid project: ${missing}`],
        [{ projects: [{ project: project.name, roles: ['service_admin'] }] }, 'invalid role: service_admin'],
        [{ service_roles: ['consumer'] }, 'invalid role: consumer'],
        [
          { projects: [{ project: project.name, roles: [] }, { project: project.name, roles: ['publisher'] }] },
          `duplicate reference of project ${project.name}`,
        ],
      ];
      for (const [body, message] of cases) {
        const reply = await app.admin.put(`/v1/users/${user.name}`, { email: 'changed@example.org', ...body });
        assert.equal(reply.status, 400, `${JSON.stringify(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalid(message));
      }
      assert.deepEqual((await app.admin.get(`/v1/users/${user.name}`)).body, user);
    });

    it('answers 400 Invalid User Arguments for bad bodies', async () => {
      const user = await createUser();
      for (const body of ['{"name": ', '{"name": 5}', '{"projects": {}}', '{"email": []}', '[]', undefined, '']) {
        const reply = await app.admin.put(`/v1/users/${user.name}`, body);
        assert.equal(reply.status, 400, `body ${JSON.stringify(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalidUserArgs, `body ${JSON.stringify(body)}`);
      }
    });

    it("answers 404 User doesn't exist for an unknown user", async () => {
      const reply = await app.admin.put(`/v1/users/${unique('nope')}`, { email: 'x@example.org' });
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.body, userMissing);
    });
  });

  describe('delete and refreshToken', () => {
    it('deletes a user with an empty body; it is gone and its token dead', async () => {
      const user = await createUser();
      const reply = await app.admin.delete(`/v1/users/${user.name}`);
      assert.equal(reply.status, 200);
      assert.equal(reply.text, '');
      assert.deepEqual((await app.admin.get(`/v1/users/${user.name}`)).body, userMissing);
      assert.equal((await app.admin.get(`/v1/users:byUUID/${user.uuid}`)).status, 404);
      const dead = await app.client(user.token).get('/v1/users/profile');
      assert.equal(dead.status, 401);
      const again = await app.admin.delete(`/v1/users/${user.name}`);
      assert.equal(again.status, 404);
      assert.deepEqual(again.body, userMissing);
    });

    it('a deleted user disappears from topic ACLs and may be re-created', async () => {
      const project = await newProject(app);
      const topic = await project.topic();
      const member = await project.user(['publisher']);
      const acl = await app.admin.post(`/v1/projects/${project.name}/topics/${topic}:modifyAcl`, {
        authorized_users: [member.name],
      });
      assert.equal(acl.status, 200, acl.text);
      assert.equal((await app.admin.delete(`/v1/users/${member.name}`)).status, 200);
      const shown = await app.admin.get(`/v1/projects/${project.name}/topics/${topic}:acl`);
      assert.deepEqual(shown.body, { authorized_users: [] });
      const recreated = await app.admin.post(`/v1/users/${member.name}`, { email: 'again@example.org' });
      assert.equal(recreated.status, 200, recreated.text);
      assert.equal('projects' in recreated.body, false);
    });

    it('refreshes a token: the new one works, the old one is 401 at once', async () => {
      const project = await newProject(app);
      const member = await project.user(['publisher']);
      const before = (await app.admin.get(`/v1/users/${member.name}`)).body;
      clock.advance(5);
      const reply = await app.admin.post(`/v1/users/${member.name}:refreshToken`);
      assert.equal(reply.status, 200, reply.text);
      assert.match(reply.body.token, TOKEN);
      assert.notEqual(reply.body.token, member.token);
      assert.deepEqual(reply.body, { ...before, token: reply.body.token, modified_on: reply.body.modified_on });

      const old = await member.client.get(`/v1/projects/${project.name}/topics`);
      assert.equal(old.status, 401);
      assert.deepEqual(old.body, unauthorized);
      assert.equal((await member.client.get('/v1/users/profile')).status, 401);
      assert.equal((await app.admin.get(`/v1/users:byToken/${member.token}`)).status, 404);

      const fresh = app.client(reply.body.token);
      assert.equal((await fresh.get(`/v1/projects/${project.name}/topics`)).status, 200);
      assert.deepEqual((await fresh.get('/v1/users/profile')).body, reply.body);
      assert.deepEqual((await app.admin.get(`/v1/users/${member.name}`)).body, reply.body);
    });

    it('accepts a JSON body on refreshToken and answers 404 for an unknown user', async () => {
      const user = await createUser();
      const withBody = await app.admin.post(`/v1/users/${user.name}:refreshToken`, {});
      assert.equal(withBody.status, 200, withBody.text);
      const missing = await app.admin.post(`/v1/users/${unique('nope')}:refreshToken`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, userMissing);
    });
  });

  describe('projects[].topics and projects[].subscriptions', () => {
    it('list the topics and subscriptions whose ACL holds the user', async () => {
      const project = await newProject(app);
      const t1 = await project.topic();
      const t2 = await project.topic();
      const s1 = await project.subscription(t1);
      const s2 = await project.subscription(t2);
      const user = await project.user(['publisher', 'consumer']);
      const other = await project.user(['consumer']);
      const base = `/v1/projects/${project.name}`;
      for (const [path, users] of [
        [`${base}/topics/${t2}:modifyAcl`, [user.name, other.name]],
        [`${base}/subscriptions/${s1}:modifyAcl`, [user.name]],
        [`${base}/subscriptions/${s2}:modifyAcl`, [other.name]],
      ] as const) {
        const reply = await app.admin.post(path, { authorized_users: users });
        assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      }
      const shown = await app.admin.get(`/v1/users/${user.name}`);
      assert.deepEqual(shown.body.projects, [
        { project: project.name, roles: ['publisher', 'consumer'], topics: [t2], subscriptions: [s1] },
      ]);
      const otherShown = await app.admin.get(`/v1/users/${other.name}`);
      assert.deepEqual(otherShown.body.projects, [
        { project: project.name, roles: ['consumer'], topics: [t2], subscriptions: [s2] },
      ]);
      assert.deepEqual((await user.client.get('/v1/users/profile')).body.projects, shown.body.projects);

      // clearing the ACL and deleting a topic take effect in the view
      await app.admin.post(`${base}/subscriptions/${s1}:modifyAcl`, { authorized_users: [] });
      assert.equal((await app.admin.delete(`${base}/topics/${t2}`)).status, 200);
      const after = await app.admin.get(`/v1/users/${user.name}`);
      assert.deepEqual(after.body.projects, [
        { project: project.name, roles: ['publisher', 'consumer'], topics: [], subscriptions: [] },
      ]);
    });
  });

  describe('list', () => {
    it('lists users newest first with totalSize and pages through them', async () => {
      const project = await newProject(app);
      const names: string[] = [];
      for (let i = 0; i < 5; i += 1) names.push((await project.user(['consumer'])).name);
      const newestFirst = [...names].reverse();
      const base = `/v1/users?project=${project.name}`;

      const all = await app.admin.get(base);
      assert.equal(all.status, 200);
      assert.deepEqual(
        all.body.users.map((u: { name: string }) => u.name),
        newestFirst,
      );
      assert.equal(all.body.nextPageToken, '');
      assert.equal(all.body.totalSize, 5);

      for (const size of ['0', '-3']) {
        const everything = await app.admin.get(`${base}&pageSize=${size}`);
        assert.equal(everything.status, 200);
        assert.equal(everything.body.users.length, 5);
        assert.equal(everything.body.nextPageToken, '');
      }

      const first = await app.admin.get(`${base}&pageSize=2`);
      assert.equal(first.status, 200);
      assert.deepEqual(
        first.body.users.map((u: { name: string }) => u.name),
        newestFirst.slice(0, 2),
      );
      assert.equal(first.body.totalSize, 5);
      assert.notEqual(first.body.nextPageToken, '');

      const second = await app.admin.get(`${base}&pageSize=2&pageToken=${encodeURIComponent(first.body.nextPageToken)}`);
      assert.equal(second.status, 200, second.text);
      assert.deepEqual(
        second.body.users.map((u: { name: string }) => u.name),
        newestFirst.slice(2, 4),
      );
      assert.equal(second.body.totalSize, 5);

      // the Python client sends nextPageToken= instead of pageToken=
      const third = await app.admin.get(
        `${base}&pageSize=2&nextPageToken=${encodeURIComponent(second.body.nextPageToken)}`,
      );
      assert.equal(third.status, 200, third.text);
      assert.deepEqual(third.body, {
        users: [third.body.users[0]],
        nextPageToken: '',
        totalSize: 5,
      });
      assert.equal(third.body.users[0].name, newestFirst[4]);

      // exactly one page: no next page
      const exact = await app.admin.get(`${base}&pageSize=5`);
      assert.equal(exact.body.nextPageToken, '');
      assert.equal(exact.body.users.length, 5);
    });

    it('lists every user without a project filter, the newest first, as privileged views', async () => {
      const user = await createUser({ first_name: 'Newest' });
      const page = await app.admin.get('/v1/users?pageSize=1');
      assert.equal(page.status, 200);
      assert.deepEqual(page.body.users, [user]);
      assert.notEqual(page.body.nextPageToken, '');
      const everything = await app.admin.get('/v1/users');
      assert.equal(everything.body.totalSize, everything.body.users.length);
      assert.ok(everything.body.totalSize >= 2);
      assert.equal(everything.body.users.at(-1).name, 'admin');
      assert.equal(everything.body.users[0].name, user.name);
    });

    it('shows projects only with details=true (or True, as the Python client sends it)', async () => {
      const project = await newProject(app);
      const member = await project.user(['publisher']);
      const full = (await app.admin.get(`/v1/users/${member.name}`)).body;
      const { projects: _projects, ...withoutProjects } = full;

      const plain = await app.admin.get(`/v1/users?project=${project.name}`);
      assert.deepEqual(plain.body, { users: [withoutProjects], nextPageToken: '', totalSize: 1 });
      for (const flag of ['true', 'True']) {
        const detailed = await app.admin.get(`/v1/users?project=${project.name}&details=${flag}`);
        assert.equal(detailed.status, 200);
        assert.deepEqual(detailed.body, { users: [full], nextPageToken: '', totalSize: 1 });
      }
      const falseFlag = await app.admin.get(`/v1/users?project=${project.name}&details=false`);
      assert.deepEqual(falseFlag.body.users, [withoutProjects]);
    });

    it('answers an empty page for a project without members', async () => {
      const project = await newProject(app);
      const reply = await app.admin.get(`/v1/users?project=${project.name}`);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { users: [], nextPageToken: '', totalSize: 0 });
    });

    it("answers 404 ProjectUUID doesn't exist for an unknown project filter", async () => {
      const reply = await app.admin.get(`/v1/users?project=${unique('nope')}`);
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "ProjectUUID doesn't exist"));
    });

    it('answers 400 Invalid page size and Invalid page token', async () => {
      for (const size of ['abc', '1.5', '2x']) {
        const reply = await app.admin.get(`/v1/users?pageSize=${size}`);
        assert.equal(reply.status, 400, size);
        assert.deepEqual(reply.body, invalid('Invalid page size'));
      }
      const unknownPosition = Buffer.from('999999999').toString('base64');
      for (const token of ['***', 'not base64!', unknownPosition]) {
        for (const param of ['pageToken', 'nextPageToken']) {
          const reply = await app.admin.get(`/v1/users?pageSize=1&${param}=${encodeURIComponent(token)}`);
          assert.equal(reply.status, 400, `${param}=${token}: ${reply.text}`);
          assert.deepEqual(reply.body, invalid('Invalid page token'));
        }
      }
    });
  });
});
