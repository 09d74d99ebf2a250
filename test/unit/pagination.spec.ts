import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmsError } from '../../src/common/ams-error.js';
import { decodePageToken, encodePageToken, pageBody, pageQuery, parsePageSize } from '../../src/common/pagination.js';

const invalid = (message: string) => (err: unknown) =>
  err instanceof AmsError && err.code === 400 && err.status === 'INVALID_ARGUMENT' && err.message === message;

describe('page sizes (spec 1.7)', () => {
  const valid: [string | undefined, number][] = [
    [undefined, 0],
    ['', 0],
    ['0', 0],
    ['-1', 0],
    ['-100', 0],
    ['1', 1],
    ['+5', 5],
    ['25', 25],
    ['0010', 10],
  ];
  for (const [raw, size] of valid) {
    it(`pageSize ${JSON.stringify(raw)} -> ${size} (0 = everything)`, () => {
      assert.equal(parsePageSize(raw), size);
    });
  }

  for (const raw of ['abc', '1.5', '5x', ' 5', '1e3', '0x10', '-', '99999999999999999999']) {
    it(`pageSize ${JSON.stringify(raw)} is 400 Invalid page size`, () => {
      assert.throws(() => parsePageSize(raw), invalid('Invalid page size'));
    });
  }
});

describe('page tokens (spec 1.7)', () => {
  for (const position of ['0', '42', '65f0c0ffee', 'ümlaut/+=']) {
    it(`round-trips the position ${JSON.stringify(position)} through an opaque token`, () => {
      const token = encodePageToken(position);
      assert.notEqual(token, '');
      assert.equal(decodePageToken(token), position);
    });
  }

  it('treats an absent or empty token as the first page', () => {
    assert.equal(decodePageToken(undefined), undefined);
    assert.equal(decodePageToken(''), undefined);
  });

  // Not base64 at all, base64 without its padding, and bytes that are no UTF-8 text.
  for (const token of ['!!!', 'a b', 'abc', 'QQ', 'QQ=', '/w==', '====', 'QQ==QQ==']) {
    it(`token ${JSON.stringify(token)} is 400 Invalid page token`, () => {
      assert.throws(() => decodePageToken(token), invalid('Invalid page token'));
    });
  }

  it('builds the store query from both parameters', () => {
    assert.deepEqual(pageQuery('2', encodePageToken('7')), { size: 2, after: '7' });
    assert.deepEqual(pageQuery(undefined, undefined), { size: 0, after: undefined });
    assert.throws(() => pageQuery('x', undefined), invalid('Invalid page size'));
    assert.throws(() => pageQuery('1', '%%'), invalid('Invalid page token'));
  });
});

describe('page bodies (spec 1.7)', () => {
  it('the last page has an empty nextPageToken and counts every match', () => {
    assert.deepEqual(pageBody('topics', { items: [], next: null, total: 0 }, []), {
      topics: [],
      nextPageToken: '',
      totalSize: 0,
    });
    assert.deepEqual(pageBody('users', { items: [1, 2], next: null, total: 5 }, ['a', 'b']), {
      users: ['a', 'b'],
      nextPageToken: '',
      totalSize: 5,
    });
  });

  it('a middle page carries a token that decodes to the next position', () => {
    const body = pageBody('subscriptions', { items: [1], next: '17', total: 3 }, ['x']);
    assert.deepEqual(body.subscriptions, ['x']);
    assert.equal(body.totalSize, 3);
    assert.notEqual(body.nextPageToken, '');
    assert.equal(decodePageToken(body.nextPageToken), '17');
  });
});
