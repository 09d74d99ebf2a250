import type { SchemaRecord, UpdateOutcome } from './records.js';

export const SCHEMAS = Symbol('SchemaStore');

export type SchemaPatch = Partial<Pick<SchemaRecord, 'name' | 'type' | 'document'>>;

/** Message schemas of a project (spec 1.7, 3.7). */
export interface SchemaStore {
  /** False when the project already has a schema of that name. */
  createSchema(schema: SchemaRecord): Promise<boolean>;
  schemaByUuid(uuid: string): Promise<SchemaRecord | null>;
  schemaByName(projectUuid: string, name: string): Promise<SchemaRecord | null>;
  /** The project's schemas in creation order (not paginated, spec 1.7). */
  listSchemas(projectUuid: string): Promise<SchemaRecord[]>;
  /** A rename onto a name the project already uses is 'name-taken' and changes nothing. */
  updateSchema(uuid: string, patch: SchemaPatch): Promise<UpdateOutcome<SchemaRecord>>;
  /** Removes the schema and detaches it from every topic that uses it (spec 3.7). */
  deleteSchema(uuid: string): Promise<boolean>;
}
