import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dailySeries, NEVER, projectMetrics, subscriptionMetrics, topicMetrics } from '../../src/metrics/resource-metrics.js';
import { RATE_WINDOW_MS, ratePerSecond, rateWindowStart, TrafficCounter } from '../../src/metrics/traffic-counter.js';
import type { DailyCount, ResourceCountBatch } from '../../src/storage/ports/records.js';

const NOW = new Date('2024-03-02T10:00:05.750Z');
const day = (d: string, messages: number, topicName = 't'): DailyCount => ({ projectUuid: 'p', topicName, day: d, messages, bytes: 0 });

describe('dailySeries', () => {
  it('sums topics per day, newest first', () => {
    assert.deepEqual(dailySeries([day('2024-03-01', 1), day('2024-03-02', 2), day('2024-03-01', 4, 'u')]), [
      { timestamp: '2024-03-02', value: 2 },
      { timestamp: '2024-03-01', value: 5 },
    ]);
  });

  it('keeps the 30 newest days', () => {
    const days = Array.from({ length: 40 }, (_, i) => day(new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10), i));
    const series = dailySeries(days);
    assert.equal(series.length, 30);
    assert.deepEqual(series[0], { timestamp: '2024-02-09', value: 39 });
    assert.deepEqual(series[29], { timestamp: '2024-01-11', value: 10 });
  });
});

describe('metric builders', () => {
  it('project: counts stamped now in seconds, user metrics only for members with access, topics before subscriptions', () => {
    const metrics = projectMetrics(
      {
        project: 'P',
        topics: 3,
        subscriptions: 4,
        members: [
          { user: 'ann', topics: 2, subscriptions: 0 },
          { user: 'bob', topics: 0, subscriptions: 0 },
          { user: 'cy', topics: 1, subscriptions: 3 },
        ],
        daily: [day('2024-03-02', 7)],
      },
      NOW,
    );
    assert.deepEqual(
      metrics.map((m) => [m.metric, m.metric_type, m.value_type, m.resource_type, m.resource_name, m.timeseries]),
      [
        ['project.number_of_topics', 'counter', 'int64', 'project', 'P', [{ timestamp: '2024-03-02T10:00:05Z', value: 3 }]],
        ['project.number_of_subscriptions', 'counter', 'int64', 'project', 'P', [{ timestamp: '2024-03-02T10:00:05Z', value: 4 }]],
        ['project.user.number_of_topics', 'counter', 'int64', 'project.user', 'P.ann', [{ timestamp: '2024-03-02T10:00:05Z', value: 2 }]],
        ['project.user.number_of_topics', 'counter', 'int64', 'project.user', 'P.cy', [{ timestamp: '2024-03-02T10:00:05Z', value: 1 }]],
        ['project.user.number_of_subscriptions', 'counter', 'int64', 'project.user', 'P.cy', [{ timestamp: '2024-03-02T10:00:05Z', value: 3 }]],
        ['project.number_of_daily_messages', 'counter', 'int64', 'project', 'P', [{ timestamp: '2024-03-02', value: 7 }]],
      ],
    );
  });

  it('topic: the rate is a float stamped with the last publish, or with the zero time when there was none', () => {
    const traffic = { messages: 9, bytes: 90, lastAt: new Date('2024-03-02T09:59:59.900Z'), rate: 0.3 };
    const metrics = topicMetrics({ topic: 'T', subscriptions: 1, traffic, daily: [] }, NOW);
    assert.deepEqual(
      metrics.map((m) => [m.metric, m.metric_type, m.value_type, m.timeseries]),
      [
        ['topic.number_of_subscriptions', 'counter', 'int64', [{ timestamp: '2024-03-02T10:00:05Z', value: 1 }]],
        ['topic.number_of_messages', 'counter', 'int64', [{ timestamp: '2024-03-02T10:00:05Z', value: 9 }]],
        ['topic.number_of_bytes', 'counter', 'int64', [{ timestamp: '2024-03-02T10:00:05Z', value: 90 }]],
        ['topic.number_of_daily_messages', 'counter', 'int64', []],
        ['topic.publishing_rate', 'rate', 'float64', [{ timestamp: '2024-03-02T09:59:59Z', value: 0.3 }]],
      ],
    );
    const idle = subscriptionMetrics({ subscription: 'S', traffic: { messages: 0, bytes: 0, lastAt: null, rate: 0 } }, NOW);
    assert.deepEqual(idle[2].timeseries, [{ timestamp: NEVER, value: 0 }]);
    assert.equal(NEVER, '0001-01-01T00:00:00Z');
    assert.deepEqual(
      idle.map((m) => [m.metric, m.resource_type, m.resource_name]),
      [
        ['subscription.number_of_messages', 'subscription', 'S'],
        ['subscription.number_of_bytes', 'subscription', 'S'],
        ['subscription.consumption_rate', 'subscription', 'S'],
      ],
    );
  });
});

describe('rate maths', () => {
  it('windows are fixed 10-second slices of the clock', () => {
    assert.equal(RATE_WINDOW_MS, 10_000);
    assert.deepEqual(rateWindowStart(new Date('2024-03-01T10:00:09.999Z')), new Date('2024-03-01T10:00:00.000Z'));
    assert.deepEqual(rateWindowStart(new Date('2024-03-01T10:00:10.000Z')), new Date('2024-03-01T10:00:10.000Z'));
  });

  it('messages per second of the latest window with traffic; 0 without one', () => {
    assert.equal(ratePerSecond(null), 0);
    assert.equal(ratePerSecond({ messages: 25 }), 2.5);
  });

  it('the roll-up tallies per resource incarnation and window, and keeps the last time', async () => {
    const batches: ResourceCountBatch[] = [];
    const counter = new TrafficCounter({ addResourceCounts: async (b) => void batches.push(b) });
    const topic = { projectUuid: 'p', name: 't', logId: 'log-1' };
    const sub = { projectUuid: 'p', name: 's', createdOn: new Date(1000) };
    counter.recordPublish(topic, 2, 20, new Date('2024-03-01T10:00:01Z'));
    counter.recordPublish(topic, 1, 5, new Date('2024-03-01T10:00:09Z'));
    counter.recordPublish(topic, 4, 40, new Date('2024-03-01T10:00:11Z'));
    counter.recordPublish({ ...topic, logId: 'log-2' }, 1, 1, new Date('2024-03-01T10:00:02Z'));
    counter.recordPull(sub, 3, 30, new Date('2024-03-01T10:00:03Z'));
    counter.recordPull(sub, 0, 0, new Date('2024-03-01T10:00:04Z'));
    await counter.flush();
    assert.equal(batches.length, 1);
    const summary = batches[0].counts.map((c) => [c.kind, c.incarnation, c.windowStart.toISOString().slice(11, 19), c.messages, c.bytes, c.lastAt.toISOString().slice(11, 19)]);
    assert.deepEqual(summary.sort(), [
      ['subscription', '1000', '10:00:00', 3, 30, '10:00:03'],
      ['topic', 'log-1', '10:00:00', 3, 25, '10:00:09'],
      ['topic', 'log-1', '10:00:10', 4, 40, '10:00:11'],
      ['topic', 'log-2', '10:00:00', 1, 1, '10:00:02'],
    ]);
    await counter.flush();
    assert.equal(batches.length, 1, 'nothing new: nothing written');
  });
});
