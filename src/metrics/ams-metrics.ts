import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { VERSION } from '../common/version.js';
import { BoundedLabels, timedRoute } from './series-cap.js';

/** Request duration buckets, seconds: from a cached point read to a long poll. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

type TopicLabel = 'project' | 'topic';
type SubscriptionLabel = 'project' | 'subscription';

/**
 * The traffic metrics of this process (docs/operations-metrics.md): request durations and message counters, kept in
 * memory and registered on the app's Registry. Call sites add one line each, never a store write. Per-resource
 * families are bounded by AMS_METRICS_MAX_SERIES (BoundedLabels).
 */
@Injectable()
export class AmsMetrics {
  private readonly requestDuration: Histogram<'route' | 'method' | 'status'>;
  private readonly published: Counter<TopicLabel>;
  private readonly publishedBytes: Counter<TopicLabel>;
  private readonly pulled: Counter<SubscriptionLabel>;
  private readonly pulledBytes: Counter<SubscriptionLabel>;
  private readonly acknowledged: Counter<SubscriptionLabel>;
  private readonly topicLabels: BoundedLabels<TopicLabel>;
  private readonly subscriptionLabels: BoundedLabels<SubscriptionLabel>;
  private readonly backendUp: Gauge<'backend'>;

  constructor(registry: Registry, @Inject(AMS_CONFIG) config: AmsConfig) {
    const registers = [registry];
    this.requestDuration = new Histogram({
      name: 'ams_http_request_duration_seconds',
      help: 'Duration of API requests, by route pattern (OpenAPI spelling; "unmatched" for unknown routes; pulls that may wait as ":pull (long-poll)"), method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const topicCounter = (name: string, help: string): Counter<TopicLabel> =>
      new Counter({ name, help, labelNames: ['project', 'topic'], registers });
    const subscriptionCounter = (name: string, help: string): Counter<SubscriptionLabel> =>
      new Counter({ name, help, labelNames: ['project', 'subscription'], registers });
    this.published = topicCounter('ams_messages_published_total', 'Messages published, by project and topic');
    this.publishedBytes = topicCounter('ams_messages_published_bytes_total', 'Data bytes (base64 text) of the messages published');
    this.pulled = subscriptionCounter('ams_messages_pulled_total', 'Messages returned by pulls, by project and subscription');
    this.pulledBytes = subscriptionCounter('ams_messages_pulled_bytes_total', 'Data bytes (base64 text) of the messages returned by pulls');
    this.acknowledged = subscriptionCounter(
      'ams_messages_acknowledged_total',
      'Messages an acknowledge moved the subscription past, by project and subscription',
    );
    new Gauge({
      name: 'ams_build_info',
      help: 'Always 1: the AMS version and the storage backend of this process, as labels',
      labelNames: ['version', 'store', 'nodejs_version'],
      registers,
    }).set({ version: VERSION, store: config.store, nodejs_version: process.version }, 1);
    this.backendUp = new Gauge({
      name: 'ams_backend_up',
      help: 'Whether the last check of a storage dependency (sqlite, mongodb, kafka) got an answer: 1 yes, 0 no',
      labelNames: ['backend'],
      registers,
    });
    this.topicLabels = new BoundedLabels(['project', 'topic'], config.metricsMaxSeries);
    this.subscriptionLabels = new BoundedLabels(['project', 'subscription'], config.metricsMaxSeries);
  }

  /**
   * One answered request; `routePattern` is the router's pattern, undefined when no route matched. `waits`: a pull that
   * asked to wait for messages. Requests outside the API (Swagger UI, `/metrics`) are not timed (timedRoute).
   */
  observeRequest(routePattern: string | undefined, method: string, status: number, seconds: number, waits = false): void {
    const route = timedRoute(routePattern, waits);
    if (route !== null) this.requestDuration.observe({ route, method, status: String(status) }, seconds);
  }

  /** The state the health monitor (src/health) saw in its last check of one storage dependency. */
  setBackendUp(backend: string, up: boolean): void {
    this.backendUp.set({ backend }, up ? 1 : 0);
  }

  recordPublished(project: string, topic: string, messages: number, bytes: number): void {
    const labels = this.topicLabels.of({ project, topic });
    this.published.inc(labels, messages);
    this.publishedBytes.inc(labels, bytes);
  }

  recordPulled(project: string, subscription: string, messages: number, bytes: number): void {
    const labels = this.subscriptionLabels.of({ project, subscription });
    this.pulled.inc(labels, messages);
    this.pulledBytes.inc(labels, bytes);
  }

  recordAcknowledged(project: string, subscription: string, messages: number): void {
    if (messages <= 0) return;
    this.acknowledged.inc(this.subscriptionLabels.of({ project, subscription }), messages);
  }
}
