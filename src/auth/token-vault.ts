import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';

/** 64 lower-case hex characters: SHA-256 of 32 random bytes (spec 1.8). Also used for hashes and header values. */
export function newSecret(): string {
  return createHash('sha256').update(randomBytes(32)).digest('hex');
}

/** Constant-time string equality for secrets. */
export function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/** Whether a stored value is in the sealed form (three base64 parts); older builds kept push values and activation tokens in clear (64 hex characters). */
export const isSealedForm = (value: string): boolean => /^[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]*$/.test(value);

/** The scheme of lookup hashes this build writes; a store that records another is re-hashed at start. */
export const LOOKUP_HASH_SCHEME = 'hmac-sha256-v1';

/**
 * Tokens at rest (spec 8.1, 8.11): looked up by HMAC-SHA-256 keyed from AMS_TOKEN_KEY, so a copy of the database alone
 * cannot test guesses of a weak operator-chosen token, and kept sealed with AES-256-GCM so that the privileged views
 * can re-show them. The key comes from AMS_TOKEN_KEY, or on the embedded store from a key file beside the database.
 */
@Injectable()
export class TokenVault {
  private readonly key: Buffer;
  /** A key of its own for lookup hashes, derived from the sealing key: one secret, two uses kept apart. */
  private readonly hashKey: Buffer;
  /** And one for the synthetic IVs of sealForLookup. */
  private readonly ivKey: Buffer;

  constructor(@Inject(AMS_CONFIG) config: AmsConfig) {
    this.key = config.tokenKey ?? TokenVault.keyFile(config.dataDir);
    this.hashKey = createHmac('sha256', this.key).update('ams token lookup hash v1').digest();
    this.ivKey = createHmac('sha256', this.key).update('ams synthetic iv v1').digest();
  }

  /** What a token is looked up by. */
  lookupHash(token: string): string {
    return createHmac('sha256', this.hashKey).update(token, 'utf8').digest('hex');
  }

  /** The lookup hash of a sealed token; null when it does not open with this key (migrations). */
  lookupHashOfSealed(sealed: string): string | null {
    const token = this.unseal(sealed);
    return token === null ? null : this.lookupHash(token);
  }

  private static keyFile(dataDir: string): Buffer {
    const path = join(dataDir, 'token.key');
    if (!existsSync(path)) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    }
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte hex key`);
    return key;
  }

  /**
   * Sealed with an IV derived from the token itself (synthetic IV): the same token always seals the same, so a store can
   * find it by its sealed form (activation tokens are looked up by value) while a dump still shows none. Only for
   * random secrets, where equal sealed forms reveal nothing a guess could use. `unseal` opens both forms.
   */
  sealForLookup(token: string): string {
    return this.sealWith(createHmac('sha256', this.ivKey).update(token, 'utf8').digest().subarray(0, 12), token);
  }

  seal(token: string): string {
    return this.sealWith(randomBytes(12), token);
  }

  private sealWith(iv: Buffer, token: string): string {
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64')).join('.');
  }

  /** The token, or null when it was sealed with another key (the views then omit it rather than fail). */
  unseal(sealed: string): string | null {
    try {
      const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64'));
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** A new token with its hash and sealed copy. */
  issue(token: string = newSecret()): { token: string; tokenHash: string; tokenSealed: string } {
    return { token, tokenHash: this.lookupHash(token), tokenSealed: this.seal(token) };
  }
}
