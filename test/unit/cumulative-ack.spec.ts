import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmsError } from '../../src/common/ams-error.js';
import type { CursorState } from '../../src/storage/ports/records.js';
import { afterAcknowledge, afterPull, afterSeek, clampFloor } from '../../src/delivery/cumulative-ack.js';

const at = (iso: string): Date => new Date(iso);
const PULLED = at('2024-03-01T10:00:00.900Z');

function cursor(ackFloor: number, window: { end: number; pulledAt: Date } | null = null, readOffset = ackFloor): CursorState {
  return { ackFloor, readOffset, window, version: 3 };
}

function error(result: unknown): { code: number; status: string; message: string } {
  assert.ok(result instanceof AmsError, `expected an AmsError, got ${JSON.stringify(result)}`);
  return { code: result.code, status: result.status, message: result.message };
}

const NO_ACK_PENDING = { code: 500, status: 'INTERNAL_SERVER_ERROR', message: 'no ack pending' };
const WRONG_ACK = { code: 500, status: 'INTERNAL_SERVER_ERROR', message: 'wrong ack' };
const ACK_TIMEOUT = { code: 408, status: 'TIMEOUT', message: 'ack timeout' };

describe('clampFloor (spec 4.2, 4.4, 4.5)', () => {
  const cases: [number, { min: number; max: number }, number][] = [
    [5, { min: 0, max: 10 }, 5],
    [0, { min: 3, max: 10 }, 3], // below the oldest retained: raised
    [10, { min: 0, max: 10 }, 10], // at the end: nothing to read, still valid
    [12, { min: 0, max: 4 }, 4], // past a re-created topic's end: lowered
    [7, { min: 0, max: 0 }, 0], // deleted topic reads as {0, 0}
  ];
  for (const [floor, bounds, expected] of cases) {
    it(`floor ${floor} in [${bounds.min}, ${bounds.max}] -> ${expected}`, () => {
      assert.equal(clampFloor(cursor(floor), bounds), expected);
    });
  }
});

describe('afterPull (spec 4.2)', () => {
  it('opens the window [floor, floor + returned) and stamps it', () => {
    assert.deepEqual(afterPull(cursor(5), 5, 3, PULLED), { ackFloor: 5, readOffset: 8, window: { end: 8, pulledAt: PULLED } });
  });

  it('records a window even when nothing is returned', () => {
    assert.deepEqual(afterPull(cursor(5), 5, 0, PULLED), { ackFloor: 5, readOffset: 5, window: { end: 5, pulledAt: PULLED } });
  });

  it('replaces the previous window (one pull window per subscription)', () => {
    const before = cursor(5, { end: 20, pulledAt: at('2024-03-01T09:00:00Z') }, 20);
    assert.deepEqual(afterPull(before, 5, 2, PULLED), { ackFloor: 5, readOffset: 20, window: { end: 7, pulledAt: PULLED } });
  });

  it('takes the clamped floor the service read from', () => {
    assert.deepEqual(afterPull(cursor(0), 4, 1, PULLED), { ackFloor: 4, readOffset: 5, window: { end: 5, pulledAt: PULLED } });
  });
});

describe('afterAcknowledge (spec 4.3)', () => {
  const window = (end: number) => ({ end, pulledAt: PULLED });
  const within = at('2024-03-01T10:00:05Z');

  it('moves the floor to the highest acked offset + 1 and closes the window', () => {
    assert.deepEqual(afterAcknowledge(cursor(5, window(10), 10), 8, 10, within), { ackFloor: 8, readOffset: 10, window: null });
    assert.deepEqual(afterAcknowledge(cursor(5, window(10), 10), 10, 10, within), { ackFloor: 10, readOffset: 10, window: null });
    assert.deepEqual(afterAcknowledge(cursor(5, window(10), 10), 6, 10, within), { ackFloor: 6, readOffset: 10, window: null });
  });

  const refused: [string, CursorState, number, typeof WRONG_ACK][] = [
    ['no pull since the last ack', cursor(5), 6, NO_ACK_PENDING],
    ['a window ending at 0 (next_offset == 0)', cursor(0, window(0)), 1, NO_ACK_PENDING],
    ['no window, even for an id out of range', cursor(5), 100, NO_ACK_PENDING],
    ['an id below the floor', cursor(5, window(10)), 5, WRONG_ACK],
    ['an id far below the floor', cursor(5, window(10)), 0, WRONG_ACK],
    ['an id past the window', cursor(5, window(10)), 11, WRONG_ACK],
    ['an int64 beyond any offset', cursor(5, window(10)), Number.POSITIVE_INFINITY, WRONG_ACK],
    ['an empty window', cursor(5, window(5)), 6, WRONG_ACK],
  ];
  for (const [why, state, through, expected] of refused) {
    it(`refuses ${why}`, () => {
      assert.deepEqual(error(afterAcknowledge(state, through, 10, within)), expected);
    });
  }

  it('checks the window before the deadline', () => {
    const late = at('2024-03-01T11:00:00Z');
    assert.deepEqual(error(afterAcknowledge(cursor(5, window(10)), 11, 10, late)), WRONG_ACK);
    assert.deepEqual(error(afterAcknowledge(cursor(5), 7, 10, late)), NO_ACK_PENDING);
  });

  // Whole seconds on both sides (spec 4.3): pulled at 10:00:00.900 counts as 10:00:00.
  const deadlines: [string, number, boolean][] = [
    ['2024-03-01T10:00:10.999Z', 10, true], // 10 s after the truncated pull time: still in time
    ['2024-03-01T10:00:11.000Z', 10, false], // 11 s, though really only 10.1 s
    ['2024-03-01T10:00:00.950Z', 0, true], // deadline 0: same second only
    ['2024-03-01T10:00:01.000Z', 0, false],
    ['2024-03-01T10:10:00.999Z', 600, true],
    ['2024-03-01T10:10:01.000Z', 600, false],
  ];
  for (const [now, deadline, inTime] of deadlines) {
    it(`deadline ${deadline}s, acked at ${now}: ${inTime ? 'accepted' : '408 ack timeout'}`, () => {
      const result = afterAcknowledge(cursor(5, window(10)), 10, deadline, at(now));
      if (inTime) assert.deepEqual(result, { ackFloor: 10, readOffset: 10, window: null });
      else assert.deepEqual(error(result), ACK_TIMEOUT);
    });
  }
});

describe('afterSeek (spec 4.4)', () => {
  it('moves the floor, clears the window, and the next pull starts at the offset', () => {
    assert.deepEqual(afterSeek(4), { ackFloor: 4, readOffset: 4, window: null });
    assert.deepEqual(afterSeek(0), { ackFloor: 0, readOffset: 0, window: null });
  });
});
