import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import avro from 'avsc';
import { type RunningApp, startApp, unique } from '../support/app.js';
import { amsError } from '../support/client.js';
import { newProject, type ProjectFixture } from '../support/fixtures.js';

/** Schemas (spec 3.7), their use by topics (3.5) and validation on publish and `:validate` (4.1, 4.7). */

const PERSON = {
  type: 'object',
  properties: { name: { type: 'string' }, email: { type: 'string' }, telephone: { type: 'string' } },
  required: ['name', 'email'],
};

const USER_AVRO = {
  type: 'record',
  name: 'User',
  namespace: 'user.avro',
  fields: [
    { name: 'username', type: 'string' },
    { name: 'phone', type: 'int' },
  ],
};
const userType = avro.Type.forSchema(USER_AVRO as avro.Schema);
const avroData = (value: { username: string; phone: number }): string => userType.toBuffer(value).toString('base64');
const jsonData = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('schemas', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app.close();
  });

  const base = (project: ProjectFixture): string => `/v1/projects/${project.name}`;
  const ref = (project: ProjectFixture, schema: string): string => `projects/${project.name}/schemas/${schema}`;

  async function newSchema(project: ProjectFixture, type = 'json', schema: object = PERSON, name = unique('sch')): Promise<string> {
    const reply = await app.admin.post(`${base(project)}/schemas/${name}`, { type, schema });
    assert.equal(reply.status, 200, reply.text);
    return name;
  }

  /** A topic with the schema attached, a subscription of it, and paths to both. */
  async function topicWithSchema(project: ProjectFixture, schema: string): Promise<{ topicPath: string; subPath: string }> {
    const topic = unique('t');
    const created = await app.admin.put(`${base(project)}/topics/${topic}`, { schema: ref(project, schema) });
    assert.equal(created.status, 200, created.text);
    const sub = await project.subscription(topic);
    return { topicPath: `${base(project)}/topics/${topic}`, subPath: `${base(project)}/subscriptions/${sub}` };
  }

  const pulledData = async (subPath: string): Promise<string[]> => {
    const reply = await app.admin.post(`${subPath}:pull`, { maxMessages: '100' });
    assert.equal(reply.status, 200, reply.text);
    return reply.body.receivedMessages.map((m: { message: { data: string } }) => m.message.data);
  };

  describe('create, show, list', () => {
    it('creates a schema (type in any case, stored lower) and shows it as created', async () => {
      const project = await newProject(app);
      const name = unique('sch');
      const reply = await app.admin.post(`${base(project)}/schemas/${name}`, { TYPE: 'JSON', schema: PERSON });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(Object.keys(reply.body).sort(), ['name', 'schema', 'type', 'uuid']);
      assert.match(reply.body.uuid, UUID);
      assert.deepEqual(reply.body, { uuid: reply.body.uuid, name: ref(project, name), type: 'json', schema: PERSON });

      const shown = await app.admin.get(`${base(project)}/schemas/${name}`);
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body, reply.body);
    });

    it('lists the schemas of the project only, in creation order; an empty project lists none', async () => {
      const project = await newProject(app);
      const other = await newProject(app);
      assert.deepEqual((await app.admin.get(`${base(project)}/schemas`)).body, { schemas: [] });
      const a = await newSchema(project);
      const b = await newSchema(project, 'avro', USER_AVRO);
      await newSchema(other);
      const listed = await app.admin.get(`${base(project)}/schemas`);
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.body.schemas.map((s: { name: string; type: string; schema: object }) => [s.name, s.type, s.schema]),
        [
          [ref(project, a), 'json', PERSON],
          [ref(project, b), 'avro', USER_AVRO],
        ],
      );
    });

    it('answers 400 Invalid Schema Arguments for a body that does not parse', async () => {
      const project = await newProject(app);
      const name = unique('sch');
      for (const body of ['', '{', '[]', JSON.stringify({ type: 5, schema: PERSON }), JSON.stringify({ type: 'json', schema: [1] })]) {
        const reply = await app.admin.post(`${base(project)}/schemas/${name}`, body);
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Schema Arguments'), body);
      }
      const missing = await app.admin.post(`${base(project)}/schemas/${name}`, { type: 'json' });
      assert.deepEqual(missing.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Schema Arguments'), 'no schema document');
      assert.equal((await app.admin.get(`${base(project)}/schemas/${name}`)).status, 404, 'nothing was created');
    });

    it('answers 409 for a taken name before looking at the type', async () => {
      const project = await newProject(app);
      const name = await newSchema(project);
      const reply = await app.admin.post(`${base(project)}/schemas/${name}`, { type: 'xml', schema: PERSON });
      assert.equal(reply.status, 409);
      assert.deepEqual(reply.body, amsError(409, 'ALREADY_EXISTS', 'Schema already exists'));
    });

    it("answers 400 for a type other than json or avro", async () => {
      const project = await newProject(app);
      for (const type of ['xml', '', undefined]) {
        const reply = await app.admin.post(`${base(project)}/schemas/${unique('sch')}`, { type, schema: PERSON });
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', "Schema type can only be 'json' or 'avro'"), String(type));
      }
    });

    it("answers 400 with the compiler's message for an invalid JSON Schema or Avro schema", async () => {
      const project = await newProject(app);
      const name = unique('sch');
      const json = await app.admin.post(`${base(project)}/schemas/${name}`, { type: 'json', schema: { type: 'object', properties: 5 } });
      assert.deepEqual(json.body, amsError(400, 'INVALID_ARGUMENT', 'schema is invalid: data/properties must be object'));
      const avroReply = await app.admin.post(`${base(project)}/schemas/${name}`, { type: 'avro', schema: { type: 'nope' } });
      assert.deepEqual(avroReply.body, amsError(400, 'INVALID_ARGUMENT', 'unknown type: "nope"'));
      const jsonAsAvro = await app.admin.post(`${base(project)}/schemas/${name}`, { type: 'avro', schema: PERSON });
      assert.equal(jsonAsAvro.status, 400, 'a JSON Schema is no Avro schema');
      assert.equal((await app.admin.get(`${base(project)}/schemas/${name}`)).status, 404, 'nothing was created');
    });

    it("answers 404 Schema doesn't exist for an unknown schema on every route", async () => {
      const project = await newProject(app);
      const path = `${base(project)}/schemas/nope`;
      for (const reply of [
        await app.admin.get(path),
        await app.admin.put(path, { type: 'json' }),
        await app.admin.delete(path),
        await app.admin.post(`${path}:validate`, { name: 'x' }),
      ]) {
        assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "Schema doesn't exist"));
      }
    });

    it('lets a project admin manage schemas and refuses publishers and consumers', async () => {
      const project = await newProject(app);
      const admin = await project.user(['project_admin']);
      const publisher = await project.user(['publisher', 'consumer']);
      const name = unique('sch');
      assert.equal((await admin.client.post(`${base(project)}/schemas/${name}`, { type: 'json', schema: PERSON })).status, 200);
      assert.equal((await admin.client.get(`${base(project)}/schemas`)).status, 200);
      const denied = await publisher.client.get(`${base(project)}/schemas/${name}`);
      assert.deepEqual(denied.body, amsError(403, 'FORBIDDEN', 'Access to this resource is forbidden'));
    });
  });

  describe('update', () => {
    it('changes the document, the type and the name; the old name is gone', async () => {
      const project = await newProject(app);
      const name = await newSchema(project);
      const changed = { ...PERSON, required: ['name'] };
      const first = await app.admin.put(`${base(project)}/schemas/${name}`, { schema: changed });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.schema.required.length, 1);

      const newName = unique('renamed');
      const second = await app.admin.put(`${base(project)}/schemas/${name}`, {
        name: ref(project, newName),
        type: 'AVRO',
        schema: USER_AVRO,
      });
      assert.equal(second.status, 200, second.text);
      assert.deepEqual(second.body, { uuid: first.body.uuid, name: ref(project, newName), type: 'avro', schema: USER_AVRO });
      assert.equal((await app.admin.get(`${base(project)}/schemas/${name}`)).status, 404);
      assert.deepEqual((await app.admin.get(`${base(project)}/schemas/${newName}`)).body, second.body);
      const unchanged = await app.admin.put(`${base(project)}/schemas/${newName}`, {});
      assert.deepEqual(unchanged.body, second.body, '{} changes nothing');
    });

    it('refuses a badly formed name, a taken name, a bad type and an invalid document', async () => {
      const project = await newProject(app);
      const name = await newSchema(project);
      const taken = await newSchema(project);
      const path = `${base(project)}/schemas/${name}`;
      for (const bad of ['x', `projects/${project.name}/topics/x`, `projects/${project.name}/schemas`, `a/b/c/d/e`]) {
        const reply = await app.admin.put(path, { name: bad });
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'wrong schema name declaration'), bad);
      }
      const clash = await app.admin.put(path, { name: ref(project, taken) });
      assert.equal(clash.status, 409);
      assert.deepEqual(clash.body, amsError(409, 'ALREADY_EXISTS', 'Schema already exists'));
      assert.deepEqual((await app.admin.put(path, { type: 'xml' })).body, amsError(400, 'INVALID_ARGUMENT', "Schema type can only be 'json' or 'avro'"));
      assert.deepEqual(
        (await app.admin.put(path, { schema: { properties: 5 } })).body,
        amsError(400, 'INVALID_ARGUMENT', 'schema is invalid: data/properties must be object'),
      );
      assert.deepEqual((await app.admin.put(path, '')).body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Schema Arguments'));
      assert.deepEqual((await app.admin.put(path, { type: 3 })).body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Schema Arguments'));
      const shown = await app.admin.get(path);
      assert.deepEqual(shown.body.schema, PERSON, 'no refused update changed anything');
    });

    it('a new type alone re-checks the stored document against it', async () => {
      const project = await newProject(app);
      const name = await newSchema(project);
      const reply = await app.admin.put(`${base(project)}/schemas/${name}`, { type: 'avro' });
      assert.equal(reply.status, 400);
      assert.equal(reply.body.error.status, 'INVALID_ARGUMENT');
      assert.equal((await app.admin.get(`${base(project)}/schemas/${name}`)).body.type, 'json');
      // and a new document alone is checked against the stored type: an Avro record is no JSON Schema
      const avroDoc = await app.admin.put(`${base(project)}/schemas/${name}`, { schema: USER_AVRO });
      assert.equal(avroDoc.status, 400, avroDoc.text);
      assert.match(avroDoc.body.error.message, /^schema is invalid: data\/type must be equal to one of the allowed values/);
      // while type and document together are checked with each other
      const both = await app.admin.put(`${base(project)}/schemas/${name}`, { type: 'avro', schema: USER_AVRO });
      assert.equal(both.status, 200, both.text);
      assert.equal(both.body.type, 'avro');
    });
  });

  describe(':validate', () => {
    it('JSON: the raw body is the document', async () => {
      const project = await newProject(app);
      const path = `${base(project)}/schemas/${await newSchema(project)}:validate`;
      const ok = await app.admin.post(path, { name: 'n', email: 'e@example.org' });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body, { message: 'Message validated successfully' });

      const one = await app.admin.post(path, { name: 'n' });
      assert.deepEqual(one.body, amsError(400, 'INVALID_ARGUMENT', 'Message 0 data is not valid,(root): email is required'));
      const several = await app.admin.post(path, { name: 'n', telephone: 5 });
      assert.deepEqual(
        several.body,
        amsError(400, 'INVALID_ARGUMENT', 'Message 0 data is not valid.1)(root): email is required.2)telephone: must be string.'),
      );
      for (const body of ['{', '']) {
        const reply = await app.admin.post(path, body);
        assert.equal(reply.status, 400, body);
        assert.match(reply.body.error.message, /^Message 0 data is not valid JSON format,.+/, body);
      }
    });

    it('Avro: {"data": base64 of one binary datum}', async () => {
      const project = await newProject(app);
      const path = `${base(project)}/schemas/${await newSchema(project, 'avro', USER_AVRO)}:validate`;
      const ok = await app.admin.post(path, { data: avroData({ username: 'u', phone: 7 }) });
      assert.deepEqual(ok.body, { message: 'Message validated successfully' });

      const truncated = await app.admin.post(path, { data: Buffer.from([8, 0x41]).toString('base64') });
      assert.deepEqual(truncated.body, amsError(400, 'INVALID_ARGUMENT', 'Message 0 is not valid.truncated buffer'));
      const notBase64 = await app.admin.post(path, { data: 'msg 1' });
      assert.deepEqual(
        notBase64.body,
        amsError(400, 'INVALID_ARGUMENT', 'Message 0 is not in valid base64 enocding,illegal base64 data at input byte 3'),
      );
      for (const body of [{}, { data: '' }]) {
        const reply = await app.admin.post(path, body);
        assert.deepEqual(reply.body, amsError(400, 'INVALID_ARGUMENT', 'Invalid Schema Payload Arguments'), JSON.stringify(body));
      }
      for (const body of ['', '{', JSON.stringify({ data: 5 })]) {
        const reply = await app.admin.post(path, body);
        assert.deepEqual(reply.body, amsError(400, 'BAD_REQUEST', 'Invalid Request Body'), body);
      }
    });
  });

  describe('topics with schemas', () => {
    it('a topic created with a schema shows its full reference; attach and detach change it', async () => {
      const project = await newProject(app);
      const schema = await newSchema(project);
      const other = await newSchema(project, 'avro', USER_AVRO);
      const topic = unique('t');
      const topicPath = `${base(project)}/topics/${topic}`;
      const created = await app.admin.put(topicPath, { schema: ref(project, schema) });
      assert.equal(created.status, 200, created.text);
      assert.deepEqual(Object.keys(created.body), ['name', 'schema', 'created_on']);
      assert.equal(created.body.schema, ref(project, schema));
      assert.deepEqual((await app.admin.get(topicPath)).body, created.body);

      const attached = await app.admin.post(`${topicPath}:attachSchema`, { schema: ref(project, other) });
      assert.equal(attached.status, 200, attached.text);
      assert.equal(attached.text, '', 'empty body');
      assert.equal((await app.admin.get(topicPath)).body.schema, ref(project, other));
      const listed = await app.admin.get(`${base(project)}/topics`);
      assert.deepEqual(
        listed.body.topics.map((t: { schema?: string }) => t.schema),
        [ref(project, other)],
      );

      const detached = await app.admin.post(`${topicPath}:detachSchema`);
      assert.equal(detached.status, 200, detached.text);
      assert.equal(detached.text, '');
      assert.equal('schema' in (await app.admin.get(topicPath)).body, false);
    });

    it(':attachSchema with an empty body or without schema detaches', async () => {
      const project = await newProject(app);
      const schema = await newSchema(project);
      for (const body of [undefined, {}, { schema: '' }]) {
        const { topicPath } = await topicWithSchema(project, schema);
        const reply = await app.admin.post(`${topicPath}:attachSchema`, body);
        assert.equal(reply.status, 200, reply.text);
        assert.equal('schema' in (await app.admin.get(topicPath)).body, false, JSON.stringify(body));
      }
    });

    it(':attachSchema and :detachSchema errors', async () => {
      const project = await newProject(app);
      const schema = await newSchema(project);
      const topic = await project.topic();
      const topicPath = `${base(project)}/topics/${topic}`;
      const wrong = await app.admin.post(`${topicPath}:attachSchema`, { schema: schema });
      assert.deepEqual(wrong.body, amsError(400, 'INVALID_ARGUMENT', 'wrong schema name declaration'));
      const missing = await app.admin.post(`${topicPath}:attachSchema`, { schema: ref(project, 'nope') });
      assert.deepEqual(missing.body, amsError(404, 'NOT_FOUND', "Schema doesn't exist"));
      const badBody = await app.admin.post(`${topicPath}:attachSchema`, '{');
      assert.deepEqual(badBody.body, amsError(400, 'BAD_REQUEST', 'Invalid Request Body'));
      for (const action of ['attachSchema', 'detachSchema']) {
        const reply = await app.admin.post(`${base(project)}/topics/nope:${action}`, { schema: ref(project, schema) });
        assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "Topic doesn't exist"), action);
      }
      assert.equal('schema' in (await app.admin.get(topicPath)).body, false, 'nothing was attached');
    });

    it('a schema of another project cannot be attached: the reference is looked up in the URL project', async () => {
      const project = await newProject(app);
      const other = await newProject(app);
      const schema = await newSchema(other);
      const reply = await app.admin.put(`${base(project)}/topics/${unique('t')}`, { schema: ref(project, schema) });
      assert.deepEqual(reply.body, amsError(404, 'NOT_FOUND', "Schema doesn't exist"));
    });
  });

  describe('publish against a schema', () => {
    it('JSON: a valid batch is stored; one bad message anywhere rejects the whole batch', async () => {
      const project = await newProject(app);
      const { topicPath, subPath } = await topicWithSchema(project, await newSchema(project));
      const good = [jsonData({ name: 'a', email: 'a@example.org' }), jsonData({ name: 'b', email: 'b@example.org' })];
      const published = await app.admin.post(`${topicPath}:publish`, { messages: good.map((data) => ({ data })) });
      assert.deepEqual(published.body, { messageIds: ['0', '1'] });

      const cases: [string[], string][] = [
        [[good[0], jsonData({ name: 'c' })], 'Message 1 data is not valid,(root): email is required'],
        [['msg 1', good[0]], 'Message 0 is not in valid base64 enocding,illegal base64 data at input byte 3'],
        [[good[0], good[1], Buffer.from('{"name":').toString('base64')], 'Message 2 data is not valid JSON format,'],
      ];
      for (const [batch, message] of cases) {
        const reply = await app.admin.post(`${topicPath}:publish`, { messages: batch.map((data) => ({ data })) });
        assert.equal(reply.status, 400, reply.text);
        assert.equal(reply.body.error.status, 'INVALID_ARGUMENT');
        assert.ok(reply.body.error.message.startsWith(message), reply.body.error.message);
      }
      assert.deepEqual((await app.admin.get(`${subPath}:offsets`)).body, { max: 2, min: 0, current: 0 }, 'nothing more stored');
      assert.deepEqual(await pulledData(subPath), good);
    });

    it('Avro: a valid batch is stored; a bad datum rejects the batch', async () => {
      const project = await newProject(app);
      const { topicPath, subPath } = await topicWithSchema(project, await newSchema(project, 'avro', USER_AVRO));
      const good = avroData({ username: 'bob', phone: 12 });
      const published = await app.admin.post(`${topicPath}:publish`, { messages: [{ data: good }] });
      assert.deepEqual(published.body, { messageIds: ['0'] });
      const bad = await app.admin.post(`${topicPath}:publish`, {
        messages: [{ data: good }, { data: Buffer.concat([Buffer.from(good, 'base64'), Buffer.from([0])]).toString('base64') }],
      });
      assert.deepEqual(bad.body, amsError(400, 'INVALID_ARGUMENT', 'Message 1 is not valid.trailing data: 1 bytes'));
      assert.deepEqual((await app.admin.get(`${subPath}:offsets`)).body, { max: 1, min: 0, current: 0 });
      assert.deepEqual(await pulledData(subPath), [good]);
    });

    it('an updated schema applies to the next publish; a renamed one stays attached; a deleted one detaches', async () => {
      const project = await newProject(app);
      const schema = await newSchema(project);
      const { topicPath } = await topicWithSchema(project, schema);
      const onlyName = jsonData({ name: 'a' });
      assert.equal((await app.admin.post(`${topicPath}:publish`, { messages: [{ data: onlyName }] })).status, 400);

      const renamed = unique('renamed');
      const updated = await app.admin.put(`${base(project)}/schemas/${schema}`, {
        name: ref(project, renamed),
        schema: { ...PERSON, required: ['name'] },
      });
      assert.equal(updated.status, 200, updated.text);
      assert.equal((await app.admin.get(topicPath)).body.schema, ref(project, renamed), 'the topic follows the rename');
      const now = await app.admin.post(`${topicPath}:publish`, { messages: [{ data: onlyName }] });
      assert.deepEqual(now.body, { messageIds: ['0'] });
      const typed = await app.admin.post(`${topicPath}:publish`, { messages: [{ data: jsonData({ name: 5 }) }] });
      assert.deepEqual(typed.body, amsError(400, 'INVALID_ARGUMENT', 'Message 0 data is not valid,name: must be string'));

      const deleted = await app.admin.delete(`${base(project)}/schemas/${renamed}`);
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal(deleted.text, '');
      assert.equal('schema' in (await app.admin.get(topicPath)).body, false, 'the topic lost its schema');
      const free = await app.admin.post(`${topicPath}:publish`, { messages: [{ data: 'msg 1' }] });
      assert.deepEqual(free.body, { messageIds: ['1'] }, 'no validation any more');
    });

    it("deleting the project removes its schemas", async () => {
      const project = await newProject(app);
      const schema = await newSchema(project);
      assert.equal((await app.admin.delete(base(project))).status, 200);
      const again = await app.admin.post(base(project), { description: 're-created' });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual((await app.admin.get(`${base(project)}/schemas`)).body, { schemas: [] });
      assert.equal((await app.admin.get(`${base(project)}/schemas/${schema}`)).status, 404);
    });
  });
});
