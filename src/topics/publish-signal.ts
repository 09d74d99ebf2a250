import { EventEmitter } from 'node:events';
import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/time.js';

const SHUTDOWN = Symbol('shutdown');
const WAITING = Symbol('waiting');

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

  constructor(@Inject(Clock) private readonly clock: Clock) {}

  beforeApplicationShutdown(): void {
    this.closing = true;
    this.emitter.emit(SHUTDOWN);
  }

  published(logId: string): void {
    this.emitter.emit(logId);
  }

  /** Resolves on the next publish to the log, after `ms` of the clock, or when `abort` fires, whichever comes first. */
  next(logId: string, ms: number, abort: AbortSignal): Promise<void> {
    if (this.closing) return Promise.resolve();
    const over = new AbortController();
    const done = (): void => over.abort();
    this.emitter.once(logId, done);
    this.emitter.once(SHUTDOWN, done);
    abort.addEventListener('abort', done, { once: true });
    this.emitter.emit(WAITING, logId);
    return this.clock.sleep(ms, over.signal).finally(() => {
      this.emitter.off(logId, done);
      this.emitter.off(SHUTDOWN, done);
      abort.removeEventListener('abort', done);
    });
  }

  /** Calls `listener` whenever a pull starts waiting on a log (tests wait on it instead of sleeping); returns the off switch. */
  onWait(listener: (logId: string) => void): () => void {
    this.emitter.on(WAITING, listener);
    return () => this.emitter.off(WAITING, listener);
  }

  /** Whether the process is shutting down: waiting pulls stop waiting. */
  get shuttingDown(): boolean {
    return this.closing;
  }
}
