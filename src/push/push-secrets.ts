import { isSealedForm, type TokenVault } from '../auth/token-vault.js';
import type { PushConfigRecord } from '../storage/ports/records.js';

/**
 * A push subscription's `authorizationHeader.value` is a secret the receiver checks (spec 4.6, 8.11): stored sealed
 * like user tokens, opened only to send it and to show it to those who may see the subscription.
 */
export function sealPushSecret(config: PushConfigRecord | null, vault: Pick<TokenVault, 'seal'>): PushConfigRecord | null {
  if (config === null || config.authorizationHeader.value === '') return config;
  return { ...config, authorizationHeader: { ...config.authorizationHeader, value: vault.seal(config.authorizationHeader.value) } };
}


/** The config with its header value opened; a value stored in clear by an older build is taken as it is. */
export function openPushSecret(config: PushConfigRecord | null, vault: Pick<TokenVault, 'unseal'>): PushConfigRecord | null {
  const value = config?.authorizationHeader.value ?? '';
  if (config === null || value === '' || !isSealedForm(value)) return config;
  // Sealed with another key: nothing to send or show rather than ciphertext.
  return { ...config, authorizationHeader: { ...config.authorizationHeader, value: vault.unseal(value) ?? '' } };
}
