import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { amsError, type Client } from '../support/client.js';
import { ManualClock } from '../support/clocks.js';

const SERVICE_TOKEN = 'e2e-registrations-service-token-7';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TOKEN = /^[0-9a-f]{64}$/;

const invalidUserArgs = amsError(400, 'INVALID_ARGUMENT', 'Invalid User Arguments');
const invalidRequestBody = amsError(400, 'BAD_REQUEST', 'Invalid Request Body');
const registrationMissing = amsError(404, 'NOT_FOUND', "User registration doesn't exist");
const userExists = amsError(409, 'ALREADY_EXISTS', 'User already exists');
const forbidden = amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden');

describe('registrations (/v1/registrations)', () => {
  let app: RunningApp;
  let registerAdmin: Client;
  const clock = new ManualClock();

  before(async () => {
    app = await startApp({ AMS_SERVICE_TOKEN: SERVICE_TOKEN }, { clock });
    const name = unique('signup-ui');
    const reply = await app.admin.post(`/v1/users/${name}`, { email: 'ui@example.org', service_roles: ['register_admin'] });
    assert.equal(reply.status, 200, reply.text);
    registerAdmin = app.client(reply.body.token as string);
  });
  after(async () => {
    await app.close();
  });

  /** Registers through the sign-up front end's token and returns the registration. */
  async function register(body: Record<string, unknown> = {}): Promise<any> {
    const name = unique('newcomer');
    const reply = await registerAdmin.post('/v1/registrations', { name, email: `${name}@example.org`, ...body });
    assert.equal(reply.status, 200, reply.text);
    return reply.body;
  }

  async function shown(uuid: string): Promise<any> {
    const reply = await app.admin.get(`/v1/registrations/${uuid}`);
    assert.equal(reply.status, 200, reply.text);
    return reply.body;
  }

  async function listed(query: string): Promise<any[]> {
    const reply = await app.admin.get(`/v1/registrations?${query}`);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(Object.keys(reply.body), ['user_registrations']);
    return reply.body.user_registrations as any[];
  }

  describe('register (POST /v1/registrations)', () => {
    it('answers the new pending registration with a uuid, an activation token and the registration time', async () => {
      const name = unique('newcomer');
      const reply = await registerAdmin.post('/v1/registrations', {
        name,
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.org',
        organization: 'ACME',
        description: 'wants to publish probe results',
      });
      assert.equal(reply.status, 200, reply.text);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
      assert.match(reply.body.uuid, UUID_V4);
      assert.match(reply.body.activation_token, TOKEN);
      assert.deepEqual(reply.body, {
        uuid: reply.body.uuid,
        name,
        first_name: 'Ada',
        last_name: 'Lovelace',
        organization: 'ACME',
        description: 'wants to publish probe results',
        email: 'ada@example.org',
        status: 'pending',
        activation_token: reply.body.activation_token,
        registered_at: clock.stamp(),
      });
      assert.deepEqual(await shown(reply.body.uuid), reply.body);
    });

    it('shows absent fields as empty strings; keys match case-insensitively, unknown keys are ignored', async () => {
      const name = unique('newcomer');
      const reply = await registerAdmin.post('/v1/registrations', { NAME: name, Email: 'e@example.org', status: 'accepted', x: 1 });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body, {
        uuid: reply.body.uuid,
        name,
        first_name: '',
        last_name: '',
        organization: '',
        description: '',
        email: 'e@example.org',
        status: 'pending',
        activation_token: reply.body.activation_token,
        registered_at: clock.stamp(),
      });
    });

    it('gives every registration its own uuid and activation token', async () => {
      const a = await register();
      const b = await register();
      assert.notEqual(a.uuid, b.uuid);
      assert.notEqual(a.activation_token, b.activation_token);
    });

    it('answers 400 Invalid User Arguments for a body that does not parse, and creates nothing', async () => {
      const name = unique('broken');
      const bodies: unknown[] = [
        undefined,
        '',
        'not json',
        '[]',
        '"text"',
        { name, email: 5 },
        { name, first_name: ['x'] },
        { name, organization: {} },
        { name: 42 },
      ];
      for (const body of bodies) {
        const reply = await registerAdmin.post('/v1/registrations', body);
        assert.equal(reply.status, 400, `${JSON.stringify(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalidUserArgs, JSON.stringify(body));
      }
      assert.deepEqual(await listed(`name=${name}`), []);
    });

    it('answers 400 Invalid User Arguments for a missing or invalid user name (spec 5.2)', async () => {
      const org = unique('org');
      for (const name of [undefined, '', 'has space', 'slash/name', 'colon:name', 'dot.name', 'ümlaut', 'semi;colon']) {
        const reply = await registerAdmin.post('/v1/registrations', { name, organization: org });
        assert.equal(reply.status, 400, `${String(name)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalidUserArgs, String(name));
      }
      assert.deepEqual(await listed(`organization=${org}`), []);
      // every character of the name rule is fine
      const valid = await register({ name: `Aa_09-${unique('z')}` });
      assert.equal(valid.status, 'pending');
    });

    it('answers 409 User already exists when a user has that name', async () => {
      const org = unique('org');
      const taken = await app.admin.post(`/v1/users/${unique('taken')}`, { email: 't@example.org' });
      assert.equal(taken.status, 200, taken.text);
      for (const name of [taken.body.name as string, app.config.adminUser]) {
        const reply = await registerAdmin.post('/v1/registrations', { name, organization: org });
        assert.equal(reply.status, 409, reply.text);
        assert.deepEqual(reply.body, userExists);
      }
      assert.deepEqual(await listed(`organization=${org}`), []);
    });

    it('the name check comes after the body: a broken body with a taken name is a 400', async () => {
      const reply = await registerAdmin.post('/v1/registrations', `{"name":"${app.config.adminUser}",`);
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body, invalidUserArgs);
    });
  });

  describe('list (GET /v1/registrations)', () => {
    it('lists in registration order and filters exactly by status, name, email, organization and activation_token', async () => {
      const org = unique('org');
      const a = await register({ organization: org, email: 'same@example.org' });
      const b = await register({ organization: org, email: 'other@example.org' });
      const c = await register({ organization: org, email: 'same@example.org' });
      const declined = await app.admin.post(`/v1/registrations/${c.uuid}:decline`, {});
      assert.equal(declined.status, 200, declined.text);
      const cNow = await shown(c.uuid);

      assert.deepEqual(await listed(`organization=${org}`), [a, b, cNow]);
      assert.deepEqual(await listed(`organization=${org}&status=pending`), [a, b]);
      assert.deepEqual(await listed(`organization=${org}&status=declined`), [cNow]);
      assert.deepEqual(await listed(`organization=${org}&status=accepted`), []);
      assert.deepEqual(await listed(`name=${b.name}`), [b]);
      assert.deepEqual(await listed(`organization=${org}&email=same@example.org`), [a, cNow]);
      assert.deepEqual(await listed(`email=other@example.org&organization=${org}`), [b]);
      assert.deepEqual(await listed(`activation_token=${a.activation_token}`), [a]);
      // exact matches only: no prefixes, no case folding, no unknown statuses
      assert.deepEqual(await listed(`name=${b.name.slice(0, -1)}`), []);
      assert.deepEqual(await listed(`organization=${org.toUpperCase()}`), []);
      assert.deepEqual(await listed(`organization=${org}&status=PENDING`), []);
      assert.deepEqual(await listed(`activation_token=${'0'.repeat(64)}`), []);
      // a repeated parameter: the first value wins; an empty one does not filter
      assert.deepEqual(await listed(`name=${a.name}&name=${b.name}`), [a]);
      assert.deepEqual(await listed(`organization=${org}&status=`), [a, b, cNow]);
    });

    it('lists every registration without filters', async () => {
      const a = await register();
      const b = await register();
      const all = (await listed('')).map((r) => r.uuid);
      assert.deepEqual(all.filter((u) => u === a.uuid || u === b.uuid), [a.uuid, b.uuid]);
    });

    it('answers an empty list as []', async () => {
      assert.deepEqual(await listed(`name=${unique('nobody')}`), []);
    });
  });

  describe('show (GET /v1/registrations/{uuid})', () => {
    it('answers 404 for an unknown uuid and 400 for an invalid one', async () => {
      const missing = await app.admin.get(`/v1/registrations/${randomUUID()}`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, registrationMissing);
      const invalid = await app.admin.get('/v1/registrations/not.a.uuid');
      assert.equal(invalid.status, 400);
      assert.deepEqual(invalid.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid uuid name'));
    });
  });

  describe('accept (POST /v1/registrations/{uuid}:accept)', () => {
    it('register -> list -> accept: the user exists as POST /users/{name} makes it, and its token works', async () => {
      const org = unique('org');
      const registration = await register({ first_name: 'Grace', last_name: 'Hopper', organization: org, description: 'compilers' });
      assert.deepEqual(await listed(`organization=${org}&status=pending`), [registration]);

      clock.advance(60);
      const accepted = await app.admin.post(`/v1/registrations/${registration.uuid}:accept`);
      assert.equal(accepted.status, 200, accepted.text);
      assert.match(accepted.body.uuid, UUID_V4);
      assert.match(accepted.body.token, TOKEN);
      assert.deepEqual(accepted.body, {
        uuid: accepted.body.uuid,
        name: registration.name,
        first_name: 'Grace',
        last_name: 'Hopper',
        organization: org,
        description: 'compilers',
        token: accepted.body.token,
        email: registration.email,
        service_roles: [],
        created_on: clock.stamp(),
        modified_on: clock.stamp(),
        created_by: app.config.adminUser,
      });

      // the token authenticates the new user, who sees itself as the accept answered
      const profile = await app.client(accepted.body.token).get('/v1/users/profile');
      assert.equal(profile.status, 200, profile.text);
      assert.deepEqual(profile.body, accepted.body);
      assert.deepEqual((await app.admin.get(`/v1/users/${registration.name}`)).body, accepted.body);

      // the registration is accepted by the admin, now; its activation token is spent
      const after = await shown(registration.uuid);
      assert.deepEqual(after, {
        uuid: registration.uuid,
        name: registration.name,
        first_name: 'Grace',
        last_name: 'Hopper',
        organization: org,
        description: 'compilers',
        email: registration.email,
        status: 'accepted',
        registered_at: registration.registered_at,
        modified_by: app.config.adminUser,
        modified_at: clock.stamp(),
      });
      assert.notEqual(after.modified_at, after.registered_at);
      assert.deepEqual(await listed(`organization=${org}&status=pending`), []);
      assert.deepEqual(await listed(`organization=${org}&status=accepted`), [after]);
      assert.deepEqual(await listed(`activation_token=${registration.activation_token}`), []);
    });

    it('with the service token: no modified_by and no created_by (it is no user)', async () => {
      const registration = await register();
      const accepted = await app.client(SERVICE_TOKEN).post(`/v1/registrations/${registration.uuid}:accept`);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal('created_by' in accepted.body, false);
      const after = await shown(registration.uuid);
      assert.equal(after.status, 'accepted');
      assert.equal('modified_by' in after, false);
      assert.equal(after.modified_at, clock.stamp());
    });

    it('ignores a body: only the registration counts', async () => {
      const registration = await register();
      const accepted = await app.admin.post(`/v1/registrations/${registration.uuid}:accept`, 'not json at all');
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body.name, registration.name);
    });

    it('answers 404 for an unknown registration and for one that is no longer pending', async () => {
      const missing = await app.admin.post(`/v1/registrations/${randomUUID()}:accept`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, registrationMissing);

      const accepted = await register();
      assert.equal((await app.admin.post(`/v1/registrations/${accepted.uuid}:accept`)).status, 200);
      const declined = await register();
      assert.equal((await app.admin.post(`/v1/registrations/${declined.uuid}:decline`, {})).status, 200);
      for (const r of [accepted, declined]) {
        const before = await shown(r.uuid);
        const again = await app.admin.post(`/v1/registrations/${r.uuid}:accept`);
        assert.equal(again.status, 404, again.text);
        assert.deepEqual(again.body, registrationMissing);
        assert.deepEqual(await shown(r.uuid), before);
      }
      // the declined one created no user
      assert.equal((await app.admin.get(`/v1/users/${declined.name}`)).status, 404);
    });

    it('answers 409 when a user took the name since; the registration stays pending and can be accepted later', async () => {
      const registration = await register();
      const squatter = await app.admin.post(`/v1/users/${registration.name}`, { email: 'squatter@example.org' });
      assert.equal(squatter.status, 200, squatter.text);

      const clash = await app.admin.post(`/v1/registrations/${registration.uuid}:accept`);
      assert.equal(clash.status, 409);
      assert.deepEqual(clash.body, userExists);
      assert.deepEqual(await shown(registration.uuid), registration);
      assert.equal((await app.admin.get(`/v1/users/${registration.name}`)).body.email, 'squatter@example.org');

      assert.equal((await app.admin.delete(`/v1/users/${registration.name}`)).status, 200);
      const accepted = await app.admin.post(`/v1/registrations/${registration.uuid}:accept`);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body.email, registration.email);
    });

    it('two registrations of one name: the first accept creates the user, the second is a 409 and stays pending', async () => {
      const first = await register();
      const second = await register({ name: first.name, email: 'second@example.org' });
      assert.equal((await app.admin.post(`/v1/registrations/${first.uuid}:accept`)).status, 200);
      const clash = await app.admin.post(`/v1/registrations/${second.uuid}:accept`);
      assert.equal(clash.status, 409);
      assert.deepEqual(clash.body, userExists);
      assert.equal((await shown(second.uuid)).status, 'pending');
    });

    it('concurrent accepts of one registration create exactly one user; the others find it not pending', async () => {
      // Several rounds: on kafka-mongo the requests interleave at every store call; embedded runs them one by one.
      for (let round = 0; round < 5; round++) {
        const registration = await register();
        const replies = await Promise.all(
          Array.from({ length: 8 }, () => app.admin.post(`/v1/registrations/${registration.uuid}:accept`)),
        );
        const winners = replies.filter((r) => r.status === 200);
        assert.equal(winners.length, 1, replies.map((r) => `${r.status} ${r.text}`).join('\n'));
        for (const loser of replies.filter((r) => r.status !== 200)) {
          assert.equal(loser.status, 404, loser.text);
          assert.deepEqual(loser.body, registrationMissing);
        }
        const user = await app.admin.get(`/v1/users/${registration.name}`);
        assert.deepEqual(user.body, winners[0].body);
        const profile = await app.client(winners[0].body.token).get('/v1/users/profile');
        assert.equal(profile.status, 200, profile.text);
        assert.equal((await shown(registration.uuid)).status, 'accepted');
      }
    });

    it('concurrent accepts of two registrations of one name: one user, the other registration stays pending', async () => {
      const first = await register();
      const second = await register({ name: first.name, email: 'rival@example.org' });
      const replies = await Promise.all([first, second].map((r) => app.admin.post(`/v1/registrations/${r.uuid}:accept`)));
      assert.deepEqual(replies.map((r) => r.status).sort(), [200, 409], replies.map((r) => r.text).join('\n'));
      const loser = replies[0].status === 409 ? first : second;
      const winner = replies[0].status === 200 ? replies[0] : replies[1];
      assert.deepEqual(replies[replies[0].status === 409 ? 0 : 1].body, userExists);
      assert.equal((await shown(loser.uuid)).status, 'pending');
      assert.equal((await shown(loser.uuid)).activation_token, loser.activation_token);
      assert.deepEqual((await app.admin.get(`/v1/users/${first.name}`)).body, winner.body);
    });

    it('an accept racing a decline: exactly one decides', async () => {
      const registration = await register();
      const [accept, decline] = await Promise.all([
        app.admin.post(`/v1/registrations/${registration.uuid}:accept`),
        app.admin.post(`/v1/registrations/${registration.uuid}:decline`, { comment: 'race' }),
      ]);
      assert.deepEqual([accept.status, decline.status].sort(), [200, 404], `${accept.text} ${decline.text}`);
      const after = await shown(registration.uuid);
      const user = await app.admin.get(`/v1/users/${registration.name}`);
      if (accept.status === 200) {
        assert.equal(after.status, 'accepted');
        assert.equal(user.status, 200);
      } else {
        assert.equal(after.status, 'declined');
        assert.equal(user.status, 404);
      }
    });
  });

  describe('decline (POST /v1/registrations/{uuid}:decline)', () => {
    it('declines with a comment: {} and the registration shows it, by whom and when; no user is created', async () => {
      const registration = await register();
      clock.advance(30);
      const reply = await app.admin.post(`/v1/registrations/${registration.uuid}:decline`, { comment: 'unknown organization' });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body, {});
      const { activation_token: _, ...rest } = registration;
      assert.deepEqual(await shown(registration.uuid), {
        ...rest,
        status: 'declined',
        decline_comment: 'unknown organization',
        modified_by: app.config.adminUser,
        modified_at: clock.stamp(),
      });
      assert.equal((await app.admin.get(`/v1/users/${registration.name}`)).status, 404);
    });

    it('declines without a comment ({} and {"comment":null}); keys match case-insensitively', async () => {
      for (const body of ['{}', '{"comment":null}', '{"Comment":"capital"}']) {
        const registration = await register();
        const reply = await app.admin.post(`/v1/registrations/${registration.uuid}:decline`, body);
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(reply.body, {});
        const after = await shown(registration.uuid);
        assert.equal(after.status, 'declined');
        if (body.includes('capital')) assert.equal(after.decline_comment, 'capital');
        else assert.equal('decline_comment' in after, false, body);
      }
    });

    it('answers 400 Invalid Request Body for an empty or broken body; the registration stays pending', async () => {
      const registration = await register();
      for (const body of [undefined, '', 'nope', '[]', '{"comment":5}', '{"comment":["a"]}']) {
        const reply = await app.admin.post(`/v1/registrations/${registration.uuid}:decline`, body);
        assert.equal(reply.status, 400, `${String(body)}: ${reply.text}`);
        assert.deepEqual(reply.body, invalidRequestBody, String(body));
      }
      assert.deepEqual(await shown(registration.uuid), registration);
    });

    it('answers 404 for an unknown registration and for one that is no longer pending', async () => {
      const missing = await app.admin.post(`/v1/registrations/${randomUUID()}:decline`, {});
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, registrationMissing);

      const accepted = await register();
      assert.equal((await app.admin.post(`/v1/registrations/${accepted.uuid}:accept`)).status, 200);
      const declined = await register();
      assert.equal((await app.admin.post(`/v1/registrations/${declined.uuid}:decline`, { comment: 'first' })).status, 200);
      for (const r of [accepted, declined]) {
        const before = await shown(r.uuid);
        const again = await app.admin.post(`/v1/registrations/${r.uuid}:decline`, { comment: 'second' });
        assert.equal(again.status, 404, again.text);
        assert.deepEqual(again.body, registrationMissing);
        assert.deepEqual(await shown(r.uuid), before);
      }
    });
  });

  describe('delete (DELETE /v1/registrations/{uuid})', () => {
    it('deletes with an empty body; afterwards the registration is gone', async () => {
      const registration = await register();
      const reply = await app.admin.delete(`/v1/registrations/${registration.uuid}`);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.text, '');
      const gone = await app.admin.get(`/v1/registrations/${registration.uuid}`);
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.body, registrationMissing);
      assert.deepEqual(await listed(`name=${registration.name}`), []);
      const again = await app.admin.delete(`/v1/registrations/${registration.uuid}`);
      assert.equal(again.status, 404);
      assert.deepEqual(again.body, registrationMissing);
    });

    it('deletes an accepted registration; the user it created stays', async () => {
      const registration = await register();
      assert.equal((await app.admin.post(`/v1/registrations/${registration.uuid}:accept`)).status, 200);
      assert.equal((await app.admin.delete(`/v1/registrations/${registration.uuid}`)).status, 200);
      assert.equal((await app.admin.get(`/v1/users/${registration.name}`)).status, 200);
    });
  });

  describe('roles', () => {
    it('register_admin may register, and nothing else', async () => {
      const registration = await register();
      const base = `/v1/registrations/${registration.uuid}`;
      const refused = [
        await registerAdmin.get('/v1/registrations'),
        await registerAdmin.get(base),
        await registerAdmin.post(`${base}:accept`),
        await registerAdmin.post(`${base}:decline`, {}),
        await registerAdmin.delete(base),
      ];
      for (const reply of refused) {
        assert.equal(reply.status, 403, reply.text);
        assert.deepEqual(reply.body, forbidden);
      }
      assert.deepEqual(await shown(registration.uuid), registration);
    });

    it('a user without service roles may not register (401: no role counts on a route without a project)', async () => {
      const plain = await app.admin.post(`/v1/users/${unique('plain')}`, { email: 'p@example.org' });
      const reply = await app.client(plain.body.token).post('/v1/registrations', { name: unique('x') });
      assert.equal(reply.status, 401);
      assert.deepEqual(reply.body, amsError(401, 'UNAUTHORIZED', 'Unauthorized'));
    });
  });
});
