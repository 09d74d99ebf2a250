import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Counter, Registry } from 'prom-client';
import { Clock } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { batchIdsForgettableBefore } from '../metrics/usage-counter.js';
import { JOB_LEASES, type JobLeaseStore } from '../storage/ports/job-lease-store.repository.js';
import { MESSAGE_LOG, type MessageLog } from '../storage/ports/message-log.repository.js';
import { COUNTERS, type CounterStore } from '../storage/ports/counter-store.repository.js';
import { PROJECTS, type ProjectStore } from '../storage/ports/project-store.repository.js';
import { TOPICS, type TopicStore } from '../storage/ports/topic-store.repository.js';
import { SubscriptionActivityRecorder } from '../delivery/subscription-activity.js';
import { SubscriptionsService } from '../subscriptions/subscriptions.service.js';
import { firstSeenOf, slotLeaseName, slotLeaseTtlMs, slotOf, SUSPECT_PREFIX, suspectHolder } from './slots.js';
import { failureLevel } from '../storage/ports/store-errors.js';

/** The jobs that run once per interval across all replicas, in this order. */
export const LEASED_JOBS = ['expired-leases', 'counter-compaction', 'orphans', 'message-retention', 'subscription-expiration'] as const;
export type LeasedJob = (typeof LEASED_JOBS)[number];

/** Expired subscriptions deleted per call; calls repeat until none is left. */
const EXPIRED_SUBSCRIPTIONS_PER_CALL = 100;

/**
 * Messages one expiry call may delete; a backend deletes fewer per call where its writes block (the embedded store's
 * chunks). Calls repeat, yielding in between, until a log has none left to expire.
 */
const EXPIRY_CALL_LIMIT = 10_000;

/** Shortest wait before an unreferenced log is deleted (see SUSPECT_PREFIX): longer than any topic create takes. */
const ORPHAN_LOG_GRACE_MS = 20_000;

/**
 * House-keeping of the stores (docs/operations-metrics.md): expired job leases, compaction of the daily counters'
 * applied-batch ids, orphans left by interrupted deletes and crashes, and messages past their retention. Every job
 * runs once per interval (AMS_HOUSEKEEPING_INTERVAL_S) across the replicas sharing a backend: a process checks several times per interval
 * whether the current slot of each job was handled, and runs it only if it takes the slot's lease (slots.ts). Runs are
 * counted in `ams_housekeeping_runs_total{job}`. The daily counter roll-up is not here: it runs in every process
 * (UsageCounter), since each one writes its own memory.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HousekeepingService.name);
  /** Who this process is in the leases it takes. */
  readonly holder = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly intervalMs: number;
  private readonly runs: Counter<'job'>;
  private readonly failures: Counter<'job'>;
  /** Per job, the last slot this process handled: ran it, or found it taken. */
  private readonly handled = new Map<LeasedJob, number>();
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    @Inject(AMS_CONFIG) config: AmsConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(JOB_LEASES) private readonly leases: JobLeaseStore,
    @Inject(COUNTERS) private readonly counterStore: CounterStore,
    @Inject(PROJECTS) private readonly projectStore: ProjectStore,
    @Inject(TOPICS) private readonly topicStore: TopicStore,
    @Inject(MESSAGE_LOG) private readonly log: MessageLog,
    private readonly subscriptions: SubscriptionsService,
    private readonly activity: SubscriptionActivityRecorder,
    private readonly scheduler: SchedulerRegistry,
    registry: Registry,
  ) {
    this.intervalMs = config.housekeepingIntervalSeconds * 1000;
    this.runs = new Counter({
      name: 'ams_housekeeping_runs_total',
      help: 'House-keeping runs this process completed, by job (across replicas each job runs once per interval)',
      labelNames: ['job'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'ams_housekeeping_failures_total',
      help: 'House-keeping runs that failed in this process, by job (the slot is handed back for another try)',
      labelNames: ['job'],
      registers: [registry],
    });
    // Every job's series exists from the start, so that the first failure is an increase.
    for (const job of LEASED_JOBS) {
      this.runs.inc({ job }, 0);
      this.failures.inc({ job }, 0);
    }
  }

  onApplicationBootstrap(): void {
    // Several looks per interval, so a slot is taken soon after it begins by whichever process looks first.
    const tickMs = Math.max(200, Math.floor(this.intervalMs / 5));
    // @nestjs/schedule clears it on shutdown, before beforeApplicationShutdown below waits for a run in progress.
    this.scheduler.addInterval('housekeeping', setInterval(() => void this.tick(), tickMs));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** Runs the jobs whose current slot this process has not handled yet; a tick during a run does nothing. */
  tick(): Promise<void> {
    if (this.stopping || this.running !== null) return Promise.resolve();
    this.running = this.runDue().finally(() => (this.running = null));
    return this.running;
  }

  private async runDue(): Promise<void> {
    for (const job of LEASED_JOBS) {
      if (this.stopping) return;
      await this.runInSlot(job);
    }
  }

  private async runInSlot(job: LeasedJob): Promise<void> {
    const now = this.clock.now();
    const slot = slotOf(now, this.intervalMs);
    if (this.handled.get(job) === slot) return;
    const lease = slotLeaseName(job, slot);
    try {
      const mine = await this.leases.acquire(lease, this.holder, now, slotLeaseTtlMs(now, slot, this.intervalMs));
      this.handled.set(job, slot);
      if (!mine) return; // another replica runs this slot
    } catch (err) {
      this.logger[failureLevel(err)](`${job}: slot ${slot} not taken, trying again: ${String(err)}`);
      return;
    }
    try {
      const outcome = await this.run(job, now);
      this.runs.inc({ job });
      this.logger.debug(`${job} ran in slot ${slot}: ${outcome}`);
    } catch (err) {
      this.failures.inc({ job });
      this.logger[failureLevel(err)](`${job} failed in slot ${slot}: ${String(err)}`);
      // Hand the slot back, so this or another replica tries again within the interval.
      this.handled.delete(job);
      await this.leases.release(lease, this.holder).catch(() => undefined);
    }
  }

  private run(job: LeasedJob, now: Date): Promise<string> {
    switch (job) {
      case 'expired-leases':
        return this.removeExpiredLeases(now);
      case 'counter-compaction':
        return this.compactCounters(now);
      case 'orphans':
        return this.removeOrphans(now);
      case 'message-retention':
        return this.expireMessages(now);
      case 'subscription-expiration':
        return this.deleteExpiredSubscriptions(now);
    }
  }

  /**
   * Subscriptions idle for longer than their expirationPolicy's ttl (pubsub-extensions 7), in batches. This process's
   * own recent activity is written first; other replicas' is at most ten seconds old, against a ttl of a day or more.
   */
  private async deleteExpiredSubscriptions(now: Date): Promise<string> {
    await this.activity.flush();
    let deleted = 0;
    for (let batch = -1; batch !== 0 && !this.stopping; ) {
      batch = await this.subscriptions.deleteExpired(now, EXPIRED_SUBSCRIPTIONS_PER_CALL);
      deleted += batch;
    }
    return `${deleted} expired subscription(s) deleted`;
  }

  /**
   * Deletes the messages published longer than their log's retention ago (the topic's `messageRetentionDuration`, else
   * AMS_MESSAGE_RETENTION_S), log by log in chunks, giving the event loop back between chunks so that requests are
   * served while a large backlog expires.
   */
  private async expireMessages(now: Date): Promise<string> {
    const nowMicros = now.getTime() * 1000;
    let deleted = 0;
    for (const logId of await this.log.listLogs()) {
      for (let expired = -1; expired !== 0 && !this.stopping; ) {
        expired = await this.log.expire(logId, nowMicros, EXPIRY_CALL_LIMIT);
        deleted += expired;
        await nextTurn();
      }
    }
    return `${deleted} expired message(s) deleted`;
  }

  private async removeExpiredLeases(now: Date): Promise<string> {
    return `${await this.leases.deleteExpired(now)} expired lease(s) removed`;
  }

  private async compactCounters(now: Date): Promise<string> {
    const before = batchIdsForgettableBefore(now);
    return `batch ids of ${await this.counterStore.forgetDailyCountBatches(before)} counter(s) before ${before} forgotten`;
  }

  /** Records of missing projects first: their topics' logs become orphans that the log sweep then finds. */
  private async removeOrphans(now: Date): Promise<string> {
    const records = await this.projectStore.removeOrphans();
    const logs = await this.removeOrphanLogs(now);
    return `${JSON.stringify(records)}, ${logs} log(s) deleted`;
  }

  /**
   * Logs no topic refers to (a crash between a topic's record and its log going, or before a new topic's record was
   * written), deleted on a sighting at least the grace period after the first (SUSPECT_PREFIX). The logs are listed
   * before the topics: a log created after the listing is not looked at, one created before has its topic read after.
   */
  private async removeOrphanLogs(now: Date): Promise<number> {
    const logs = await this.log.listLogs();
    const referenced = new Set(await this.topicStore.topicLogIds());
    const unreferenced = new Set(logs.filter((id) => !referenced.has(id)));
    const grace = Math.max(ORPHAN_LOG_GRACE_MS, this.intervalMs);
    let deleted = 0;
    const suspects = new Map((await this.leases.list(SUSPECT_PREFIX)).map((l) => [l.name.slice(SUSPECT_PREFIX.length), l]));
    for (const logId of unreferenced) {
      const suspect = suspects.get(logId);
      const firstSeen = suspect === undefined ? null : firstSeenOf(suspect.holder);
      if (suspect === undefined || firstSeen === null || suspect.expiresAt <= now) {
        await this.leases.acquire(`${SUSPECT_PREFIX}${logId}`, suspectHolder(now), now, grace + 3 * this.intervalMs);
      } else if (now.getTime() - firstSeen.getTime() >= grace) {
        await this.log.deleteLog(logId);
        await this.leases.release(suspect.name, suspect.holder);
        this.logger.log(`deleted message log ${logId}: no topic has referred to it since ${firstSeen.toISOString()}`);
        deleted += 1;
      }
    }
    // Suspects whose log got its topic after all, or is gone: their records refer to nothing any more.
    for (const [logId, suspect] of suspects) {
      if (!unreferenced.has(logId)) await this.leases.release(suspect.name, suspect.holder);
    }
    return deleted;
  }
}
