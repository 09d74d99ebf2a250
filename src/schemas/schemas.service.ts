import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AmsError } from '../common/ams-error.js';
import { decodeBody, InvalidJson } from '../common/json-body.js';
import { isValidName, parseSchemaRef, schemaRef } from '../common/names.js';
import { type SchemaPatch, SCHEMAS, type SchemaStore } from '../storage/ports/schema-store.repository.js';
import type { ProjectRecord, SchemaRecord } from '../storage/ports/records.js';
import { CompiledSchemaCache } from './compiled-schema-cache.js';
import {
  AvroPayloadDto,
  type CreateSchemaDto,
  type SchemaDto,
  type SchemaListDto,
  UpdateSchemaDto,
  type ValidationResultDto,
} from './dto/schema.dto.js';
import {
  type CompiledSchema,
  checkMessageData,
  firstInvalidMessage,
  invalidJsonMessage,
  JsonSchemaValidator,
  parseSchemaType,
  SchemaCompileError,
  type SchemaDocument,
  type SchemaType,
} from './schema-validation.js';

const VALIDATED: ValidationResultDto = { message: 'Message validated successfully' };

/** Schemas of a project (spec 3.7) and the validation of messages against them (spec 4.7). */
@Injectable()
export class SchemasService {
  constructor(
    @Inject(SCHEMAS) private readonly schemaStore: SchemaStore,
    private readonly compiled: CompiledSchemaCache,
  ) {}

  async list(project: ProjectRecord): Promise<SchemaListDto> {
    return { schemas: (await this.schemaStore.listSchemas(project.uuid)).map((s) => view(project, s)) };
  }

  async show(project: ProjectRecord, name: string): Promise<SchemaDto> {
    return view(project, await this.existing(project, name));
  }

  /** Spec 3.7, in its order: parse (the pipe) -> name taken -> type -> the document compiles. */
  async create(project: ProjectRecord, name: string, body: CreateSchemaDto): Promise<SchemaDto> {
    if ((await this.schemaStore.schemaByName(project.uuid, name)) !== null) throw AmsError.alreadyExists('Schema');
    const type = requireType(body.type);
    if (body.schema === undefined) throw AmsError.invalid('Invalid Schema Arguments');
    this.compileOrReject(type, body.schema);
    const record: SchemaRecord = { uuid: randomUUID(), projectUuid: project.uuid, name, type, document: body.schema };
    if (!(await this.schemaStore.createSchema(record))) throw AmsError.alreadyExists('Schema');
    return view(project, record);
  }

  /**
   * Any of name, type and document. A new document is checked against the new type, or the stored one; a new type
   * alone re-checks the stored document. A rename onto a taken name is a 409.
   */
  async update(project: ProjectRecord, name: string, raw: unknown): Promise<SchemaDto> {
    const current = await this.existing(project, name);
    const body = decodeBody(raw, UpdateSchemaDto);
    const patch: { -readonly [K in keyof SchemaPatch]: SchemaPatch[K] } = {};
    if (body.name !== undefined && body.name !== '') patch.name = renameTarget(project, body.name);
    if (body.type !== undefined && body.type !== '') patch.type = requireType(body.type);
    if (body.schema !== undefined) patch.document = body.schema;
    if (patch.type !== undefined || patch.document !== undefined) {
      this.compileOrReject(patch.type ?? current.type, patch.document ?? current.document);
    }
    if (Object.keys(patch).length === 0) return view(project, current);
    const outcome = await this.schemaStore.updateSchema(current.uuid, patch);
    if (outcome === 'name-taken') throw AmsError.alreadyExists('Schema');
    if (outcome === 'missing') throw AmsError.notFound('Schema');
    return view(project, outcome);
  }

  /** The schema goes, and every topic using it loses it (the store detaches them). */
  async delete(project: ProjectRecord, name: string): Promise<void> {
    const schema = await this.existing(project, name);
    if (!(await this.schemaStore.deleteSchema(schema.uuid))) throw AmsError.notFound('Schema');
  }

  /**
   * `:validate` (spec 3.7): for a JSON schema the raw body is the document itself; for Avro it is
   * `{"data":"<base64>"}`. The message is checked as message 0 of a publish would be.
   */
  async validate(project: ProjectRecord, name: string, raw: unknown): Promise<ValidationResultDto> {
    const schema = await this.existing(project, name);
    const compiled = this.compiledOf(schema);
    const error =
      compiled instanceof JsonSchemaValidator ? checkRawDocument(compiled, raw) : checkAvroPayload(compiled, raw);
    if (error !== null) throw AmsError.invalid(error);
    return VALIDATED;
  }

  // ---- for topics -------------------------------------------------------------------------------------------------

  /** The schema a topic body names (`projects/P/schemas/S`), looked up in the URL project (spec 3.5). */
  async byReference(project: ProjectRecord, ref: string): Promise<SchemaRecord> {
    const parsed = parseSchemaRef(ref);
    if (parsed === null) throw AmsError.invalid('wrong schema name declaration');
    return this.existing(project, parsed.schema);
  }

  /** Full references (`projects/P/schemas/S`) of the given schema uuids; uuids of no schema are left out. */
  async referencesOf(project: ProjectRecord, uuids: readonly (string | null)[]): Promise<Map<string, string>> {
    const wanted = new Set(uuids.filter((u): u is string => u !== null));
    const refs = new Map<string, string>();
    if (wanted.size === 0) return refs;
    const found =
      wanted.size === 1
        ? [await this.schemaStore.schemaByUuid([...wanted][0])].filter((s): s is SchemaRecord => s !== null)
        : await this.schemaStore.listSchemas(project.uuid);
    for (const schema of found) if (wanted.has(schema.uuid)) refs.set(schema.uuid, schemaRef(project.name, schema.name));
    return refs;
  }

  /**
   * Publish (spec 4.1): every message's `data` is checked before anything is stored; the first failure is a 400.
   * The schema is read on every publish (a point lookup) and its compiled validator found by content, so an update on
   * any replica applies at once.
   */
  async checkPublish(schemaUuid: string, data: readonly string[]): Promise<void> {
    const schema = await this.schemaStore.schemaByUuid(schemaUuid);
    if (schema === null) throw AmsError.internal('Could not load schema for topic');
    const error = firstInvalidMessage(this.compiledOf(schema), data);
    if (error !== null) throw AmsError.invalid(error);
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------

  private async existing(project: ProjectRecord, name: string): Promise<SchemaRecord> {
    const schema = await this.schemaStore.schemaByName(project.uuid, name);
    if (schema === null) throw AmsError.notFound('Schema');
    return schema;
  }

  /** A document a client sent: compiler errors are the client's (400 with the library's message). */
  private compileOrReject(type: SchemaType, document: SchemaDocument): void {
    try {
      this.compiled.get(type, document);
    } catch (err) {
      if (err instanceof SchemaCompileError) throw AmsError.invalid(err.message);
      throw err;
    }
  }

  /** A stored document: it compiled when it was written, so a failure now is the service's (500). */
  private compiledOf(schema: SchemaRecord): CompiledSchema {
    try {
      return this.compiled.get(schema.type, schema.document);
    } catch (err) {
      if (err instanceof SchemaCompileError) throw AmsError.internal('Could not load schema for topic');
      throw err;
    }
  }
}

function view(project: ProjectRecord, schema: SchemaRecord): SchemaDto {
  return { uuid: schema.uuid, name: schemaRef(project.name, schema.name), type: schema.type, schema: { ...schema.document } };
}

function requireType(raw: string | undefined): SchemaType {
  const type = parseSchemaType(raw);
  if (type === null) throw AmsError.invalid("Schema type can only be 'json' or 'avro'");
  return type;
}

/**
 * The short name of `projects/P/schemas/NEW`; it must be usable in a path like any schema name, and P must be the URL
 * project: a schema never moves between projects, and a name that says otherwise is refused, not silently re-read.
 */
function renameTarget(project: ProjectRecord, ref: string): string {
  const parsed = parseSchemaRef(ref);
  if (parsed === null || parsed.project !== project.name) throw AmsError.invalid('wrong schema name declaration');
  if (!isValidName(parsed.schema)) throw AmsError.invalid('Invalid schema name');
  return parsed.schema;
}

/** A JSON schema's `:validate`: the body as sent is the message; an unparsable or empty body is not JSON. */
function checkRawDocument(compiled: JsonSchemaValidator, raw: unknown): string | null {
  if (raw instanceof InvalidJson) return invalidJsonMessage(0, raw.reason);
  if (raw === undefined) return invalidJsonMessage(0, 'Unexpected end of JSON input');
  return compiled.checkDocument(raw, 0);
}

/** An Avro schema's `:validate`: `{"data": "<base64 datum>"}`. */
function checkAvroPayload(compiled: CompiledSchema, raw: unknown): string | null {
  const body = decodeBody(raw, AvroPayloadDto);
  if (body.data === undefined || body.data === '') throw AmsError.invalid('Invalid Schema Payload Arguments');
  return checkMessageData(compiled, body.data, 0);
}
