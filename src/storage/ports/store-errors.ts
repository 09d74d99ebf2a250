/**
 * A backend (Kafka, MongoDB) could not be reached or did not answer in time. Adapters raise it for connection-level
 * failures only, so the service answers 503 while a dependency is down and recovers by itself when it is back.
 */
export class StoreUnavailableError extends Error {
  constructor(
    readonly backend: 'kafka' | 'mongodb' | 'sqlite',
    override readonly cause: unknown,
  ) {
    super(`${backend} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The level of a background job's failure. While a backend is down the health monitor (src/health) says so once, when
 * the state changes; each job's retry then logs at debug instead of repeating it every tick.
 */
export function failureLevel(err: unknown): 'debug' | 'warn' {
  return err instanceof StoreUnavailableError ? 'debug' : 'warn';
}
