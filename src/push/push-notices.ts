import { EventEmitter } from 'node:events';
import { Injectable, Logger } from '@nestjs/common';

/** A subscription's push config changed (created, modified, verified, back to pull, deleted). */
export interface PushNotice {
  readonly projectUuid: string;
  readonly subscription: string;
}

/** The pattern of push notices on the microservice transports. */
export const PUSH_NOTICE_PATTERN = 'ams.push.config-changed';

/** Something that carries notices to push workers in other processes (src/push/push-transport.ts). */
export interface NoticeSender {
  send(notice: PushNotice): Promise<void>;
}

/**
 * Tells push workers that a subscription's push config changed, so they act at once instead of at their next
 * reconcile: listeners in this process directly, workers in other processes through the configured transport.
 * Nothing depends on a notice arriving: workers reconcile from the store on a schedule, a lost notice only delays.
 */
@Injectable()
export class PushNotices {
  private readonly logger = new Logger('PushNotices');
  private readonly local = new EventEmitter();
  private readonly senders: NoticeSender[] = [];

  /** Called by a transport when it is up. */
  addSender(sender: NoticeSender): void {
    this.senders.push(sender);
  }

  onNotice(listener: (notice: PushNotice) => void): () => void {
    this.local.on('notice', listener);
    return () => this.local.off('notice', listener);
  }

  /** Delivers a notice that came in from another process to the listeners of this one. */
  received(notice: PushNotice): void {
    this.local.emit('notice', notice);
  }

  /** Announces a change; never throws and never waits for remote workers. */
  changed(notice: PushNotice): void {
    this.local.emit('notice', notice);
    for (const sender of this.senders) {
      sender.send(notice).catch((err: unknown) => {
        this.logger.warn(`push notice not sent (workers reconcile anyway): ${(err as Error).message}`);
      });
    }
  }
}
