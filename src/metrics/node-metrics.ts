import { hostname, totalmem } from 'node:os';
import { Injectable } from '@nestjs/common';
import type { MetricDto } from './dto/metric.dto.js';

/** Descriptions are fixed per metric name: the original's texts, which clients may show (spec 3.8). */
export const NODE_CPU = {
  metric: 'ams_node.cpu_usage',
  description: 'Percentage value that displays the CPU usage of ams service in the specific node',
} as const;
export const NODE_MEMORY = {
  metric: 'ams_node.memory_usage',
  description: 'Percentage value that displays the Memory usage of ams service in the specific node',
} as const;

/** Process CPU time and monotonic wall time at one moment. */
export interface CpuReading {
  readonly cpuMicros: number;
  readonly wallMs: number;
}

export interface NodeSample {
  readonly host: string;
  readonly cpu: number;
  readonly memory: number;
}

/** One decimal, as `ps -o %cpu,%mem` (the original's source of these figures) prints them. */
const tenths = (value: number): number => Math.round(value * 10) / 10;

/**
 * CPU time the process used between two readings, as a percentage of the wall time between them. Above 100 when
 * several cores were busy, like `ps`; 0 when no wall time passed.
 */
export function cpuPercent(previous: CpuReading, current: CpuReading): number {
  const wallMs = current.wallMs - previous.wallMs;
  if (wallMs <= 0) return 0;
  return tenths(((current.cpuMicros - previous.cpuMicros) / 1000 / wallMs) * 100);
}

/** Resident memory of the process as a percentage of the machine's memory. */
export function memoryPercent(rssBytes: number, totalBytes: number): number {
  return totalBytes <= 0 ? 0 : tenths((rssBytes / totalBytes) * 100);
}

/** The two `ams_node` metrics of one node's sample, stamped `timestamp` (spec 3.8). */
export function nodeMetrics(sample: NodeSample, timestamp: string): MetricDto[] {
  const percentage = (named: { metric: string; description: string }, value: number): MetricDto => ({
    metric: named.metric,
    metric_type: 'percentage',
    value_type: 'float64',
    resource_type: 'ams_node',
    resource_name: sample.host,
    timeseries: [{ timestamp, value }],
    description: named.description,
  });
  return [percentage(NODE_CPU, sample.cpu), percentage(NODE_MEMORY, sample.memory)];
}

const readCpu = (): CpuReading => {
  const { user, system } = process.cpuUsage();
  return { cpuMicros: user + system, wallMs: performance.now() };
};

/**
 * This node's CPU and memory use. Each sample measures CPU since the previous one (the first since the process
 * started, when both CPU time and performance.now() were zero).
 *
 * Only the calling node is reported for now: keeping every node's latest sample in the store, so that any replica can
 * list all of them as the original does, comes with the metrics endpoints.
 */
@Injectable()
export class NodeMetrics {
  private previous: CpuReading = { cpuMicros: 0, wallMs: 0 };

  sample(): NodeSample {
    const current = readCpu();
    const cpu = cpuPercent(this.previous, current);
    this.previous = current;
    return { host: hostname(), cpu, memory: memoryPercent(process.memoryUsage.rss(), totalmem()) };
  }
}
