import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';

/** 64 lower-case hex characters: SHA-256 of 32 random bytes (spec 1.8). Also used for hashes and header values. */
export function newSecret(): string {
  return createHash('sha256').update(randomBytes(32)).digest('hex');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time string equality for secrets. */
export function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/**
 * Tokens at rest (spec 8.1): looked up by SHA-256, and kept sealed with AES-256-GCM so that the privileged views can
 * re-show them while a dump of the database alone reveals none. The key comes from AMS_TOKEN_KEY, or on the embedded
 * store from a key file created beside the database.
 */
@Injectable()
export class TokenVault {
  private readonly key: Buffer;

  constructor(@Inject(AMS_CONFIG) config: AmsConfig) {
    this.key = config.tokenKey ?? TokenVault.keyFile(config.dataDir);
  }

  private static keyFile(dataDir: string): Buffer {
    const path = join(dataDir, 'token.key');
    if (!existsSync(path)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    }
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte hex key`);
    return key;
  }

  seal(token: string): string {
    const iv = randomBytes(12);
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
    return { token, tokenHash: hashToken(token), tokenSealed: this.seal(token) };
  }
}
