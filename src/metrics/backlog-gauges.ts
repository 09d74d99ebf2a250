import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Gauge, Registry } from 'prom-client';
import { clampToLog } from '../common/offsets.js';
import { Clock } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { MESSAGE_LOG, type MessageLog } from '../storage/ports/message-log.repository.js';
import { PROJECTS, type ProjectStore } from '../storage/ports/project-store.repository.js';
import { SUBSCRIPTIONS, type SubscriptionStore } from '../storage/ports/subscription-store.repository.js';
import { TOPICS, type TopicStore } from '../storage/ports/topic-store.repository.js';
import type { LogBounds } from '../storage/ports/records.js';
import { largest } from './series-cap.js';
import { failureLevel } from '../storage/ports/store-errors.js';

/** One gauge value with its labels. */
export interface Sample<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  readonly value: number;
}

/** What one refresh read from the stores. */
export interface BacklogSnapshot {
  readonly subscriptions: Sample<'project' | 'subscription'>[];
  readonly topics: Sample<'project' | 'topic'>[];
}

/**
 * Backlog gauges, computed from the stores by a scheduled refresh in every process (each replica exports them, so
 * queries aggregate with `max by`), never per scrape: a scrape only renders what the last refresh set. Each family keeps
 * the AMS_METRICS_MAX_SERIES largest values; how many were left out is `ams_metrics_series_dropped{metric}`.
 */
@Injectable()
export class BacklogGauges implements OnApplicationBootstrap {
  private readonly logger = new Logger(BacklogGauges.name);
  private readonly subscriptionBacklog: Gauge<'project' | 'subscription'>;
  private readonly topicMessages: Gauge<'project' | 'topic'>;
  private readonly dropped: Gauge<'metric'>;
  private readonly refreshedAt: Gauge;
  private running: Promise<void> | null = null;

  constructor(
    registry: Registry,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    @Inject(PROJECTS) private readonly projectStore: ProjectStore,
    @Inject(SUBSCRIPTIONS) private readonly subscriptionStore: SubscriptionStore,
    @Inject(TOPICS) private readonly topicStore: TopicStore,
    @Inject(MESSAGE_LOG) private readonly log: MessageLog,
    @Inject(Clock) private readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
  ) {
    const registers = [registry];
    this.subscriptionBacklog = new Gauge({
      name: 'ams_subscription_backlog_messages',
      help: "Messages of the subscription's topic not acknowledged yet (log end - ack floor), at the last refresh",
      labelNames: ['project', 'subscription'],
      registers,
    });
    this.topicMessages = new Gauge({
      name: 'ams_topic_messages',
      help: "Messages retained in the topic's log (log end - oldest retained offset), at the last refresh",
      labelNames: ['project', 'topic'],
      registers,
    });
    this.dropped = new Gauge({
      name: 'ams_metrics_series_dropped',
      help: 'Series the last backlog refresh left out because of AMS_METRICS_MAX_SERIES (the smallest values go)',
      labelNames: ['metric'],
      registers,
    });
    this.refreshedAt = new Gauge({
      name: 'ams_backlog_refresh_timestamp_seconds',
      help: 'When the backlog gauges were last refreshed (Unix time)',
      registers,
    });
  }

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.refreshQuietly(), this.config.housekeepingIntervalSeconds * 1000);
    // Cleared by @nestjs/schedule on shutdown with the other registered intervals.
    this.scheduler.addInterval('metrics-backlog-refresh', timer);
  }

  /** Reads the stores and replaces the gauges' series; a refresh still running is joined, not doubled. */
  refresh(): Promise<void> {
    this.running ??= this.refreshNow().finally(() => (this.running = null));
    return this.running;
  }

  private async refreshQuietly(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.logger[failureLevel(err)](`backlog gauges not refreshed: ${String(err)}`);
    }
  }

  private async refreshNow(): Promise<void> {
    const snapshot = await this.read();
    const cap = this.config.metricsMaxSeries;
    const keyOf = (s: Sample<string>): string => Object.values(s.labels).join('/');
    const subscriptions = largest(snapshot.subscriptions, cap, (s) => s.value, keyOf);
    const topics = largest(snapshot.topics, cap, (s) => s.value, keyOf);
    this.subscriptionBacklog.reset();
    for (const s of subscriptions.kept) this.subscriptionBacklog.set(s.labels, s.value);
    this.topicMessages.reset();
    for (const s of topics.kept) this.topicMessages.set(s.labels, s.value);
    this.dropped.set({ metric: 'ams_subscription_backlog_messages' }, subscriptions.dropped);
    this.dropped.set({ metric: 'ams_topic_messages' }, topics.dropped);
    this.refreshedAt.set(this.clock.now().getTime() / 1000);
  }

  /** Every topic's bounds (one log call per topic) and every subscription's floor (already in the records). */
  private async read(): Promise<BacklogSnapshot> {
    const snapshot: BacklogSnapshot = { subscriptions: [], topics: [] };
    for (const project of await this.projectStore.listProjects()) {
      const bounds = new Map<string, LogBounds>();
      for (const topic of (await this.topicStore.listTopics(project.uuid, {}, { size: 0 }))?.items ?? []) {
        const b = await this.log.bounds(topic.logId);
        bounds.set(topic.name, b);
        snapshot.topics.push({ labels: { project: project.name, topic: topic.name }, value: b.max - b.min });
      }
      for (const sub of (await this.subscriptionStore.listSubscriptions(project.uuid, {}, { size: 0 }))?.items ?? []) {
        const b = bounds.get(sub.topicName);
        if (b === undefined) continue; // its topic is deleted: nothing to deliver (spec 4.5)
        snapshot.subscriptions.push({
          labels: { project: project.name, subscription: sub.name },
          value: b.max - clampToLog(sub.cursor.ackFloor, b),
        });
      }
    }
    return snapshot;
  }
}
