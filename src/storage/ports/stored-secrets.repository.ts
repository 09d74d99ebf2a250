export const STORED_SECRETS = Symbol('StoredSecrets');

/**
 * How a store's secrets are kept changes now and then (spec 8.11): the one-off rewrites of what older builds wrote.
 * Each rewrite is idempotent and safe to run from several processes at once; the store records which scheme its rows
 * follow so that a start after the rewrite costs one read.
 */
export interface StoredSecrets {
  /**
   * Unless the store already records `scheme`, sets every user's lookup hash to `hashOf(sealed token)`, then records
   * `scheme`. Users whose sealed token does not open (another key) keep their hash; their number is returned.
   */
  rehashUserTokens(scheme: string, hashOf: (sealedToken: string) => string | null): Promise<{ rehashed: number; unopened: number }>;
}
