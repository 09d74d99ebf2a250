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

  /**
   * Unless the store already records `scheme`, seals what older builds stored in clear: push authorization header
   * values (`sealPushValue`) and activation tokens of registrations (`sealActivationToken`). A value `isSealed` accepts
   * is left alone. Returns how many values were sealed.
   */
  sealClearSecrets(scheme: string, rewrite: ClearSecretRewrite): Promise<number>;
}

export interface ClearSecretRewrite {
  isSealed(value: string): boolean;
  sealPushValue(value: string): string;
  sealActivationToken(value: string): string;
}
