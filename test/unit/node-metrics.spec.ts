import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { cpuPercent, memoryPercent, NodeMetrics, nodeMetrics } from '../../src/metrics/node-metrics.js';

describe('cpuPercent: process CPU time over wall time between two readings', () => {
  const cases: [string, number, number, number][] = [
    // [label, cpu micros used, wall ms passed, expected %]
    ['idle', 0, 1000, 0],
    ['a fifth of one core', 200_000, 1000, 20],
    ['one core', 1_000_000, 1000, 100],
    ['two cores (above 100, like ps)', 4_000_000, 2000, 200],
    ['rounded to one decimal', 1_234, 1000, 0.1],
    ['below a twentieth of a percent', 400, 1000, 0],
    ['no wall time passed', 5_000, 0, 0],
  ];
  for (const [label, cpu, wall, expected] of cases) {
    it(`${label}: ${expected}`, () => {
      const previous = { cpuMicros: 10_000, wallMs: 500 };
      assert.equal(cpuPercent(previous, { cpuMicros: previous.cpuMicros + cpu, wallMs: previous.wallMs + wall }), expected);
    });
  }
});

describe('memoryPercent: resident set over total memory', () => {
  const GIB = 1024 ** 3;
  const cases: [number, number, number][] = [
    [0, 8 * GIB, 0],
    [GIB, 8 * GIB, 12.5],
    [100 * 1024 ** 2, 16 * GIB, 0.6],
    [8 * GIB, 8 * GIB, 100],
    [GIB, 0, 0],
  ];
  for (const [rss, total, expected] of cases) {
    it(`${rss} of ${total}: ${expected}`, () => assert.equal(memoryPercent(rss, total), expected));
  }
});

describe('nodeMetrics: the two ams_node metrics (spec 3.8)', () => {
  it('shapes one sample, one timepoint each, with the fixed descriptions', () => {
    assert.deepEqual(nodeMetrics({ host: 'node-1', cpu: 0.2, memory: 1.5 }, '2024-03-01T10:00:05Z'), [
      {
        metric: 'ams_node.cpu_usage',
        metric_type: 'percentage',
        value_type: 'float64',
        resource_type: 'ams_node',
        resource_name: 'node-1',
        timeseries: [{ timestamp: '2024-03-01T10:00:05Z', value: 0.2 }],
        description: 'Percentage value that displays the CPU usage of ams service in the specific node',
      },
      {
        metric: 'ams_node.memory_usage',
        metric_type: 'percentage',
        value_type: 'float64',
        resource_type: 'ams_node',
        resource_name: 'node-1',
        timeseries: [{ timestamp: '2024-03-01T10:00:05Z', value: 1.5 }],
        description: 'Percentage value that displays the Memory usage of ams service in the specific node',
      },
    ]);
  });
});

describe('NodeMetrics: samples of this process', () => {
  it('measures this host, with plausible percentages, each sample since the previous one', () => {
    const node = new NodeMetrics();
    const first = node.sample();
    const deadline = performance.now() + 30;
    while (performance.now() < deadline) Math.sqrt(Math.random()); // busy: CPU time passes
    const second = node.sample();
    for (const sample of [first, second]) {
      assert.equal(sample.host, hostname());
      assert.ok(sample.cpu >= 0, String(sample.cpu));
      assert.ok(sample.memory > 0 && sample.memory <= 100, String(sample.memory));
    }
    assert.ok(second.cpu > 0, 'a busy interval shows CPU use');
  });
});
