import { Injectable } from '@nestjs/common';
import type { SchemaRecord, UpdateOutcome } from '../ports/records.js';
import type { SchemaPatch, SchemaStore } from '../ports/schema-store.repository.js';
import { inCreationOrder, insert, one, schemaFrom, setOf, update } from './mongo-docs.js';
import { run } from './mongo-errors.js';
import { MongoModels } from './mongo-models.js';

/** Schemas keep their document as JSON text: JSON Schema keys ($schema, dotted names) are not MongoDB field names. */
@Injectable()
export class MongoSchemaStore implements SchemaStore {
  constructor(private readonly m: MongoModels) {}

  createSchema(s: SchemaRecord): Promise<boolean> {
    return insert(this.m.schemas, { ...s, document: JSON.stringify(s.document) });
  }

  schemaByUuid(uuid: string): Promise<SchemaRecord | null> {
    return one(this.m.schemas, { uuid }, schemaFrom);
  }

  schemaByName(projectUuid: string, name: string): Promise<SchemaRecord | null> {
    return one(this.m.schemas, { projectUuid, name }, schemaFrom);
  }

  listSchemas(projectUuid: string): Promise<SchemaRecord[]> {
    return inCreationOrder(this.m.schemas, { projectUuid }, schemaFrom);
  }

  updateSchema(uuid: string, patch: SchemaPatch): Promise<UpdateOutcome<SchemaRecord>> {
    const set = setOf(patch);
    if (patch.document !== undefined) set.document = JSON.stringify(patch.document);
    return update(this.m.schemas, { uuid }, set, schemaFrom);
  }

  /**
   * Topics first, then the schema: an interrupted delete leaves the schema in place (deleting again finishes), never a
   * topic pointing at nothing. The second pass detaches topics that attached the schema while it was being deleted.
   */
  deleteSchema(uuid: string): Promise<boolean> {
    return run(async () => {
      await this.m.topics.updateMany({ schemaUuid: uuid }, { $set: { schemaUuid: null } });
      const deleted = (await this.m.schemas.deleteOne({ uuid })).deletedCount === 1;
      await this.m.topics.updateMany({ schemaUuid: uuid }, { $set: { schemaUuid: null } });
      return deleted;
    });
  }
}
