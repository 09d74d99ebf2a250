import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPublishTime, formatSeconds, parseZuluMillis, SystemClock } from '../../src/common/time.js';

const SECOND = Date.UTC(2024, 2, 1, 10, 0, 5); // 2024-03-01T10:00:05Z in milliseconds

describe('formatSeconds (spec 1.6)', () => {
  const cases: [string, string][] = [
    ['2024-03-01T10:00:05.000Z', '2024-03-01T10:00:05Z'],
    ['2024-03-01T10:00:05.999Z', '2024-03-01T10:00:05Z'], // truncated, never rounded up
    ['1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00Z'],
    ['2024-12-31T23:59:59.001Z', '2024-12-31T23:59:59Z'],
  ];
  for (const [iso, expected] of cases) {
    it(`${iso} -> ${expected}`, () => {
      assert.equal(formatSeconds(new Date(iso)), expected);
    });
  }
});

describe('formatPublishTime: RFC 3339 with trailing fraction zeros trimmed (spec 1.6)', () => {
  const micros = SECOND * 1000;
  const cases: [number, string][] = [
    [micros, '2024-03-01T10:00:05Z'],
    [micros + 123_450, '2024-03-01T10:00:05.12345Z'],
    [micros + 100_000, '2024-03-01T10:00:05.1Z'],
    [micros + 120_000, '2024-03-01T10:00:05.12Z'],
    [micros + 1, '2024-03-01T10:00:05.000001Z'],
    [micros + 10, '2024-03-01T10:00:05.00001Z'],
    [micros + 999_999, '2024-03-01T10:00:05.999999Z'],
    [micros + 5_000, '2024-03-01T10:00:05.005Z'],
    [0, '1970-01-01T00:00:00Z'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} us -> ${expected}`, () => {
      assert.equal(formatPublishTime(input), expected);
    });
  }
});

describe('parseZuluMillis: exactly 2019-09-02T13:39:11.100Z (spec 1.6, :timeToOffset)', () => {
  const valid: [string, number][] = [
    ['2019-09-02T13:39:11.100Z', Date.UTC(2019, 8, 2, 13, 39, 11, 100) * 1000],
    ['2024-03-01T10:00:05.000Z', SECOND * 1000],
    ['2020-02-29T00:00:00.000Z', Date.UTC(2020, 1, 29) * 1000], // leap day
    ['1970-01-01T00:00:00.000Z', 0],
    ['2019-12-31T23:59:59.999Z', Date.UTC(2019, 11, 31, 23, 59, 59, 999) * 1000],
    // Years below 100 are real years, not 19xx (Date.UTC's legacy mapping).
    ['0050-06-15T12:00:00.000Z', Date.parse('0050-06-15T12:00:00.000Z') * 1000],
    ['0001-01-01T00:00:00.000Z', Date.parse('0001-01-01T00:00:00.000Z') * 1000],
  ];
  for (const [text, expected] of valid) {
    it(`${text} -> ${expected} us`, () => {
      assert.equal(parseZuluMillis(text), expected);
    });
  }

  const invalid: [string, string][] = [
    ['', 'empty'],
    ['2019-09-02T13:39:11Z', 'no fraction'],
    ['2019-09-02T13:39:11.1Z', 'one fraction digit'],
    ['2019-09-02T13:39:11.10Z', 'two fraction digits'],
    ['2019-09-02T13:39:11.1000Z', 'four fraction digits'],
    ['2019-09-02T13:39:11.100', 'no zone'],
    ['2019-09-02T13:39:11.100z', 'lower-case z'],
    ['2019-09-02T13:39:11.100+00:00', 'numeric offset'],
    ['2019-09-02 13:39:11.100Z', 'space separator'],
    ['2019-9-2T13:39:11.100Z', 'unpadded date'],
    [' 2019-09-02T13:39:11.100Z', 'leading space'],
    ['2019-09-02T13:39:11.100Z ', 'trailing space'],
    ['2019-02-29T00:00:00.000Z', 'not a leap year'],
    ['2019-02-30T00:00:00.000Z', 'February 30th'],
    ['2019-04-31T00:00:00.000Z', 'April 31st'],
    ['2019-13-01T00:00:00.000Z', 'month 13'],
    ['2019-00-10T00:00:00.000Z', 'month 0'],
    ['2019-09-00T00:00:00.000Z', 'day 0'],
    ['2019-09-32T00:00:00.000Z', 'day 32'],
    ['2019-09-02T24:00:00.000Z', 'hour 24'],
    ['2019-09-02T23:60:00.000Z', 'minute 60'],
    ['2019-09-02T23:59:60.000Z', 'second 60'],
    ['1567431551100', 'epoch number'],
  ];
  for (const [text, why] of invalid) {
    it(`rejects ${JSON.stringify(text)} (${why})`, () => {
      assert.equal(parseZuluMillis(text), null);
    });
  }

  it('its result formats back to the same instant', () => {
    assert.equal(formatPublishTime(parseZuluMillis('2019-09-02T13:39:11.100Z') as number), '2019-09-02T13:39:11.1Z');
  });
});

describe('SystemClock', () => {
  it('hands out strictly increasing microseconds', () => {
    const clock = new SystemClock();
    let last = clock.nowMicros();
    for (let i = 0; i < 10_000; i++) {
      const next = clock.nowMicros();
      assert.ok(next > last, `${next} > ${last}`);
      last = next;
    }
  });

  it('sleeps until the time is up or the wait is aborted, whichever comes first', async () => {
    const clock = new SystemClock();
    const aborted = new AbortController();
    aborted.abort();
    let ended = false;
    await clock.sleep(3_600_000, aborted.signal).then(() => (ended = true));
    assert.ok(ended, 'an aborted signal ends the sleep at once');

    const later = new AbortController();
    const sleeping = clock.sleep(3_600_000, later.signal).then(() => 'aborted');
    later.abort();
    assert.equal(await sleeping, 'aborted');
    assert.equal(await clock.sleep(5).then(() => 'slept'), 'slept', 'without a signal it ends when the time is up');
  });
});
