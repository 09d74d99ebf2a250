import { EventEmitter } from 'node:events';
import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';

const SHUTDOWN = Symbol('shutdown');

/**
 * Wakes long-polling pulls in this process when their topic's log grows. Other replicas' publishes are found by
 * the pull's own periodic re-read, so nothing correct depends on this signal (architecture decision 8).
 *
 * On shutdown it wakes every waiting pull and stops waiting altogether, so that long polls (up to AMS_PULL_MAX_WAIT_S)
 * answer with what they have instead of holding the HTTP server's graceful close open.
 */
@Injectable()
export class PublishSignal implements BeforeApplicationShutdown {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private closing = false;

  beforeApplicationShutdown(): void {
    this.closing = true;
    this.emitter.emit(SHUTDOWN);
  }

  published(logId: string): void {
    this.emitter.emit(logId);
  }

  /** Resolves on the next publish to the log, after `ms`, or when `abort` fires, whichever comes first. */
  next(logId: string, ms: number, abort: AbortSignal): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.emitter.off(logId, done);
        this.emitter.off(SHUTDOWN, done);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.emitter.once(logId, done);
      this.emitter.once(SHUTDOWN, done);
      abort.addEventListener('abort', done, { once: true });
    });
  }

  /** Whether the process is shutting down: waiting pulls stop waiting. */
  get shuttingDown(): boolean {
    return this.closing;
  }
}
