import { Inject, Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { Clock } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { BoundedLabels } from '../metrics/series-cap.js';
import { TrafficCounter } from '../metrics/traffic-counter.js';
import type { SubscriptionRecord } from '../storage/ports/records.js';

/** The subscription a push outcome belongs to: its project's name (labels) and the record (stored counters). */
export type PushTarget = Pick<SubscriptionRecord, 'projectUuid' | 'name' | 'createdOn'>;

/**
 * Push counters: Prometheus counters on the application's registry (`/metrics`, per process), labelled by project and
 * subscription names; and the same counts rolled up into the store per subscription (TrafficCounter, no write per
 * message), which the AMS JSON metrics API reads whichever process pushed. The Prometheus families are bounded by
 * AMS_METRICS_MAX_SERIES like the other message counters (BoundedLabels).
 */
@Injectable()
export class PushMetrics {
  private readonly delivered: Counter<'project' | 'subscription'>;
  private readonly failures: Counter<'project' | 'subscription'>;
  private readonly retries: Counter<'project' | 'subscription'>;
  private readonly labels: BoundedLabels<'project' | 'subscription'>;

  constructor(
    @Inject(Registry) registry: Registry,
    private readonly traffic: TrafficCounter,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AMS_CONFIG) config: AmsConfig,
  ) {
    this.labels = new BoundedLabels(['project', 'subscription'], config.metricsMaxSeries);
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

  /**
   * Creates the subscription's series at zero when its delivery starts, so that the first failure is an increase
   * (`increase()`/`rate()` see nothing in a series that is born at 1).
   */
  track(project: string, target: PushTarget): void {
    const labels = this.labels.of({ project, subscription: target.name });
    for (const counter of [this.delivered, this.failures, this.retries]) counter.inc(labels, 0);
  }

  countDelivered(project: string, target: PushTarget, messages: number): void {
    this.delivered.inc(this.labels.of({ project, subscription: target.name }), messages);
    this.traffic.recordPush('push_delivered', target, messages, this.clock.now());
  }

  countFailure(project: string, target: PushTarget): void {
    this.failures.inc(this.labels.of({ project, subscription: target.name }));
    this.traffic.recordPush('push_failed', target, 1, this.clock.now());
  }

  countRetry(project: string, target: PushTarget): void {
    this.retries.inc(this.labels.of({ project, subscription: target.name }));
    this.traffic.recordPush('push_retried', target, 1, this.clock.now());
  }
}
