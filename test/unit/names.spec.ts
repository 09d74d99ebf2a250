import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isValidName,
  parseSchemaRef,
  parseSubscriptionTopic,
  schemaRef,
  subscriptionRef,
  topicRef,
} from '../../src/common/names.js';

describe('resource names (spec 1.1)', () => {
  const cases: [string, boolean][] = [
    ['topic', true],
    ['A-b_9', true],
    ['0', true],
    ['-_-', true],
    ['', false],
    ['a b', false],
    ['a.b', false],
    ['a/b', false],
    ['a:b', false],
    ['a%20b', false],
    ['caf\u00e9', false],
    ['tab\t', false],
    ['line\n', false],
  ];
  for (const [name, valid] of cases) {
    it(`${JSON.stringify(name)} is ${valid ? 'valid' : 'invalid'}`, () => {
      assert.equal(isValidName(name), valid);
    });
  }
});

describe('resource references (spec 1.5)', () => {
  it('spells topic and subscription names with a leading slash, schema refs without', () => {
    assert.equal(topicRef('P', 'T'), '/projects/P/topics/T');
    assert.equal(subscriptionRef('P', 'S'), '/projects/P/subscriptions/S');
    assert.equal(schemaRef('P', 'S'), 'projects/P/schemas/S');
  });

  const topics: [string, string | null][] = [
    ['projects/P/topics/T', 'T'],
    ['projects/OTHER/topics/T', 'T'], // the project part is not compared (spec 3.6)
    ['projects/P/anything/T', 'T'], // part0 `projects` is enough
    ['anything/P/topics/T', 'T'], // ... or part2 `topics`
    ['anything/P/anything/T', null],
    ['/projects/P/topics/T', null], // 5 parts
    ['projects/P/topics/T/x', null],
    ['projects/P/topics', null],
    ['T', null],
    ['', null],
  ];
  for (const [ref, expected] of topics) {
    it(`subscription topic ${JSON.stringify(ref)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(parseSubscriptionTopic(ref), expected);
    });
  }

  const schemas: [string, { project: string; schema: string } | null][] = [
    ['projects/P/schemas/S', { project: 'P', schema: 'S' }],
    ['projects/P/topics/S', null],
    ['project/P/schemas/S', null],
    ['/projects/P/schemas/S', null],
    ['projects/P/schemas/S/x', null],
    ['projects/P/schemas', null],
    ['schema-1', null],
    ['', null],
  ];
  for (const [ref, expected] of schemas) {
    it(`schema ref ${JSON.stringify(ref)} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseSchemaRef(ref), expected);
    });
  }
});
