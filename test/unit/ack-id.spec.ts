import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAckId, parseAckId } from '../../src/common/ack-id.js';

describe('ackIds (spec 1.5, 4.3)', () => {
  it('formats projects/P/subscriptions/S:OFFSET without a leading slash', () => {
    assert.equal(formatAckId('P', 'S', 0), 'projects/P/subscriptions/S:0');
    assert.equal(formatAckId('ams-cicd-test', 'cicd-sub', 1), 'projects/ams-cicd-test/subscriptions/cicd-sub:1');
  });

  it('reads back what it formats', () => {
    for (const offset of [0, 1, 7, 1234567, Number.MAX_SAFE_INTEGER]) {
      assert.equal(parseAckId(formatAckId('P', 'S', offset), 'P', 'S'), offset);
    }
  });

  const cases: [string, number | null][] = [
    ['projects/P/subscriptions/S:7', 7],
    ['projects/P/subscriptions/S:+7', 7], // Go's ParseInt takes a sign
    ['projects/P/subscriptions/S:-1', -1], // an int64, so valid syntax; the window check rejects it later
    ['projects/P/subscriptions/S:007', 7],
    ['projects/P/subscriptions/S:9223372036854775807', Number.POSITIVE_INFINITY], // int64 max: beyond any stored offset
    ['projects/P/subscriptions/S:9223372036854775808', null], // overflows int64
    ['projects/P/subscriptions/S:-9223372036854775809', null],
    ['projects/P/subscriptions/S:', null],
    ['projects/P/subscriptions/S:abc', null],
    ['projects/P/subscriptions/S:1.5', null],
    ['projects/P/subscriptions/S:1e3', null],
    ['projects/P/subscriptions/S: 1', null],
    ['projects/P/subscriptions/S:1:2', null],
    ['projects/P/subscriptions/S', null],
    ['/projects/P/subscriptions/S:1', null], // the subscription-name form is not an ackId
    ['projects/Q/subscriptions/S:1', null], // another project
    ['projects/P/subscriptions/S2:1', null], // another subscription
    ['projects/P/subscriptions/:1', null],
    ['projects/P/topics/S:1', null],
    ['', null],
  ];
  for (const [ackId, expected] of cases) {
    it(`${JSON.stringify(ackId)} for P/S -> ${String(expected)}`, () => {
      assert.equal(parseAckId(ackId, 'P', 'S'), expected);
    });
  }
});
