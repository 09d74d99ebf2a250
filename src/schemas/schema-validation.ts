/**
 * Message validation against a project's schemas (spec 4.7), as pure functions: compile a schema document, decode a
 * message's `data`, check it, and word the first failure the way the original service does. The message prefixes are
 * normative (typo `enocding` included); the details after them are the libraries' own (spec 7.2, 8.6).
 */
import { createRequire } from 'node:module';
import AjvModule, { type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import avro from 'avsc';
import { RE2JS } from 're2js';
import { deeperThan, tooDeepDetail } from './nesting.js';

// The three are CommonJS modules whose `default` is the export itself; NodeNext types the default import as the module.
const Ajv = AjvModule.default;
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;
const DRAFT_06_META = createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json') as AnySchemaObject;

export const SCHEMA_TYPES = ['json', 'avro'] as const;
export type SchemaType = (typeof SCHEMA_TYPES)[number];

/** A schema document as stored: a JSON object. */
export type SchemaDocument = Readonly<Record<string, unknown>>;

/** `type` of a schema body, in any case (spec 3.7); null when it is neither json nor avro. */
export function parseSchemaType(raw: string | undefined): SchemaType | null {
  const lower = (raw ?? '').toLowerCase();
  return (SCHEMA_TYPES as readonly string[]).includes(lower) ? (lower as SchemaType) : null;
}

/** A schema document the schema library refused; `message` is the library's, shown to the client as is. */
export class SchemaCompileError extends Error {
  override readonly name = 'SchemaCompileError';
}

/** A compiled schema. `check*` answer null when the message conforms, else the full client-facing message. */
export interface CompiledSchema {
  readonly type: SchemaType;
  /** `payload`: the base64-decoded `data` of message number `index` of a request. */
  checkPayload(payload: Buffer, index: number): string | null;
}

// ---- base64 (Go's base64.StdEncoding) --------------------------------------------------------------------------------

const BASE64_CHAR = /[A-Za-z0-9+/]/;

/**
 * Decodes standard-alphabet base64 with the padding required, ignoring `\r` and `\n` as Go's decoder does; Node's own
 * decoder accepts nearly anything, so the text is checked first. The detail names the first bad position as Go does.
 */
export function decodeBase64(text: string): { bytes: Buffer } | { error: string } {
  const clean = text.replace(/[\r\n]/g, '');
  const corrupt = (at: number): { error: string } => ({ error: `illegal base64 data at input byte ${at}` });
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const body = clean.length - padding;
  for (let i = 0; i < body; i++) {
    if (!BASE64_CHAR.test(clean[i])) return corrupt(i);
  }
  if (clean.length % 4 !== 0) return corrupt(clean.length - (clean.length % 4));
  // Padding may only fill the last two positions of the last quantum: "xx==" or "xxx=".
  if (padding > 0 && body % 4 < 2) return corrupt(body);
  return { bytes: Buffer.from(clean, 'base64') };
}

// ---- JSON Schema (drafts 4 to 7) -------------------------------------------------------------------------------------

/** The detail of a refused pattern; says why a valid JavaScript pattern can be refused. */
export const unsupportedPatternMessage = (pattern: string, reason: string): string =>
  `Unsupported pattern ${JSON.stringify(pattern)}: ${reason.replace(/^error parsing regexp: /, '')} ` +
  '(patterns run on a linear-time engine: no backreferences or lookaround)';

/**
 * ajv's `code.regExp`: every pattern of a user's schema (`pattern`, `patternProperties`, and `pattern` inside
 * `propertyNames`) compiles on re2js, a pure-JavaScript port of RE2 whose matching time is linear in the input, so no
 * pattern can stall the event loop (spec 8.12). Pure JavaScript because the native `re2` package must compile from
 * source (a C++ toolchain in every image) and a wasm port adds an async loader for no gain at these sizes. RE2 has no
 * backreferences or lookaround: such a pattern fails to compile and the schema is refused (400), never run on the
 * backtracking engine. ajv's own format checks are fixed patterns and keep RegExp; `$data` patterns are not enabled.
 */
const linearRegExp = Object.assign(
  (pattern: string): { test(input: string): boolean } => {
    try {
      return RE2JS.compile(pattern);
    } catch (err) {
      throw new SchemaCompileError(unsupportedPatternMessage(pattern, (err as Error).message));
    }
  },
  // What ajv's standalone code generation would emit; we compile in process only.
  { code: 'require("re2js").RE2JS.compile' },
);

/** Options shared by every draft: all violations (the original lists them all), unknown keywords ignored as gojsonschema does. */
const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: true, code: { regExp: linearRegExp } } as const;

/** A validator for the schema's draft, chosen by `$schema` (draft-07, ajv's default, when absent). */
function ajvFor(document: SchemaDocument): InstanceType<typeof Ajv> | InstanceType<typeof AjvDraft04> {
  const declared = typeof document.$schema === 'string' ? document.$schema : '';
  // A fresh instance per schema: ajv refuses a second schema with an `$id` it already holds, and each document is
  // compiled once anyway (CompiledSchemaCache).
  if (/\/draft-04\/schema#?$/.test(declared)) {
    const ajv = new AjvDraft04(AJV_OPTIONS);
    addFormats(ajv);
    return ajv;
  }
  const ajv = new Ajv(AJV_OPTIONS);
  if (/\/draft-06\/schema#?$/.test(declared)) ajv.addMetaSchema(DRAFT_06_META);
  addFormats(ajv);
  return ajv;
}

/** `telephone: must be string`, `(root): email is required`: gojsonschema's field notation, ajv's wording. */
export function describeViolation(error: ErrorObject): string {
  const field =
    error.instancePath === ''
      ? '(root)'
      : error.instancePath
          .slice(1)
          .split('/')
          .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
          .join('.');
  if (error.keyword === 'required') return `${field}: ${String(error.params.missingProperty)} is required`;
  return `${field}: ${error.message ?? error.keyword}`;
}

/** One violation: `data is not valid,<v>`; several: `data is not valid.1)<v1>.2)<v2>.` (spec 4.7). */
export function violationsMessage(index: number, violations: readonly string[]): string {
  if (violations.length === 1) return `Message ${index} data is not valid,${violations[0]}`;
  return `Message ${index} data is not valid.${violations.map((v, i) => `${i + 1})${v}.`).join('')}`;
}

export const invalidJsonMessage = (index: number, detail: string): string =>
  `Message ${index} data is not valid JSON format,${detail}`;

export class JsonSchemaValidator implements CompiledSchema {
  readonly type = 'json';

  private constructor(
    private readonly validateFn: ValidateFunction,
    private readonly maxDepth: number,
  ) {}

  static compile(document: SchemaDocument, maxDepth: number): JsonSchemaValidator {
    refuseDeepDocument(document, maxDepth);
    try {
      return new JsonSchemaValidator(ajvFor(document).compile(document as AnySchemaObject), maxDepth);
    } catch (err) {
      throw new SchemaCompileError((err as Error).message);
    }
  }

  checkPayload(payload: Buffer, index: number): string | null {
    let document: unknown;
    try {
      document = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      return invalidJsonMessage(index, (err as Error).message);
    }
    return this.checkDocument(document, index);
  }

  /** An already parsed document (`:validate` takes the raw body as the document). */
  checkDocument(document: unknown, index: number): string | null {
    // ajv recurses along the data (a `$ref: "#"` schema follows it to any depth): bound it first.
    if (deeperThan(document, this.maxDepth)) return violationsMessage(index, [`(root): ${tooDeepDetail(this.maxDepth)}`]);
    if (this.validateFn(document)) return null;
    return violationsMessage(index, (this.validateFn.errors ?? []).map(describeViolation));
  }
}

// ---- Avro ------------------------------------------------------------------------------------------------------------

export class AvroValidator implements CompiledSchema {
  readonly type = 'avro';

  private constructor(
    private readonly avroType: avro.Type,
    private readonly maxDepth: number,
  ) {}

  static compile(document: SchemaDocument, maxDepth: number): AvroValidator {
    refuseDeepDocument(document, maxDepth);
    try {
      return new AvroValidator(avro.Type.forSchema(document as avro.Schema), maxDepth);
    } catch (err) {
      throw new SchemaCompileError((err as Error).message);
    }
  }

  /** One binary-encoded datum, no container header; every byte must belong to it. */
  checkPayload(payload: Buffer, index: number): string | null {
    const invalid = (detail: string): string => `Message ${index} is not valid.${detail}`;
    try {
      const decoded = this.avroType.decode(payload, 0);
      if (decoded.offset < 0) return invalid('truncated buffer');
      if (decoded.offset < payload.length) return invalid(`trailing data: ${payload.length - decoded.offset} bytes`);
      if (deeperThan(decoded.value, this.maxDepth)) return invalid(tooDeepDetail(this.maxDepth));
      // The binary decoder trusts what it reads (an enum index past the symbols, a negative length): re-check the value.
      const problems: string[] = [];
      const valid = this.avroType.isValid(decoded.value, {
        errorHook: (path) => problems.push(path.length === 0 ? 'value' : path.join('.')),
      });
      return valid ? null : invalid(`invalid value at ${problems.join(', ')}`);
    } catch (err) {
      // avsc decodes a recursive record by recursion: a datum deep enough to exhaust the stack is past any limit.
      if (err instanceof RangeError && /call stack/i.test(err.message)) return invalid(tooDeepDetail(this.maxDepth));
      return invalid((err as Error).message);
    }
  }
}

/** Schema compilers (and canonicalJson) recurse along the document: a deep one is refused before they see it. */
export function refuseDeepDocument(document: unknown, maxDepth: number): void {
  if (deeperThan(document, maxDepth)) throw new SchemaCompileError(`Schema document is ${tooDeepDetail(maxDepth)}`);
}

/** Compiles a schema document of the given type; throws SchemaCompileError with the library's message. */
export function compileSchema(type: SchemaType, document: SchemaDocument, maxDepth: number): CompiledSchema {
  return type === 'json' ? JsonSchemaValidator.compile(document, maxDepth) : AvroValidator.compile(document, maxDepth);
}

/**
 * The error of message number `index` (its `data` as published) against a compiled schema, or null when it conforms:
 * base64 first, then the schema's own check (spec 4.7).
 */
export function checkMessageData(schema: CompiledSchema, data: string, index: number): string | null {
  const decoded = decodeBase64(data);
  if ('error' in decoded) return `Message ${index} is not in valid base64 enocding,${decoded.error}`;
  return schema.checkPayload(decoded.bytes, index);
}

/** The first failing message of a batch, in request order, or null when all conform. */
export function firstInvalidMessage(schema: CompiledSchema, data: readonly string[]): string | null {
  for (let i = 0; i < data.length; i++) {
    const error = checkMessageData(schema, data[i], i);
    if (error !== null) return error;
  }
  return null;
}
