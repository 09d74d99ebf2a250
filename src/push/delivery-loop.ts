import type { Logger } from '@nestjs/common';
import type { Caller } from '../auth/caller.js';
import type { TokenVault } from '../auth/token-vault.js';
import { AmsError } from '../common/ams-error.js';
import type { Clock } from '../common/time.js';
import type { DeliveryService } from '../delivery/delivery.service.js';
import type { ProjectStore } from '../storage/ports/project-store.repository.js';
import type { PushConfigRecord } from '../storage/ports/records.js';
import type { SubscriptionStore } from '../storage/ports/subscription-store.repository.js';
import { type PushedMessage, pushedSubscriptionName, pushRequest } from './push-body.js';
import { OutboundError, type PushHttpClient } from './push-http-client.js';
import { openPushSecret } from './push-secrets.js';
import type { PushMetrics, PushTarget } from './push-metrics.js';
import { type AttemptOutcome, firstAttempt, nextAttempt, type RetryPolicy, type RetryState } from './retry-policy.js';

/** The push worker as delivery sees it: allowed to pull push subscriptions (spec 2.4). */
const PUSH_WORKER: Caller = { user: null, roles: new Set(['push_worker']) };

export interface DeliveryDeps {
  readonly projectStore: ProjectStore;
  readonly subscriptionStore: SubscriptionStore;
  readonly delivery: DeliveryService;
  readonly outbound: PushHttpClient;
  readonly metrics: PushMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `HOST:PORT` of the pushed `subscription` field. */
  readonly origin: string;
  /** Opens the sealed authorization header value of a push config. */
  readonly vault: Pick<TokenVault, 'unseal'>;
}

/** What one attempt did: delivered (or found nothing), failed, or found the subscription no longer active. */
type Attempt = AttemptOutcome | 'empty' | 'gone';

/** `2024-03-01T10:00:05`: the time of a push failure in `pushStatus` (spec 4.6). */
export function statusTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/**
 * Delivery of one push subscription, while this worker holds its lease: pull up to maxMessages as the push worker,
 * send, and acknowledge the last message only after the endpoint accepted the batch, so a failure anywhere leaves
 * the batch to be sent again (at least once). Attempts are spaced by the retry policy. The subscription is re-read
 * on every attempt, so config changes apply to the next one. The push status is written when it changes.
 */
export class DeliveryLoop {
  private stopped = false;
  private wakeSleep: (() => void) | null = null;
  private readonly done: Promise<void>;
  /** The failure detail last written to the store (null: none, undefined: not known yet). */
  private writtenFailure: string | null | undefined = undefined;
  private failedBefore = false;
  /** Set when the loop ended by itself (subscription gone or no longer push). */
  finished = false;

  constructor(
    private readonly deps: DeliveryDeps,
    readonly projectUuid: string,
    readonly subscription: string,
    policy: RetryPolicy,
  ) {
    this.done = this.run(policy).catch((err: unknown) => {
      this.deps.logger.error(`push loop of ${subscription} ended: ${(err as Error).message}`);
      this.finished = true;
    });
  }

  /** Cuts the current wait short: the next attempt starts now (a notice said the config changed). */
  wake(): void {
    this.wakeSleep?.();
  }

  /** Stops after the attempt in progress, if any; resolves when nothing of this loop runs any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.done;
  }

  private async run(initial: RetryPolicy): Promise<void> {
    let policy = initial;
    let state: RetryState = firstAttempt(policy);
    await this.sleep(state.intervalMs);
    while (!this.stopped) {
      const { outcome, config } = await this.attempt();
      if (outcome === 'gone') {
        this.finished = true;
        return;
      }
      if (config !== null) policy = config.retryPolicy;
      state = nextAttempt(policy, state, outcome === 'failure' ? 'failure' : 'success');
      await this.sleep(state.intervalMs);
    }
  }

  private async attempt(): Promise<{ outcome: Attempt; config: PushConfigRecord | null }> {
    const { projectStore, subscriptionStore, delivery } = this.deps;
    const [subscription, project] = await Promise.all([
      subscriptionStore.subscription(this.projectUuid, this.subscription),
      projectStore.projectByUuid(this.projectUuid),
    ]).catch(() => [undefined, undefined] as const);
    if (subscription === undefined || project === undefined) {
      return { outcome: await this.failed('Could not consume message, metadata store unavailable'), config: null };
    }
    const config = subscription?.pushConfig ?? null;
    if (subscription === null || project === null || config === null || !config.verified) return { outcome: 'gone', config };
    if (this.writtenFailure === undefined) {
      this.writtenFailure = subscription.pushStatus;
      this.deps.metrics.track(project.name, subscription);
    }

    // Mattermost posts the first message's text only, so it takes one message at a time and loses none.
    const max = config.type === 'mattermost' ? 1 : Math.max(1, config.maxMessages);
    let messages: { ackId: string; message: PushedMessage }[];
    try {
      const pulled = await delivery.pull(PUSH_WORKER, project, this.subscription, { maxMessages: String(max), returnImmediately: 'true' });
      messages = pulled.receivedMessages;
    } catch (err) {
      // spec 4.6: delivery stops by itself when the project or the subscription is gone.
      if (err instanceof AmsError && (err.code === 404 || err.code === 403)) return { outcome: 'gone', config };
      return { outcome: await this.failed(`Could not consume message, ${describe(err)}`, { project: project.name, subscription }), config };
    }
    if (messages.length === 0) return { outcome: 'empty', config };
    if (this.stopped) return { outcome: 'empty', config }; // the lease may be gone: leave the batch to its next holder

    if (this.failedBefore) this.deps.metrics.countRetry(project.name, subscription);
    const request = pushRequest(
      openPushSecret(config, this.deps.vault) ?? config,
      messages.map((m) => m.message),
      pushedSubscriptionName(project.name, this.subscription, this.deps.origin),
    );
    try {
      const answer = await this.deps.outbound.send({ method: 'POST', url: request.url, headers: request.headers, body: request.body });
      if (!request.success.includes(answer.status)) {
        return { outcome: await this.failed(`Could not send message, endpoint answered ${answer.status}`, { project: project.name, subscription }), config };
      }
    } catch (err) {
      return { outcome: await this.failed(`Could not send message, ${describe(err)}`, { project: project.name, subscription }), config };
    }
    try {
      await delivery.acknowledge(project, this.subscription, [messages[messages.length - 1].ackId]);
    } catch (err) {
      return { outcome: await this.failed(`Could not acknowledge message, ${describe(err)}`, { project: project.name, subscription }), config };
    }
    this.deps.metrics.countDelivered(project.name, subscription, messages.length);
    this.failedBefore = false;
    await this.writeStatus(null);
    return { outcome: 'success', config };
  }

  /** A failed attempt: counted when the subscription is known (not when the store could not even be read). */
  private async failed(detail: string, known?: { project: string; subscription: PushTarget }): Promise<'failure'> {
    this.failedBefore = true;
    if (known !== undefined) this.deps.metrics.countFailure(known.project, known.subscription);
    this.deps.logger.warn(`push ${this.subscription}: ${detail}`);
    await this.writeStatus(detail);
    return 'failure';
  }

  /** Writes the push status when it changes (a new kind of failure, or back to working), never per attempt. */
  private async writeStatus(failure: string | null): Promise<void> {
    if (failure === this.writtenFailure) return;
    const pushStatus = failure === null ? null : `${statusTime(this.deps.clock.now())} - ${failure}`;
    try {
      await this.deps.subscriptionStore.updateSubscription(this.projectUuid, this.subscription, { pushStatus });
      this.writtenFailure = failure;
    } catch {
      // the store is unavailable: the status is written on a later attempt
    }
  }

  /** Waits `ms` on the clock, cut short by wake() or stop(). */
  private async sleep(ms: number): Promise<void> {
    if (this.stopped) return;
    const woken = new AbortController();
    this.wakeSleep = () => woken.abort();
    await this.deps.clock.sleep(ms, woken.signal);
    this.wakeSleep = null;
  }
}

function describe(err: unknown): string {
  if (err instanceof OutboundError) return err.clientReason;
  if (err instanceof AmsError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
