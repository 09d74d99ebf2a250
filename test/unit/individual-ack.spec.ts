import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAckId, formatLeaseAckId, parseAckId, parseLeaseAckId } from '../../src/common/ack-id.js';
import type { NewLeaseState } from '../../src/storage/ports/subscription-store.repository.js';
import type { LeaseRecord, LeaseState } from '../../src/storage/ports/records.js';
import {
  MAX_TRACKED_OFFSETS,
  UNKNOWN,
  advanceFloor,
  afterAcknowledge,
  afterModifyDeadlines,
  afterPull,
  afterSeekIndividual,
  fitToLog,
  planPull,
} from '../../src/delivery/individual-ack.js';
import { consecutiveRuns } from '../../src/delivery/individual-delivery.js';

const NOW = new Date('2024-03-01T10:00:00.000Z');
const later = (seconds: number): Date => new Date(NOW.getTime() + seconds * 1000);
const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';

const lease = (offset: number, deadline: Date, deliveryAttempt = 1, leaseId = A): LeaseRecord => ({
  offset,
  deadline,
  deliveryAttempt,
  leaseId,
});

function state(ackFloor: number, readOffset: number, leases: LeaseRecord[] = [], acked: number[] = []): LeaseState {
  return { cursor: { ackFloor, readOffset, window: null, version: 7 }, leases, acked };
}

function fresh(ackFloor: number, readOffset: number, leases: LeaseRecord[] = [], acked: number[] = []): NewLeaseState {
  return { cursor: { ackFloor, readOffset, window: null }, leases, acked };
}

describe('individual ackIds (pubsub-extensions 1)', () => {
  it('formats OFFSET:LEASE after the AMS prefix and reads it back', () => {
    const id = formatLeaseAckId('P', 'S', 12, A);
    assert.equal(id, `projects/P/subscriptions/S:12:${A}`);
    assert.deepEqual(parseLeaseAckId(id, 'P', 'S'), { offset: 12, leaseId: A });
  });

  it('is refused by the cumulative parser, and refuses cumulative ids', () => {
    assert.equal(parseAckId(formatLeaseAckId('P', 'S', 12, A), 'P', 'S'), null);
    assert.equal(parseLeaseAckId(formatAckId('P', 'S', 12), 'P', 'S'), null);
  });

  for (const bad of [
    `projects/P/subscriptions/T:1:${A}`, // another subscription
    `projects/Q/subscriptions/S:1:${A}`,
    `projects/P/subscriptions/S:-1:${A}`,
    `projects/P/subscriptions/S:+1:${A}`,
    `projects/P/subscriptions/S:01:${A}`,
    `projects/P/subscriptions/S:1:${A.toUpperCase()}`,
    `projects/P/subscriptions/S:1:${A}0`,
    `projects/P/subscriptions/S:1:abc`,
    `projects/P/subscriptions/S:99999999999999999:${A}`, // beyond a safe integer
    'projects/P/subscriptions/S:1:',
    '',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(parseLeaseAckId(bad, 'P', 'S'), null);
    });
  }
});

describe('advanceFloor', () => {
  it('passes contiguous acknowledged offsets and forgets them', () => {
    assert.deepEqual(advanceFloor(fresh(3, 9, [lease(6, NOW)], [5, 3, 4, 8])), fresh(6, 9, [lease(6, NOW)], [8]));
  });
  it('stays before a leased offset', () => {
    assert.deepEqual(advanceFloor(fresh(3, 5, [lease(3, NOW)], [4])), fresh(3, 5, [lease(3, NOW)], [4]));
  });
});

describe('fitToLog', () => {
  it('raises the floor to the oldest retained message and drops what lies below', () => {
    const fitted = fitToLog(state(0, 6, [lease(1, NOW), lease(4, NOW)], [2, 5]), { min: 3, max: 10 });
    assert.deepEqual(fitted, fresh(3, 6, [lease(4, NOW)], [5]));
  });
  it('lowers floor and read offset past a re-created topic end, dropping leases beyond it', () => {
    assert.deepEqual(fitToLog(state(5, 9, [lease(6, NOW)], [5]), { min: 0, max: 2 }), fresh(2, 2));
  });
  it('leaves a state that fits alone', () => {
    assert.deepEqual(fitToLog(state(2, 4, [lease(2, NOW)], [3]), { min: 0, max: 10 }), fresh(2, 4, [lease(2, NOW)], [3]));
  });
});

describe('planPull', () => {
  it('redelivers expired leases first (oldest first), then never-delivered offsets up to max', () => {
    const s = fresh(0, 4, [lease(0, later(5)), lease(1, NOW), lease(3, later(-1))], [2]);
    assert.deepEqual(planPull(s, 10, NOW, 4), { redeliver: [lease(1, NOW), lease(3, later(-1))], freshFrom: 4, freshCount: 2 });
  });
  it('is bounded by the log end and by max', () => {
    assert.deepEqual(planPull(fresh(0, 0), 3, NOW, 10), { redeliver: [], freshFrom: 0, freshCount: 3 });
    assert.deepEqual(planPull(fresh(0, 0, []), 3, NOW, 2).freshCount, 2);
    const expired = [lease(0, NOW), lease(1, NOW), lease(2, NOW)];
    assert.deepEqual(planPull(fresh(0, 3, expired), 9, NOW, 2), { redeliver: expired.slice(0, 2), freshFrom: 3, freshCount: 0 });
  });
  it('hands out nothing new once the cap of tracked offsets is reached', () => {
    assert.equal(MAX_TRACKED_OFFSETS, 10_000);
    assert.equal(planPull(fresh(0, 3, [lease(0, later(9))], [1, 2]), 10, NOW, 5, 5).freshCount, 2);
    assert.equal(planPull(fresh(0, 5, [lease(0, later(9))], [1, 2, 3, 4]), 10, NOW, 5, 5).freshCount, 0);
    const expiredAtCap = planPull(fresh(0, 5, [lease(0, NOW)], [1, 2, 3, 4]), 10, NOW, 5, 5);
    assert.deepEqual(expiredAtCap.redeliver, [lease(0, NOW)], 'expired leases are still redelivered');
  });
});

describe('afterPull', () => {
  it('leases fresh offsets with attempt 1 and redelivered ones with one attempt more, under the new lease', () => {
    const s = fresh(0, 2, [lease(0, NOW, 2), lease(1, later(5))]);
    const { next, delivered } = afterPull(s, [0], [2, 3], B, 10, NOW);
    assert.deepEqual(delivered, [
      { offset: 0, deliveryAttempt: 3 },
      { offset: 2, deliveryAttempt: 1 },
      { offset: 3, deliveryAttempt: 1 },
    ]);
    assert.deepEqual(
      next,
      fresh(0, 4, [lease(0, later(10), 3, B), lease(1, later(5)), lease(2, later(10), 1, B), lease(3, later(10), 1, B)]),
    );
  });
  it('counts offsets the fresh read skipped (gone from the log) as acknowledged', () => {
    const { next } = afterPull(fresh(2, 2), [], [5], B, 10, NOW);
    assert.deepEqual(next, fresh(5, 6, [lease(5, later(10), 1, B)]));
  });
  it('changes nothing when nothing was read', () => {
    assert.deepEqual(afterPull(fresh(1, 3, [lease(1, NOW), lease(2, NOW)]), [], [], B, 10, NOW), {
      next: fresh(1, 3, [lease(1, NOW), lease(2, NOW)]),
      delivered: [],
    });
  });
});

describe('afterAcknowledge', () => {
  const s = state(0, 4, [lease(0, later(5)), lease(1, later(-5)), lease(3, later(5), 2, B)], [2]);

  it('acknowledges exactly the deliveries named and moves the floor over contiguous acks', () => {
    assert.deepEqual(afterAcknowledge(s, [{ offset: 1, leaseId: A }]), { next: fresh(0, 4, [lease(0, later(5)), lease(3, later(5), 2, B)], [1, 2]), acknowledged: 1 });
    assert.deepEqual(afterAcknowledge(s, [{ offset: 0, leaseId: A }, { offset: 1, leaseId: A }]), {
      next: fresh(3, 4, [lease(3, later(5), 2, B)]),
      acknowledged: 2,
    });
  });
  it('is harmless for acknowledged offsets (above or below the floor) and repeated ids', () => {
    assert.deepEqual(afterAcknowledge(state(5, 8, [], [6]), [{ offset: 2, leaseId: A }, { offset: 6, leaseId: A }]), {
      next: fresh(5, 8, [], [6]),
      acknowledged: 0,
    });
    const twice = afterAcknowledge(s, [{ offset: 0, leaseId: A }, { offset: 0, leaseId: A }]);
    assert.notEqual(twice, UNKNOWN);
    assert.equal(twice === UNKNOWN ? -1 : twice.acknowledged, 1);
  });
  it('ignores a stale id whose message was leased again under another lease', () => {
    assert.deepEqual(afterAcknowledge(s, [{ offset: 3, leaseId: A }]), { next: fresh(0, 4, [...s.leases], [2]), acknowledged: 0 });
  });
  it('refuses the whole request when an id names a message never delivered', () => {
    assert.equal(afterAcknowledge(s, [{ offset: 0, leaseId: A }, { offset: 4, leaseId: A }]), UNKNOWN);
  });
});

describe('afterModifyDeadlines', () => {
  const s = state(0, 3, [lease(0, later(5)), lease(1, later(5)), lease(2, later(5), 1, B)]);
  it('moves the named leases (0 = now: a nack) and leaves others and stale ids alone', () => {
    assert.deepEqual(afterModifyDeadlines(s, [{ offset: 0, leaseId: A }, { offset: 2, leaseId: A }], 0, NOW), fresh(0, 3, [lease(0, NOW), lease(1, later(5)), lease(2, later(5), 1, B)]));
    assert.deepEqual(afterModifyDeadlines(s, [{ offset: 1, leaseId: A }], 60, NOW), fresh(0, 3, [lease(0, later(5)), lease(1, later(60)), lease(2, later(5), 1, B)]));
  });
  it('refuses ids of messages never delivered', () => {
    assert.equal(afterModifyDeadlines(s, [{ offset: 3, leaseId: A }], 10, NOW), UNKNOWN);
  });
  it('a nacked lease is redelivered at once with one attempt more', () => {
    const nacked = afterModifyDeadlines(s, [{ offset: 1, leaseId: A }], 0, NOW);
    assert.notEqual(nacked, UNKNOWN);
    if (nacked === UNKNOWN) return;
    const plan = planPull(nacked, 3, NOW, 10);
    assert.deepEqual(plan.redeliver, [lease(1, NOW)]);
    assert.deepEqual(afterPull(nacked, [1], [], B, 10, NOW).delivered, [{ offset: 1, deliveryAttempt: 2 }]);
  });
});

describe('afterSeekIndividual and consecutiveRuns', () => {
  it('moves floor and read offset and forgets every lease', () => {
    assert.deepEqual(afterSeekIndividual(4), fresh(4, 4));
  });
  it('groups ascending offsets into runs', () => {
    assert.deepEqual(consecutiveRuns([1, 2, 3, 7, 9, 10]), [
      { from: 1, count: 3 },
      { from: 7, count: 1 },
      { from: 9, count: 2 },
    ]);
    assert.deepEqual(consecutiveRuns([]), []);
  });
});
