import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { canonicalJson, CompiledSchemaCache, schemaContentKey } from '../../src/schemas/compiled-schema-cache.js';
import {
  checkMessageData,
  compileSchema,
  decodeBase64,
  firstInvalidMessage,
  parseSchemaType,
  SchemaCompileError,
  violationsMessage,
} from '../../src/schemas/schema-validation.js';

const DEPTH = 64;

/** Schema validation (spec 4.7): base64, JSON Schema drafts 4-7, Avro binary datums, message wording, the cache. */

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');

const PERSON = {
  type: 'object',
  properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' }, telephone: { type: 'string' } },
  required: ['name', 'email'],
};

const USER_AVRO = {
  type: 'record',
  name: 'User',
  namespace: 'user.avro',
  fields: [
    { name: 'username', type: 'string' },
    { name: 'phone', type: 'int' },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
  ],
};
const userType = avro.Type.forSchema(USER_AVRO as avro.Schema);
const userDatum = userType.toBuffer({ username: 'bob', phone: 12, kind: 'B' });

describe('schema type (spec 3.7)', () => {
  it('accepts json and avro in any case and nothing else', () => {
    assert.equal(parseSchemaType('json'), 'json');
    assert.equal(parseSchemaType('AVRO'), 'avro');
    assert.equal(parseSchemaType('Json'), 'json');
    for (const bad of [undefined, '', 'xml', 'json ', 'protobuf']) assert.equal(parseSchemaType(bad), null, String(bad));
  });
});

describe('base64 as Go StdEncoding decodes it (spec 4.7)', () => {
  it('decodes padded standard base64 and ignores CR and LF', () => {
    assert.deepEqual(decodeBase64('aGVsbG8='), { bytes: Buffer.from('hello') });
    assert.deepEqual(decodeBase64('aGVs\r\nbG8='), { bytes: Buffer.from('hello') });
    assert.deepEqual(decodeBase64('aGk='), { bytes: Buffer.from('hi') });
    assert.deepEqual(decodeBase64('aA=='), { bytes: Buffer.from('h') });
    assert.deepEqual(decodeBase64(''), { bytes: Buffer.alloc(0) });
  });

  it('refuses missing padding, other alphabets, spaces and misplaced padding, naming the byte', () => {
    assert.deepEqual(decodeBase64('aGVsbG8'), { error: 'illegal base64 data at input byte 4' });
    assert.deepEqual(decodeBase64('msg 1'), { error: 'illegal base64 data at input byte 3' });
    assert.deepEqual(decodeBase64('a-_b'), { error: 'illegal base64 data at input byte 1' });
    assert.deepEqual(decodeBase64('a==='), { error: 'illegal base64 data at input byte 1' });
    assert.deepEqual(decodeBase64('aG=k'), { error: 'illegal base64 data at input byte 2' });
    assert.deepEqual(decodeBase64('aGk=aGk='), { error: 'illegal base64 data at input byte 3' });
  });
});

describe('JSON Schema validation', () => {
  const person = compileSchema('json', PERSON, DEPTH);

  it('passes a conforming message', () => {
    assert.equal(checkMessageData(person, b64({ name: 'a', email: 'a@example.org' }), 0), null);
  });

  it('words base64, JSON and schema failures with the original prefixes and the message index', () => {
    assert.equal(
      checkMessageData(person, 'aGVsbG8', 3),
      'Message 3 is not in valid base64 enocding,illegal base64 data at input byte 4',
    );
    assert.match(checkMessageData(person, b64('not json'), 2) ?? '', /^Message 2 data is not valid JSON format,.+/);
    assert.equal(checkMessageData(person, b64({ name: 'a' }), 1), 'Message 1 data is not valid,(root): email is required');
    assert.equal(
      checkMessageData(person, b64({ name: 'a', telephone: 5 }), 0),
      'Message 0 data is not valid.1)(root): email is required.2)telephone: must be string.',
    );
    assert.equal(
      checkMessageData(person, b64({ name: 'a', email: 'not-an-address' }), 0),
      'Message 0 data is not valid,email: must match format "email"',
    );
  });

  it('joins violations as 1)v1.2)v2. and a single one after a comma', () => {
    assert.equal(violationsMessage(4, ['a: x']), 'Message 4 data is not valid,a: x');
    assert.equal(violationsMessage(0, ['a: x', 'b: y', 'c: z']), 'Message 0 data is not valid.1)a: x.2)b: y.3)c: z.');
  });

  it('names nested fields with dots', () => {
    const nested = compileSchema('json', {
      type: 'object',
      properties: { address: { type: 'object', properties: { lines: { type: 'array', items: { type: 'string' } } } } },
    }, DEPTH);
    assert.equal(
      checkMessageData(nested, b64({ address: { lines: ['ok', 7] } }), 0),
      'Message 0 data is not valid,address.lines.1: must be string',
    );
  });

  it('applies the draft the document declares: 4, 6 and 7', () => {
    const draft4 = compileSchema('json', {
      $schema: 'http://json-schema.org/draft-04/schema#',
      properties: { n: { type: 'integer', minimum: 0, exclusiveMinimum: true } },
    }, DEPTH);
    assert.equal(checkMessageData(draft4, b64({ n: 1 }), 0), null);
    assert.equal(checkMessageData(draft4, b64({ n: 0 }), 0), 'Message 0 data is not valid,n: must be > 0');

    const draft6 = compileSchema('json', { $schema: 'http://json-schema.org/draft-06/schema#', properties: { n: { const: 3 } } }, DEPTH);
    assert.equal(checkMessageData(draft6, b64({ n: 3 }), 0), null);
    assert.equal(checkMessageData(draft6, b64({ n: 4 }), 0), 'Message 0 data is not valid,n: must be equal to constant');

    const draft7 = compileSchema('json', {
      $schema: 'http://json-schema.org/draft-07/schema#',
      if: { properties: { kind: { const: 'a' } } },
      then: { required: ['a'] },
    }, DEPTH);
    assert.equal(checkMessageData(draft7, b64({ kind: 'b' }), 0), null);
    assert.equal(checkMessageData(draft7, b64({ kind: 'a' }), 0), 'Message 0 data is not valid.1)(root): a is required.2)(root): must match "then" schema.');
  });

  it('ignores keywords it does not know, as the original does', () => {
    assert.equal(checkMessageData(compileSchema('json', { type: 'object', example: { a: 1 } }, DEPTH), b64({}), 0), null);
  });

  it("refuses an invalid schema with the library's message", () => {
    const refused = (document: Record<string, unknown>): string => {
      try {
        compileSchema('json', document, DEPTH);
      } catch (err) {
        assert.ok(err instanceof SchemaCompileError);
        return err.message;
      }
      return assert.fail('compiled');
    };
    assert.match(refused({ type: 'foo' }), /^schema is invalid: data\/type must be equal to one of the allowed values/);
    assert.equal(refused({ properties: 5 }), 'schema is invalid: data/properties must be object');
    assert.match(refused({ $schema: 'https://json-schema.org/draft/2020-12/schema' }), /no schema with key or ref/);
  });
});

describe('Avro validation', () => {
  const user = compileSchema('avro', USER_AVRO, DEPTH);

  it('passes one binary datum without a container header', () => {
    assert.equal(checkMessageData(user, userDatum.toString('base64'), 0), null);
  });

  it('words truncated, trailing and out-of-range data as "is not valid." plus the detail', () => {
    assert.equal(checkMessageData(user, userDatum.subarray(0, 3).toString('base64'), 1), 'Message 1 is not valid.truncated buffer');
    assert.equal(
      checkMessageData(user, Buffer.concat([userDatum, Buffer.from([1])]).toString('base64'), 0),
      'Message 0 is not valid.trailing data: 1 bytes',
    );
    // username "A", phone 0, enum index 8 (zigzag 0x10) of two symbols
    assert.equal(
      checkMessageData(user, Buffer.from([2, 0x41, 0, 0x10]).toString('base64'), 0),
      'Message 0 is not valid.invalid user.avro.Kind enum index: 8',
    );
    assert.equal(checkMessageData(user, 'bm90IGF2cm8', 2), 'Message 2 is not in valid base64 enocding,illegal base64 data at input byte 8');
  });

  it("refuses an invalid schema with the library's message", () => {
    assert.throws(() => compileSchema('avro', { type: 'nope' }, DEPTH), { name: 'SchemaCompileError', message: 'unknown type: "nope"' });
    assert.throws(() => compileSchema('avro', { type: 'record', name: 'X', fields: [{ name: 'a', type: 'strin' }] }, DEPTH), {
      name: 'SchemaCompileError',
      message: 'undefined type name: strin',
    });
  });
});

describe('a batch', () => {
  it('reports the first failing message by its position', () => {
    const person = compileSchema('json', PERSON, DEPTH);
    const ok = b64({ name: 'a', email: 'a@example.org' });
    assert.equal(firstInvalidMessage(person, [ok, ok]), null);
    assert.equal(firstInvalidMessage(person, [ok, b64({ email: 'e@example.org' }), 'bad']), 'Message 1 data is not valid,(root): name is required');
    assert.equal(firstInvalidMessage(person, [ok, ok, 'bad']), 'Message 2 is not in valid base64 enocding,illegal base64 data at input byte 0');
    assert.equal(firstInvalidMessage(person, []), null);
  });
});

describe('compiled schema cache', () => {
  it('keys by content: key order does not matter, any change does', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }, DEPTH), '{"a":[{"c":3,"d":2}],"b":1}');
    assert.equal(schemaContentKey('json', { a: 1, b: 2 }, DEPTH), schemaContentKey('json', { b: 2, a: 1 }, DEPTH));
    assert.notEqual(schemaContentKey('json', { a: 1 }, DEPTH), schemaContentKey('json', { a: 2 }, DEPTH));
    assert.notEqual(schemaContentKey('json', { type: 'string' }, DEPTH), schemaContentKey('avro', { type: 'string' }, DEPTH));
  });

  it('compiles a document once and hands out the same validator, evicting the least recently used', () => {
    const cache = CompiledSchemaCache.withCapacity(2);
    const a = cache.get('json', { type: 'string' });
    assert.equal(cache.get('json', { type: 'string' }), a, 'the cached validator');
    const b = cache.get('avro', { type: 'record', name: 'R', fields: [] });
    assert.equal(cache.get('json', { type: 'string' }), a, 'a is now the most recently used');
    cache.get('json', { type: 'number' });
    assert.equal(cache.size, 2);
    assert.equal(cache.get('json', { type: 'string' }), a, 'a survived');
    assert.notEqual(cache.get('avro', { type: 'record', name: 'R', fields: [] }), b, 'b was evicted and compiled again');
  });

  it('does not keep documents that fail to compile', () => {
    const cache = CompiledSchemaCache.withCapacity(4);
    assert.throws(() => cache.get('json', { type: 'foo' }), SchemaCompileError);
    assert.equal(cache.size, 0);
  });
});

describe('user input costs linear time (spec 8.12)', () => {
  const elapsedMs = (work: () => void): number => {
    const start = process.hrtime.bigint();
    work();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };

  it('runs patterns on a linear-time engine: a catastrophic pattern answers 10,000 characters in under 50 ms', () => {
    const evil = compileSchema('json', { type: 'string', pattern: '^(a+)+$' }, DEPTH);
    const data = b64(JSON.stringify(`${'a'.repeat(10_000)}!`));
    let error: string | null = null;
    // On a backtracking engine 28 characters already take seconds; 10,000 would take longer than the universe.
    const ms = elapsedMs(() => {
      error = checkMessageData(evil, data, 0);
    });
    assert.equal(error, 'Message 0 data is not valid,(root): must match pattern "^(a+)+$"');
    assert.ok(ms < 50, `validation took ${ms} ms`);
    assert.equal(checkMessageData(evil, b64(JSON.stringify('a'.repeat(10_000))), 0), null);
  });

  it('applies the engine to patternProperties and propertyNames too', () => {
    const keys = compileSchema('json', { type: 'object', patternProperties: { '^(x+)+$': { type: 'integer' } } }, DEPTH);
    const names = compileSchema('json', { type: 'object', propertyNames: { pattern: '^(y+)+$' } }, DEPTH);
    const key = `${'x'.repeat(10_000)}`;
    const ms = elapsedMs(() => {
      assert.match(checkMessageData(keys, b64({ [key]: 'no' }), 0) ?? '', /must be integer/);
      assert.match(checkMessageData(names, b64({ [`${'y'.repeat(10_000)}!`]: 1 }), 0) ?? '', /property name must be valid/);
    });
    assert.ok(ms < 100, `validation took ${ms} ms`);
  });

  it('refuses, naming it, a pattern the linear engine cannot run (backreference, lookaround)', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['^(a)\\1$', { type: 'string', pattern: '^(a)\\1$' }],
      ['a(?=b)', { type: 'string', pattern: 'a(?=b)' }],
      ['(?<!x)y', { type: 'object', patternProperties: { '(?<!x)y': { type: 'integer' } } }],
      ['(?!z)', { type: 'object', propertyNames: { pattern: '(?!z)' } }],
    ];
    for (const [pattern, schema] of cases) {
      assert.throws(() => compileSchema('json', schema, DEPTH), (err: Error) => {
        assert.ok(err instanceof SchemaCompileError);
        assert.ok(err.message.startsWith(`Unsupported pattern ${JSON.stringify(pattern)}: `), err.message);
        return true;
      });
    }
  });

  const nestedArray = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  const nestedSchema = (depth: number): Record<string, unknown> => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < depth; i++) schema = { type: 'array', items: schema };
    return schema;
  };

  it('refuses schema documents nested deeper than the limit, whatever the depth', () => {
    for (const type of ['json', 'avro'] as const) {
      assert.throws(() => compileSchema(type, nestedSchema(3000), DEPTH), {
        name: 'SchemaCompileError',
        message: 'Schema document is nested deeper than 64 levels',
      });
    }
    assert.throws(() => canonicalJson(nestedSchema(100_000), DEPTH), { name: 'SchemaCompileError' });
    assert.doesNotThrow(() => compileSchema('json', nestedSchema(20), DEPTH));
  });

  it('answers data nested deeper than the limit with the validator prefix, without recursing', () => {
    const recursive = compileSchema('json', { type: 'object', additionalProperties: { $ref: '#' } }, DEPTH);
    // Built as text: JSON.stringify itself recurses.
    const deepObject = `${'{"a":'.repeat(10_000)}{}${'}'.repeat(10_000)}`;
    assert.equal(checkMessageData(recursive, b64(deepObject), 0), 'Message 0 data is not valid,(root): nested deeper than 64 levels');
    const anything = compileSchema('json', {}, DEPTH);
    assert.equal(checkMessageData(anything, b64(nestedArray(10_000)), 3), 'Message 3 data is not valid,(root): nested deeper than 64 levels');
    assert.equal(checkMessageData(anything, b64(nestedArray(64)), 0), null);
  });

  it('answers a deep datum of a recursive Avro record with the validator prefix', () => {
    const LIST = { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] };
    const node = compileSchema('avro', LIST, DEPTH);
    // Each level is one union branch byte (2 = "Node" in zig-zag); the last is null (0).
    const datum = (depth: number): string => Buffer.concat([Buffer.alloc(depth, 2), Buffer.from([0])]).toString('base64');
    assert.equal(checkMessageData(node, datum(10), 0), null);
    assert.equal(checkMessageData(node, datum(200), 0), 'Message 0 is not valid.nested deeper than 64 levels');
    assert.equal(checkMessageData(node, datum(1_000_000), 0), 'Message 0 is not valid.nested deeper than 64 levels');
  });
});
