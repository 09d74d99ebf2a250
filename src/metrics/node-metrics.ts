import { hostname, totalmem } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock, formatSeconds } from '../common/time.js';
import { COUNTERS, type CounterStore } from '../storage/ports/counter-store.repository.js';
import type { NodeSampleRecord } from '../storage/ports/records.js';
import type { MetricDto } from './dto/metric.dto.js';
import { failureLevel } from '../storage/ports/store-errors.js';

/** How often a node refreshes its stored sample when no `GET /metrics` asks. */
export const NODE_SAMPLE_INTERVAL_MS = 60_000;

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

/** The metrics of every node's stored sample, each stamped with its sampling time, nodes by host name. */
export function allNodeMetrics(samples: readonly NodeSampleRecord[]): MetricDto[] {
  return samples.flatMap((s) => nodeMetrics(s, formatSeconds(s.sampledAt)));
}

/**
 * This node's CPU and memory use. Each sample measures CPU since the previous one (the first since the process
 * started, when both CPU time and performance.now() were zero).
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

/**
 * Every API node keeps one sample of itself in the metadata store (spec 3.8 `GET /metrics`; one per host, spec 5.2),
 * refreshed by each `GET /metrics` or usage report on the node and every NODE_SAMPLE_INTERVAL_MS, so that any replica
 * can list all nodes. `refresh` is public so that a scheduler can call it.
 */
@Injectable()
export class NodeSamples implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NodeSamples.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(COUNTERS) private readonly store: Pick<CounterStore, 'putNodeSample' | 'nodeSamples'>,
    @Inject(Clock) private readonly clock: Clock,
    private readonly node: NodeMetrics,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.refreshQuietly(), NODE_SAMPLE_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Samples this node and stores the sample in place of its previous one. */
  async refresh(): Promise<NodeSampleRecord> {
    const sample: NodeSampleRecord = { ...this.node.sample(), sampledAt: this.clock.now() };
    await this.store.putNodeSample(sample);
    return sample;
  }

  /** This node's fresh sample and every other node's latest, by host name. */
  async all(): Promise<NodeSampleRecord[]> {
    await this.refresh();
    return this.store.nodeSamples();
  }

  private async refreshQuietly(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.logger[failureLevel(err)](`node sample not stored: ${String(err)}`);
    }
  }
}
