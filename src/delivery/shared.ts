import { formatPublishTime } from '../common/time.js';
import type { StoredMessage } from '../storage/ports/records.js';
import type { MessageOutDto } from './dto/delivery.dto.js';

/**
 * What both acknowledgement modes (cumulative-delivery.ts, individual-delivery.ts) share beyond DeliveryContext: the
 * compare-and-set retry limit and back-off, the long-poll re-check period, and the pulled message as clients see it.
 */

/** Compare-and-set retries before a contended subscription gives up (each retry re-reads). */
export const CAS_RETRIES = 50;

/** How often a waiting pull re-reads the log, for publishes that reached another replica. */
export const LONG_POLL_RECHECK_MS = 1000;

/**
 * After a lost compare-and-set, wait a random moment that grows with the attempts (up to ~64 ms), so that pullers and
 * acknowledgers racing on one subscription stop colliding on a backend whose round trips are slow.
 */
export function backoff(attempt: number): Promise<void> {
  const ceiling = 2 ** Math.min(attempt, 6);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** A stored message as a pull hands it out (spec 4.2): only `messageId`, `attributes` (when any), `data`, `publishTime`. */
export function pulledMessage(m: StoredMessage): MessageOutDto {
  return {
    messageId: String(m.offset),
    ...(Object.keys(m.attributes).length > 0 ? { attributes: m.attributes } : {}),
    data: m.data,
    publishTime: formatPublishTime(m.publishTime),
  };
}
