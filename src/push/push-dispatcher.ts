import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { TokenVault } from '../auth/token-vault.js';
import { Clock } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { DeliveryService } from '../delivery/delivery.service.js';
import { JOB_LEASES, type JobLeaseStore } from '../storage/ports/job-lease-store.repository.js';
import { PROJECTS, type ProjectStore } from '../storage/ports/project-store.repository.js';
import { SUBSCRIPTIONS, type SubscriptionStore } from '../storage/ports/subscription-store.repository.js';
import type { SubscriptionRecord } from '../storage/ports/records.js';
import { DeliveryLoop, type DeliveryDeps } from './delivery-loop.js';
import { PushHttpClient } from './push-http-client.js';
import { PushMetrics } from './push-metrics.js';
import { PushNotices } from './push-notices.js';
import { failureLevel } from '../storage/ports/store-errors.js';

/** Lease of one subscription's delivery. */
export const subscriptionLease = (projectUuid: string, subscription: string): string => `push/${projectUuid}/${subscription}`;
/** Heartbeat lease of a live worker: how workers count each other to share subscriptions fairly. */
export const PUSH_WORKER_LEASE_PREFIX = 'push-workers/';
const RECONCILE_JOB = 'push-reconcile';

/**
 * Runs push delivery in this process (the API with AMS_PUSH_WORKER=inline, or `npm run start:push`). Every
 * AMS_PUSH_RECONCILE_MS, and at once on a push notice, it:
 *  1. renews its worker heartbeat and reads the active push subscriptions of every project from the store;
 *  2. stops the loops of subscriptions that are no longer active and gives their leases back;
 *  3. renews the lease of every subscription it serves, stopping those whose lease another worker got;
 *  4. gives back subscriptions beyond its fair share (active subscriptions / live workers), so a worker that joins
 *     gets work, and takes free or expired leases up to that share, starting a delivery loop for each.
 * A lease outlives AMS_PUSH_LEASE_S without renewal, so a dead worker's subscriptions move to the others after it.
 */
@Injectable()
export class PushDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PushDispatcher');
  readonly holder = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly loops = new Map<string, DeliveryLoop>();
  private readonly deps: DeliveryDeps;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  /** When a reconcile last reached the store (leases renewed), for the worker's health endpoint. */
  private lastReconciled: number;

  constructor(
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    @Inject(PROJECTS) projectStore: ProjectStore,
    @Inject(SUBSCRIPTIONS) subscriptionStore: SubscriptionStore,
    @Inject(JOB_LEASES) private readonly leases: JobLeaseStore,
    @Inject(Clock) private readonly clock: Clock,
    delivery: DeliveryService,
    outbound: PushHttpClient,
    metrics: PushMetrics,
    private readonly notices: PushNotices,
    private readonly scheduler: SchedulerRegistry,
    @Inject(TokenVault) vault: TokenVault,
  ) {
    this.deps = { projectStore, subscriptionStore, delivery, outbound, metrics, clock, logger: this.logger, origin: config.push.origin, vault };
    this.lastReconciled = clock.now().getTime();
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.notices.onNotice((notice) => {
      this.loops.get(subscriptionLease(notice.projectUuid, notice.subscription))?.wake();
      void this.reconcile();
    });
    this.scheduler.addInterval(RECONCILE_JOB, setInterval(() => void this.reconcile(), this.config.push.reconcileMs));
    void this.reconcile();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    if (this.scheduler.doesExist('interval', RECONCILE_JOB)) this.scheduler.deleteInterval(RECONCILE_JOB);
    await this.running;
    await Promise.all([...this.loops.keys()].map((key) => this.stopServing(key, true)));
    await this.leases.release(PUSH_WORKER_LEASE_PREFIX + this.holder, this.holder).catch(() => undefined);
  }

  /** Serving: not stopped, and the store renewed this worker's leases within one lease time. */
  healthy(): boolean {
    return !this.closed && this.clock.now().getTime() - this.lastReconciled < this.config.push.leaseMs;
  }

  /** Subscriptions this worker delivers right now (lease names). */
  served(): string[] {
    return [...this.loops.keys()];
  }

  /** One reconcile at a time; a request during one runs another right after it. */
  reconcile(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcileOnce();
          this.lastReconciled = this.clock.now().getTime();
        } catch (err) {
          this.logger[failureLevel(err)](`push reconcile failed, retrying on the next tick: ${(err as Error).message}`);
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.running = null));
    return this.running;
  }

  private async reconcileOnce(): Promise<void> {
    const { leaseMs, maxSubscriptions } = this.config.push;
    const now = this.clock.now();
    await this.leases.acquire(PUSH_WORKER_LEASE_PREFIX + this.holder, this.holder, now, leaseMs);
    const active = new Map<string, SubscriptionRecord>();
    for (const s of await this.deps.subscriptionStore.listActivePushSubscriptions()) active.set(subscriptionLease(s.projectUuid, s.name), s);

    for (const [key, loop] of this.loops) {
      if (!active.has(key) || loop.finished) await this.stopServing(key, true);
    }
    for (const key of this.loops.keys()) {
      if (this.closed) return;
      if (!(await this.leases.acquire(key, this.holder, now, leaseMs))) await this.stopServing(key, false);
    }

    const workers = (await this.leases.list(PUSH_WORKER_LEASE_PREFIX)).filter((l) => l.expiresAt > now).length;
    const share = Math.min(maxSubscriptions, Math.ceil(active.size / Math.max(1, workers)));
    for (const key of [...this.loops.keys()].slice(share)) await this.stopServing(key, true);
    for (const [key, subscription] of active) {
      if (this.loops.size >= share || this.closed) break;
      if (this.loops.has(key) || !subscription.pushConfig) continue;
      if (await this.leases.acquire(key, this.holder, now, leaseMs)) {
        this.loops.set(key, new DeliveryLoop(this.deps, subscription.projectUuid, subscription.name, subscription.pushConfig.retryPolicy));
      }
    }
  }

  private async stopServing(key: string, release: boolean): Promise<void> {
    const loop = this.loops.get(key);
    this.loops.delete(key);
    await loop?.stop();
    if (release) await this.leases.release(key, this.holder).catch(() => undefined);
  }
}
