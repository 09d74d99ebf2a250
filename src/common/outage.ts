import { StoreUnavailableError } from '../storage/ports/store-errors.js';

/**
 * The level of a background job's failure. While a backend is down the health monitor (src/health) says so once, when
 * the state changes; each job's retry then logs at debug instead of repeating it every tick.
 */
export function failureLevel(err: unknown): 'debug' | 'warn' {
  return err instanceof StoreUnavailableError ? 'debug' : 'warn';
}
