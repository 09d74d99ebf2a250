import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDurationSeconds } from '../../src/common/durations.js';

describe('durations', () => {
  const cases: [unknown, number | string][] = [
    ['600s', 600],
    [600, 600],
    ['2678400s', 2678400],
    ['0600s', 600],
    ['599s', 'out of range'],
    [599, 'out of range'],
    ['2678401s', 'out of range'],
    ['600', 'not a duration'],
    ['600.5s', 'not a duration'],
    ['10m', 'not a duration'],
    ['-600s', 'not a duration'],
    [' 600s', 'not a duration'],
    [600.5, 'not a duration'],
    [-600, 'out of range'],
    [null, 'not a duration'],
    [true, 'not a duration'],
    [{ seconds: 600 }, 'not a duration'],
    ['', 'not a duration'],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} -> ${expected}`, () => {
      assert.equal(parseDurationSeconds(value, 600, 2678400), expected);
    });
  }

  it('formats whole seconds the Pub/Sub way', () => {
    assert.equal(formatDuration(600), '600s');
    assert.equal(formatDuration(0), '0s');
  });
});
