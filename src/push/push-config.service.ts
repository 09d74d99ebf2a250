import { Inject, Injectable } from '@nestjs/common';
import { newSecret, TokenVault } from '../auth/token-vault.js';
import { AmsError } from '../common/ams-error.js';
import { Clock } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { PUSH_DISABLED } from '../delivery/delivery.service.js';
import { USERS, type UserStore } from '../storage/ports/user-store.repository.js';
import type { AckMode, ProjectRecord, PushConfigRecord, UserRecord } from '../storage/ports/records.js';
import { checkHostAllowed, refusedPushTarget } from './address-guard.js';
import type { PushConfigInDto, PushConfigOutDto } from './dto/push-config.dto.js';
import { verificationUrl } from './push-body.js';
import { isEmptyPushConfig, pushConfigView, pushTargetUrl, resolvePushConfig } from './push-config.js';
import { OutboundError, PushHttpClient } from './push-http-client.js';
import { PushNotices } from './push-notices.js';
import { openPushSecret, sealPushSecret } from './push-secrets.js';

/** The push worker acknowledges a batch by its last message, which only cumulative acknowledgement supports. */
const PUSH_NEEDS_CUMULATIVE = 'Push delivery needs ackMode cumulative';

/** A push config as a create or modify leaves it, and the push worker user when the request asked for push. */
export interface ConfiguredPush {
  readonly pushConfig: PushConfigRecord | null;
  readonly worker: UserRecord | null;
}

/**
 * What the subscription resource asks push (spec 4.6): the rules of a push config, the address policy, endpoint
 * verification, activation (the push worker joins the project) and the notice that makes workers look again.
 * The subscription records themselves stay with SubscriptionsService.
 */
@Injectable()
export class PushConfigService {
  constructor(
    @Inject(USERS) private readonly userStore: UserStore,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    @Inject(Clock) private readonly clock: Clock,
    private readonly outbound: PushHttpClient,
    private readonly notices: PushNotices,
    @Inject(TokenVault) private readonly vault: TokenVault,
  ) {}

  /**
   * The push config to store for a create (`previous` null) or a modify, in spec 4.6's order: push on (409) and the
   * worker user present (500) when push is asked for, the config's own rules (400), cumulative acknowledgement, and
   * the address policy. The authorization header value is stored sealed (spec 8.11).
   */
  async configure(input: PushConfigInDto | undefined, previous: PushConfigRecord | null, ackMode: AckMode): Promise<ConfiguredPush> {
    const worker = isEmptyPushConfig(input) ? null : await this.worker();
    const opened = openPushSecret(previous, this.vault);
    const pushConfig = sealPushSecret(resolvePushConfig(input, opened, newSecret, this.config.push), this.vault);
    if (pushConfig !== null && ackMode === 'individual') throw AmsError.invalid(PUSH_NEEDS_CUMULATIVE);
    if (pushConfig !== null) await this.checkPushTarget(pushConfig);
    return { pushConfig, worker };
  }

  /** The push worker user that push needs (spec 4.6 order: push on -> 409, worker user present -> 500). */
  async worker(): Promise<UserRecord> {
    if (!this.config.push.enabled) throw AmsError.conflict(PUSH_DISABLED);
    const worker = await this.userStore.userByName(this.config.push.workerUser);
    if (worker === null || !worker.serviceRoles.includes('push_worker')) {
      throw AmsError.internal('Push functionality is currently unavailable');
    }
    return worker;
  }

  /** The push worker user's uuid, if there is one (push on or off): it leaves the ACL when push stops. */
  async workerUuid(): Promise<string | undefined> {
    return (await this.userStore.userByName(this.config.push.workerUser))?.uuid;
  }

  /**
   * spec 4.6 `:verifyPushEndpoint`, after the subscription checks: `GET <scheme>://<host[:port]>/ams_verification_hash`
   * must answer 200 with the hash; anything else is a 401. Returns the config as verified.
   */
  async verify(config: PushConfigRecord): Promise<PushConfigRecord> {
    const failed = (reason: string) => new AmsError(401, 'UNAUTHORIZED', `Endpoint verification failed.${reason}`);
    let answer;
    try {
      answer = await this.outbound.send({ method: 'GET', url: verificationUrl(config.pushEndpoint) });
    } catch (err) {
      throw failed(err instanceof OutboundError ? err.clientReason : String(err));
    }
    if (answer.status !== 200) throw failed('Wrong response status code');
    if (answer.body !== config.verificationHash) throw failed('Wrong verification hash');
    return { ...config, verified: true };
  }

  /** Activation adds the push worker to the project, without roles (spec 4.6; roles `[]`, not the original's null). */
  async joinProject(worker: UserRecord, project: ProjectRecord): Promise<void> {
    if (worker.projects.some((m) => m.projectUuid === project.uuid)) return;
    await this.userStore.addMembership(worker.uuid, { projectUuid: project.uuid, roles: [] }, this.clock.now());
  }

  /** Tells the push workers that a subscription's push config changed (or it was deleted). */
  changed(projectUuid: string, subscription: string): void {
    this.notices.changed({ projectUuid, subscription });
  }

  /**
   * Outbound safety at config time (pubsub-extensions 9): a push URL whose host is, or resolves to, a loopback,
   * link-local, private or reserved address is refused unless AMS_PUSH_ALLOW_PRIVATE. Delivery checks again on every
   * connection, since names can resolve differently later.
   */
  private async checkPushTarget(config: PushConfigRecord): Promise<void> {
    const host = new URL(pushTargetUrl(config)).hostname;
    if ((await checkHostAllowed(host, this.config.push)) !== null) throw AmsError.invalid(refusedPushTarget(host));
  }

  /** A subscription's push config as GET shows it, its authorization header value opened. */
  view(config: PushConfigRecord | null): PushConfigOutDto {
    return pushConfigView(openPushSecret(config, this.vault));
  }
}
