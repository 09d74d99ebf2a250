import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { SubscriptionActivity, SubscriptionRecord } from '../storage/ports/records.js';
import { SUBSCRIPTIONS, type SubscriptionStore } from '../storage/ports/subscription-store.repository.js';

/** How often this process writes the activity it saw; expiration ttls are a day or more, so this is plenty. */
const FLUSH_INTERVAL_MS = 10_000;

/**
 * Activity of the subscriptions that can expire (pubsub-extensions 7), kept in memory and written in one batch every
 * ten seconds, so a pull or acknowledge costs no store write of its own. A batch that fails stays for the next flush;
 * a process that dies loses at most ten seconds of activity, which only brings an expiry that much closer.
 */
@Injectable()
export class SubscriptionActivityRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SubscriptionActivityRecorder.name);
  private pending = new Map<string, SubscriptionActivity>();

  constructor(
    @Inject(SUBSCRIPTIONS) private readonly store: SubscriptionStore,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.addInterval('subscription-activity', setInterval(() => void this.flushQuietly(), FLUSH_INTERVAL_MS));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flushQuietly();
  }

  /** Notes activity on a subscription; subscriptions without an expiration policy are not tracked. */
  record(subscription: SubscriptionRecord, at: Date): void {
    if (subscription.expirationTtlSeconds === null) return;
    const { projectUuid, name, expirationTtlSeconds: ttlSeconds } = subscription;
    this.pending.set(`${projectUuid}/${name}`, { projectUuid, name, ttlSeconds, at });
  }

  /** Writes what was recorded so far; on failure it is kept (unless newer activity replaced it) and thrown. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.recordActivity([...batch.values()]);
    } catch (err) {
      for (const [key, activity] of batch) if (!this.pending.has(key)) this.pending.set(key, activity);
      throw err;
    }
  }

  private async flushQuietly(): Promise<void> {
    await this.flush().catch((err: unknown) => this.logger.warn(`subscription activity not written yet: ${String(err)}`));
  }
}
