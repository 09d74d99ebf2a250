import { Injectable } from '@nestjs/common';
import type { SchemaRecord, UpdateOutcome } from '../ports/records.js';
import type { SchemaPatch, SchemaStore } from '../ports/schema-store.repository.js';
import { SqliteAdapter } from './sqlite-adapter.js';
import { SCHEMA_COLUMNS, schemaFrom } from './sqlite-rows.js';

@Injectable()
export class SqliteSchemaStore extends SqliteAdapter implements SchemaStore {
  async createSchema(s: SchemaRecord): Promise<boolean> {
    return this.insertUnique('INSERT INTO schemas (uuid, project_uuid, name, type, document) VALUES (?, ?, ?, ?, ?)', [
      s.uuid,
      s.projectUuid,
      s.name,
      s.type,
      JSON.stringify(s.document),
    ]);
  }

  async schemaByUuid(uuid: string): Promise<SchemaRecord | null> {
    return this.one('SELECT * FROM schemas WHERE uuid = ?', [uuid], schemaFrom);
  }

  async schemaByName(projectUuid: string, name: string): Promise<SchemaRecord | null> {
    return this.one('SELECT * FROM schemas WHERE project_uuid = ? AND name = ?', [projectUuid, name], schemaFrom);
  }

  async listSchemas(projectUuid: string): Promise<SchemaRecord[]> {
    return this.all('SELECT * FROM schemas WHERE project_uuid = ? ORDER BY seq', [projectUuid], schemaFrom);
  }

  async updateSchema(uuid: string, patch: SchemaPatch): Promise<UpdateOutcome<SchemaRecord>> {
    return this.updateRow('schemas', 'uuid = ?', [uuid], patch, SCHEMA_COLUMNS, schemaFrom);
  }

  async deleteSchema(uuid: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.sql('UPDATE topics SET schema_uuid = NULL WHERE schema_uuid = ?').run(uuid);
      return this.sql('DELETE FROM schemas WHERE uuid = ?').run(uuid).changes === 1;
    })();
  }
}
