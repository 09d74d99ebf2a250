import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';

/**
 * Wakes long-polling pulls in this process when their topic's log grows. Other replicas' publishes are found by
 * the pull's own periodic re-read, so nothing correct depends on this signal (architecture decision 8).
 */
@Injectable()
export class PublishSignal {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  published(logId: string): void {
    this.emitter.emit(logId);
  }

  /** Resolves on the next publish to the log, after `ms`, or when `abort` fires, whichever comes first. */
  next(logId: string, ms: number, abort: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.emitter.off(logId, done);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.emitter.once(logId, done);
      abort.addEventListener('abort', done, { once: true });
    });
  }
}
