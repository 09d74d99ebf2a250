import { mongo } from 'mongoose';
import { StoreUnavailableError } from '../ports/store-errors.js';

/** The one place that translates MongoDB errors for the adapters of this folder. */

const DUPLICATE_KEY = 11000;

/** A write collided with a unique index. */
export const isDuplicate = (err: unknown): boolean => (err as { code?: number } | null)?.code === DUPLICATE_KEY;

const SOCKET_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN']);

/**
 * Connection-level failures (server down or unreachable, connections reset, pool cleared), as opposed to an operation
 * the server refused. The driver's network errors all derive from MongoNetworkError. The classes are those of the
 * driver inside mongoose (`mongoose.mongo`), the one that throws them.
 */
export function isMongoUnavailable(err: unknown): boolean {
  return (
    err instanceof mongo.MongoNetworkError ||
    err instanceof mongo.MongoServerSelectionError ||
    err instanceof mongo.MongoNotConnectedError ||
    err instanceof mongo.MongoTopologyClosedError ||
    err instanceof mongo.MongoServerClosedError ||
    (err instanceof Error && err.name === 'MongooseServerSelectionError') ||
    // The driver lets some socket errors through unwrapped (EPIPE when writing to a connection the server closed).
    SOCKET_ERRORS.has((err as NodeJS.ErrnoException | null)?.code ?? '')
  );
}

/** Every adapter call goes through here: connection-level failures become StoreUnavailableError (a 503 to clients). */
export async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isMongoUnavailable(err)) throw new StoreUnavailableError('mongodb', err);
    throw err;
  }
}
