import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { SchemaRecord } from '../../src/storage/ports/records.js';
import type { OpenHarness } from './harness.js';
import { AVRO_DOCUMENT, name, schema, type Stores, useStores } from './store-fixtures.js';

/** The SchemaStore port's promises (src/storage/ports/schema-store.repository.ts), for any backend. */
export function schemaStoreContract(backend: string, open: OpenHarness<Stores>): void {
  describe(`SchemaStore contract (${backend})`, () => {
    const { store, newProject, newTopic } = useStores(open);

    describe('schemas', () => {
      async function newSchema(projectUuid: string, overrides: Partial<SchemaRecord> = {}): Promise<SchemaRecord> {
        const created = schema(projectUuid, overrides);
        assert.equal(await store.schemas.createSchema(created), true);
        return created;
      }

      it('creates a schema and finds it by uuid and by name, document intact; names are unique per project', async () => {
        const p = await newProject();
        const q = await newProject();
        const s = await newSchema(p.uuid);
        const avro = await newSchema(p.uuid, { type: 'avro', document: AVRO_DOCUMENT });
        assert.deepEqual(await store.schemas.schemaByUuid(s.uuid), s);
        assert.deepEqual(await store.schemas.schemaByName(p.uuid, s.name), s);
        const foundAvro = await store.schemas.schemaByUuid(avro.uuid);
        assert.deepEqual(foundAvro, avro);
        assert.deepEqual(Object.keys((foundAvro?.document.fields as object[])[0]), ['name', 'type'], 'key order kept');
        assert.equal(await store.schemas.createSchema(schema(p.uuid, { name: s.name })), false);
        assert.deepEqual(await store.schemas.schemaByName(p.uuid, s.name), s, 'the refused create changed nothing');
        assert.equal(await store.schemas.createSchema(schema(q.uuid, { name: s.name })), true, 'same name in another project');
        assert.equal(await store.schemas.schemaByName(p.uuid, name('missing')), null);
        assert.equal(await store.schemas.schemaByName(q.uuid, avro.name), null);
        assert.equal(await store.schemas.schemaByUuid(randomUUID()), null);
      });

      it("lists a project's schemas in creation order, and no other project's", async () => {
        const p = await newProject();
        const other = await newProject();
        const created = [await newSchema(p.uuid), await newSchema(p.uuid, { type: 'avro', document: AVRO_DOCUMENT })];
        await newSchema(other.uuid);
        created.push(await newSchema(p.uuid));
        assert.deepEqual(await store.schemas.listSchemas(p.uuid), created);
        assert.deepEqual(await store.schemas.listSchemas(randomUUID()), []);
      });

      it('updates type and document, and renames; the old name is free afterwards', async () => {
        const p = await newProject();
        const s = await newSchema(p.uuid);
        const changed = await store.schemas.updateSchema(s.uuid, { type: 'avro', document: AVRO_DOCUMENT });
        assert.deepEqual(changed, { ...s, type: 'avro', document: AVRO_DOCUMENT });
        const newName = name('renamed');
        const renamed = await store.schemas.updateSchema(s.uuid, { name: newName });
        assert.deepEqual(renamed, { ...s, name: newName, type: 'avro', document: AVRO_DOCUMENT });
        assert.equal(await store.schemas.schemaByName(p.uuid, s.name), null);
        assert.deepEqual(await store.schemas.schemaByName(p.uuid, newName), renamed);
        assert.equal(await store.schemas.createSchema(schema(p.uuid, { name: s.name })), true);
        assert.equal(await store.schemas.updateSchema(randomUUID(), { name: name('x') }), 'missing');
      });

      it("a rename onto a name the project uses is 'name-taken' and changes nothing; other projects' names are free", async () => {
        const p = await newProject();
        const q = await newProject();
        const a = await newSchema(p.uuid);
        const b = await newSchema(p.uuid);
        const elsewhere = await newSchema(q.uuid);
        assert.equal(await store.schemas.updateSchema(a.uuid, { name: b.name, type: 'avro', document: AVRO_DOCUMENT }), 'name-taken');
        assert.deepEqual(await store.schemas.schemaByUuid(a.uuid), a);
        assert.deepEqual(await store.schemas.updateSchema(a.uuid, { name: elsewhere.name }), { ...a, name: elsewhere.name });
      });

      it('deletes a schema once and detaches it from every topic using it, and only it', async () => {
        const p = await newProject();
        const doomed = await newSchema(p.uuid);
        const kept = await newSchema(p.uuid);
        const users = [await newTopic(p.uuid, { schemaUuid: doomed.uuid }), await newTopic(p.uuid, { schemaUuid: doomed.uuid })];
        const other = await newTopic(p.uuid, { schemaUuid: kept.uuid });
        assert.equal(await store.schemas.deleteSchema(doomed.uuid), true);
        assert.equal(await store.schemas.schemaByUuid(doomed.uuid), null);
        assert.equal(await store.schemas.schemaByName(p.uuid, doomed.name), null);
        for (const t of users) assert.deepEqual(await store.topics.topic(p.uuid, t.name), { ...t, schemaUuid: null });
        assert.deepEqual(await store.topics.topic(p.uuid, other.name), other);
        assert.deepEqual(await store.schemas.schemaByUuid(kept.uuid), kept);
        assert.equal(await store.schemas.deleteSchema(doomed.uuid), false);
      });

      it("deleting a project removes its schemas and nothing of other projects'", async () => {
        const doomed = await newProject();
        const kept = await newProject();
        const shared = name('sch');
        const gone = await newSchema(doomed.uuid, { name: shared });
        const stays = await newSchema(kept.uuid, { name: shared });
        assert.equal(await store.projects.deleteProject(doomed.uuid), true);
        assert.equal(await store.schemas.schemaByUuid(gone.uuid), null);
        assert.deepEqual(await store.schemas.listSchemas(doomed.uuid), []);
        assert.deepEqual(await store.schemas.schemaByName(kept.uuid, shared), stays);
      });
    });
  });
}
