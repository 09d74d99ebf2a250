import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verb } from '../../src/common/routes.js';
import { bearerToken } from '../../src/metrics/prometheus.controller.js';
import { routeLabel, UNMATCHED } from '../../src/common/routes.js';
import { BoundedLabels, largest, OTHER, pullMayWait, timedRoute } from '../../src/metrics/series-cap.js';
import {
  firstSeenOf,
  parseSlotLease,
  RECORD_SLOTS,
  slotLeaseName,
  slotLeaseTtlMs,
  slotOf,
  suspectHolder,
} from '../../src/housekeeping/slots.js';

describe('routeLabel', () => {
  it('spells router patterns as the OpenAPI document does', () => {
    assert.equal(routeLabel(`/v1/projects/:project/topics/${verb('topic', 'publish')}`), '/v1/projects/{project}/topics/{topic}:publish');
    assert.equal(routeLabel('/v1/projects/:project/subscriptions/:subscription'), '/v1/projects/{project}/subscriptions/{subscription}');
    assert.equal(routeLabel('/v1/users::byToken/:token'), '/v1/users:byToken/{token}');
    assert.equal(routeLabel('/metrics'), '/metrics');
  });

  it('has one value for every request no route matched', () => {
    assert.equal(routeLabel(undefined), UNMATCHED);
    assert.equal(routeLabel(''), UNMATCHED);
  });
});

describe('timedRoute', () => {
  const pull = `/v1/projects/:project/subscriptions/${verb('subscription', 'pull')}`;

  it('times the API and unmatched requests only, not Swagger UI or the scrape endpoint', () => {
    assert.equal(timedRoute('/v1/projects/:project', false), '/v1/projects/{project}');
    assert.equal(timedRoute(undefined, false), UNMATCHED);
    for (const pattern of ['/docs', '/docs/*', '/docs/openapi.json', '/metrics']) assert.equal(timedRoute(pattern, false), null, pattern);
  });

  it('labels a pull that may wait apart from an ordinary pull, and nothing else', () => {
    assert.equal(timedRoute(pull, false), '/v1/projects/{project}/subscriptions/{subscription}:pull');
    assert.equal(timedRoute(pull, true), '/v1/projects/{project}/subscriptions/{subscription}:pull (long-poll)');
    assert.equal(timedRoute('/v1/projects/:project', true), '/v1/projects/{project}');
  });

  it('reads returnImmediately as the pull does: only false or "false" waits', () => {
    assert.equal(pullMayWait({ returnImmediately: 'false' }), true);
    assert.equal(pullMayWait({ returnImmediately: false }), true);
    for (const body of [{}, { returnImmediately: 'true' }, { returnImmediately: true }, null, undefined, 'x', []]) {
      assert.equal(pullMayWait(body), false, JSON.stringify(body));
    }
  });
});

describe('largest', () => {
  const entries = [
    { key: 'a', size: 5 },
    { key: 'b', size: 9 },
    { key: 'c', size: 5 },
    { key: 'd', size: 1 },
  ];
  const pick = (cap: number) => largest(entries, cap, (e) => e.size, (e) => e.key);

  it('keeps everything up to the cap, as it came', () => {
    assert.deepEqual(pick(4), { kept: entries, dropped: 0 });
    assert.deepEqual(pick(10), { kept: entries, dropped: 0 });
  });

  it('beyond the cap keeps the largest, ties by key, and counts the rest', () => {
    assert.deepEqual(pick(2), { kept: [entries[1], entries[0]], dropped: 2 });
    assert.deepEqual(pick(3), { kept: [entries[1], entries[0], entries[2]], dropped: 1 });
    assert.deepEqual(pick(0), { kept: [], dropped: 4 });
  });
});

describe('BoundedLabels', () => {
  it('gives the first `cap` label sets their own series and counts later ones under (other)', () => {
    const labels = new BoundedLabels(['project', 'topic'] as const, 2);
    assert.deepEqual(labels.of({ project: 'p', topic: 't1' }), { project: 'p', topic: 't1' });
    assert.deepEqual(labels.of({ project: 'p', topic: 't2' }), { project: 'p', topic: 't2' });
    assert.deepEqual(labels.of({ project: 'p', topic: 't3' }), { project: OTHER, topic: OTHER });
    assert.deepEqual(labels.of({ project: 'p', topic: 't1' }), { project: 'p', topic: 't1' }, 'a seen set keeps its series');
    assert.deepEqual(labels.of({ project: 'q', topic: 't2' }), { project: OTHER, topic: OTHER }, 'the pair counts, not each value');
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer authorization, scheme in any case', () => {
    assert.equal(bearerToken('Bearer abc.def-123'), 'abc.def-123');
    assert.equal(bearerToken('bearer xyz'), 'xyz');
    assert.equal(bearerToken('BEARER  xyz '), 'xyz');
  });

  it('answers null for anything else', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwdw==', 'Bearer a b', 'xyz']) {
      assert.equal(bearerToken(header), null, String(header));
    }
  });
});

describe('house-keeping slots', () => {
  const at = (ms: number): Date => new Date(ms);

  it('cuts time into intervals', () => {
    assert.equal(slotOf(at(0), 60_000), 0);
    assert.equal(slotOf(at(59_999), 60_000), 0);
    assert.equal(slotOf(at(60_000), 60_000), 1);
    assert.equal(slotOf(at(1_700_000_000_123), 2000), 850_000_000);
  });

  it('names one lease per job and slot, sorting by slot, and reads it back', () => {
    assert.equal(slotLeaseName('orphans', 42), 'housekeeping/orphans/0000000000000042');
    assert.ok(slotLeaseName('orphans', 9) < slotLeaseName('orphans', 10));
    assert.deepEqual(parseSlotLease(slotLeaseName('expired-leases', 850_000_000)), { job: 'expired-leases', slot: 850_000_000 });
    assert.equal(parseSlotLease('orphan-log/0b1c'), null);
  });

  it('keeps the lease of a slot RECORD_SLOTS intervals past its end', () => {
    const interval = 2000;
    const now = at(10 * interval + 500); // slot 10
    assert.equal(now.getTime() + slotLeaseTtlMs(now, 10, interval), (11 + RECORD_SLOTS) * interval);
  });

  it('records and reads back when a suspect log was first seen', () => {
    const seen = new Date('2024-03-01T10:00:05.123Z');
    assert.deepEqual(firstSeenOf(suspectHolder(seen)), seen);
    assert.equal(firstSeenOf('host/123/abcd'), null);
  });
});
