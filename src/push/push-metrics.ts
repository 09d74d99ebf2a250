import { Inject, Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { Clock } from '../common/time.js';
import { TrafficCounter } from '../metrics/traffic-counter.js';
import type { SubscriptionRecord } from '../storage/ports/records.js';

/** The subscription a push outcome belongs to: its project's name (labels) and the record (stored counters). */
export type PushTarget = Pick<SubscriptionRecord, 'projectUuid' | 'name' | 'createdOn'>;

/** What push delivery did for one subscription in this process since it started. */
export interface PushCounts {
  /** Messages the endpoint accepted. */
  readonly delivered: number;
  /** Attempts that failed (consume, send or acknowledge). */
  readonly failures: number;
  /** Attempts that sent again what a failed attempt could not deliver. */
  readonly retries: number;
}

const ZERO: PushCounts = { delivered: 0, failures: 0, retries: 0 };

/**
 * Push counters: Prometheus counters on the application's registry (`/metrics`, per process), labelled by project and
 * subscription names; and the same counts rolled up into the store per subscription (TrafficCounter, no write per
 * message), which the AMS JSON metrics API reads whichever process pushed. `countsOf` is this process's share.
 */
@Injectable()
export class PushMetrics {
  private readonly delivered: Counter<'project' | 'subscription'>;
  private readonly failures: Counter<'project' | 'subscription'>;
  private readonly retries: Counter<'project' | 'subscription'>;
  private readonly counts = new Map<string, PushCounts>();

  constructor(
    @Inject(Registry) registry: Registry,
    private readonly traffic: TrafficCounter,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    const labelNames = ['project', 'subscription'] as const;
    this.delivered = new Counter({
      name: 'ams_push_messages_delivered_total',
      help: 'Messages accepted by push endpoints',
      labelNames,
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'ams_push_failures_total',
      help: 'Push attempts that failed (consume, send or acknowledge)',
      labelNames,
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'ams_push_retries_total',
      help: 'Push attempts that resent messages after a failed attempt',
      labelNames,
      registers: [registry],
    });
  }

  countDelivered(project: string, target: PushTarget, messages: number): void {
    this.delivered.inc({ project, subscription: target.name }, messages);
    this.traffic.recordPush('push_delivered', target, messages, this.clock.now());
    this.bump(project, target.name, { delivered: messages });
  }

  countFailure(project: string, target: PushTarget): void {
    this.failures.inc({ project, subscription: target.name });
    this.traffic.recordPush('push_failed', target, 1, this.clock.now());
    this.bump(project, target.name, { failures: 1 });
  }

  countRetry(project: string, target: PushTarget): void {
    this.retries.inc({ project, subscription: target.name });
    this.traffic.recordPush('push_retried', target, 1, this.clock.now());
    this.bump(project, target.name, { retries: 1 });
  }

  /** The counts of one subscription (zeros when this process never pushed for it). */
  countsOf(project: string, subscription: string): PushCounts {
    return this.counts.get(key(project, subscription)) ?? ZERO;
  }

  private bump(project: string, subscription: string, by: Partial<PushCounts>): void {
    const now = this.countsOf(project, subscription);
    this.counts.set(key(project, subscription), {
      delivered: now.delivered + (by.delivered ?? 0),
      failures: now.failures + (by.failures ?? 0),
      retries: now.retries + (by.retries ?? 0),
    });
  }
}

const key = (project: string, subscription: string): string => `${project}/${subscription}`;
