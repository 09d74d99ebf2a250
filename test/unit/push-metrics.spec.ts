import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { SystemClock } from '../../src/common/time.js';
import type { AmsConfig } from '../../src/config/config.js';
import type { TrafficCounter } from '../../src/metrics/traffic-counter.js';
import { PushMetrics } from '../../src/push/push-metrics.js';

describe('PushMetrics', () => {
  const target = (name: string) => ({ projectUuid: 'p-uuid', name, createdOn: new Date(0) });

  it('rolls every outcome into the store counters and bounds the Prometheus series by AMS_METRICS_MAX_SERIES', async () => {
    const rolled: [string, string, number][] = [];
    const traffic = { recordPush: (kind: string, t: { name: string }, n: number) => rolled.push([kind, t.name, n]) };
    const registry = new Registry();
    const metrics = new PushMetrics(registry, traffic as unknown as TrafficCounter, new SystemClock(), {
      metricsMaxSeries: 1,
    } as AmsConfig);

    metrics.countDelivered('P', target('a'), 3);
    metrics.countDelivered('P', target('b'), 2);
    metrics.countFailure('P', target('b'));
    metrics.countRetry('P', target('b'));

    assert.deepEqual(rolled, [
      ['push_delivered', 'a', 3],
      ['push_delivered', 'b', 2],
      ['push_failed', 'b', 1],
      ['push_retried', 'b', 1],
    ]);
    const text = await registry.metrics();
    assert.match(text, /^ams_push_messages_delivered_total\{project="P",subscription="a"\} 3$/m);
    assert.match(text, /^ams_push_messages_delivered_total\{project="\(other\)",subscription="\(other\)"\} 2$/m);
    assert.match(text, /^ams_push_failures_total\{project="\(other\)",subscription="\(other\)"\} 1$/m);
    assert.doesNotMatch(text, /subscription="b"/);
  });

  it('creates a tracked subscription\'s series at zero, so that its first failure is an increase', async () => {
    const traffic = { recordPush: () => undefined };
    const registry = new Registry();
    const metrics = new PushMetrics(registry, traffic as unknown as TrafficCounter, new SystemClock(), {
      metricsMaxSeries: 10,
    } as AmsConfig);

    metrics.track('P', target('a'));
    const text = await registry.metrics();
    for (const name of ['ams_push_messages_delivered_total', 'ams_push_failures_total', 'ams_push_retries_total']) {
      assert.match(text, new RegExp(`^${name}\\{project="P",subscription="a"\\} 0$`, 'm'));
    }
    metrics.countFailure('P', target('a'));
    assert.match(await registry.metrics(), /^ams_push_failures_total\{project="P",subscription="a"\} 1$/m);
  });
});
