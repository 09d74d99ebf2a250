import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AttemptOutcome, firstAttempt, nextAttempt, type RetryPolicy } from '../../src/push/retry-policy.js';

/** The intervals waited before each attempt: the first, then one after each outcome. */
function intervals(policy: RetryPolicy, outcomes: AttemptOutcome[]): number[] {
  let state = firstAttempt(policy);
  const waited = [state.intervalMs];
  for (const outcome of outcomes) {
    state = nextAttempt(policy, state, outcome);
    waited.push(state.intervalMs);
  }
  return waited;
}

describe('push retry policies (spec 4.6)', () => {
  it('linear: the first attempt at once, then every period whatever the outcome', () => {
    assert.deepEqual(
      intervals({ type: 'linear', period: 3000 }, ['success', 'failure', 'failure', 'success', 'success']),
      [0, 3000, 3000, 3000, 3000, 3000],
    );
    assert.deepEqual(intervals({ type: 'linear', period: 20 }, ['failure']), [0, 20]);
  });

  it('slowstart: first after 1 s, successes halve down to 300 ms', () => {
    assert.deepEqual(
      intervals({ type: 'slowstart', period: 3000 }, ['success', 'success', 'success', 'success']),
      [1000, 500, 300, 300, 300],
    );
  });

  it('slowstart: failures double, and the first success after a failure starts again at 1 s', () => {
    assert.deepEqual(
      intervals({ type: 'slowstart', period: 3000 }, ['failure', 'failure', 'failure', 'success', 'success', 'failure', 'success']),
      [1000, 2000, 4000, 8000, 1000, 500, 1000, 1000],
    );
  });

  it('slowstart: doubling stops at 24 hours', () => {
    const waited = intervals({ type: 'slowstart', period: 0 }, Array<AttemptOutcome>(30).fill('failure'));
    assert.equal(waited[16], 1000 * 2 ** 16);
    assert.equal(waited[17], 24 * 3600 * 1000, '1000 * 2^17 ms would be more than a day');
    assert.equal(waited[30], 24 * 3600 * 1000);
  });

  it('slowstart: a failure after the 300 ms floor doubles from the floor', () => {
    assert.deepEqual(intervals({ type: 'slowstart', period: 0 }, ['success', 'success', 'success', 'failure']), [1000, 500, 300, 300, 600]);
  });
});
