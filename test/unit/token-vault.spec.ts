import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { newSecret, sameSecret, TokenVault } from '../../src/auth/token-vault.js';
import { loadConfig } from '../../src/config/config.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ams-vault-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const vaultWithKey = (hexKey: string): TokenVault =>
  new TokenVault(loadConfig({ AMS_DATA_DIR: tempDir(), AMS_TOKEN_KEY: hexKey }));

describe('secrets and hashes (spec 1.8, 8.1)', () => {
  it('newSecret is 64 lower-case hex characters, different each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const secret = newSecret();
      assert.match(secret, /^[0-9a-f]{64}$/);
      seen.add(secret);
    }
    assert.equal(seen.size, 100);
  });

  it('lookup hashes are keyed (HMAC-SHA-256): not the plain SHA-256, different under another key (spec 8.11)', () => {
    const a = vaultWithKey('a1'.repeat(32));
    const b = vaultWithKey('b2'.repeat(32));
    const sha256 = createHash('sha256').update('abc').digest('hex');
    assert.match(a.lookupHash('abc'), /^[0-9a-f]{64}$/);
    assert.notEqual(a.lookupHash('abc'), sha256, 'a copy of the database alone cannot test guesses');
    assert.equal(a.lookupHash('abc'), vaultWithKey('a1'.repeat(32)).lookupHash('abc'));
    assert.notEqual(a.lookupHash('abc'), b.lookupHash('abc'));
    assert.notEqual(a.lookupHash('abc'), a.lookupHash('abd'));
    assert.equal(a.lookupHashOfSealed(a.seal('abc')), a.lookupHash('abc'));
    assert.equal(b.lookupHashOfSealed(a.seal('abc')), null, 'sealed with another key');
  });

  const pairs: [string, string, boolean][] = [
    ['token', 'token', true],
    ['token', 'tokeN', false],
    ['token', 'token ', false],
    ['token', '', false],
    ['', '', true],
  ];
  for (const [a, b, same] of pairs) {
    it(`sameSecret(${JSON.stringify(a)}, ${JSON.stringify(b)}) is ${same}`, () => {
      assert.equal(sameSecret(a, b), same);
    });
  }
});

describe('TokenVault', () => {
  const KEY_A = 'a1'.repeat(32);
  const KEY_B = 'b2'.repeat(32);

  it('seals and unseals a token', () => {
    const vault = vaultWithKey(KEY_A);
    for (const token of [newSecret(), 'e2e-admin-token-0123456789', 'ümlaut \u{1F511}', '']) {
      const sealed = vault.seal(token);
      assert.ok(!sealed.includes(token) || token === '', 'the sealed form does not show the token');
      assert.equal(vault.unseal(sealed), token);
    }
  });

  it('seals the same token differently each time (random IV)', () => {
    const vault = vaultWithKey(KEY_A);
    const token = newSecret();
    assert.notEqual(vault.seal(token), vault.seal(token));
  });

  it('another vault with the same key unseals it', () => {
    const sealed = vaultWithKey(KEY_A).seal('shared');
    assert.equal(vaultWithKey(KEY_A).unseal(sealed), 'shared');
  });

  it('a wrong key gives null instead of failing', () => {
    const sealed = vaultWithKey(KEY_A).seal('secret-token');
    assert.equal(vaultWithKey(KEY_B).unseal(sealed), null);
  });

  it('tampered or garbage input gives null', () => {
    const vault = vaultWithKey(KEY_A);
    const [iv, tag, body] = vault.seal('secret-token').split('.');
    const flipped = Buffer.from(body, 'base64');
    flipped[0] ^= 1;
    for (const sealed of [
      `${iv}.${tag}.${flipped.toString('base64')}`,
      `${iv}.${Buffer.alloc(16).toString('base64')}.${body}`,
      `${iv}.${tag}`,
      'not-sealed',
      '',
      '...',
    ]) {
      assert.equal(vault.unseal(sealed), null, JSON.stringify(sealed));
    }
  });

  it('issue() returns a new token with its hash and a sealed copy', () => {
    const vault = vaultWithKey(KEY_A);
    const issued = vault.issue();
    assert.match(issued.token, /^[0-9a-f]{64}$/);
    assert.equal(issued.tokenHash, vault.lookupHash(issued.token));
    assert.equal(vault.unseal(issued.tokenSealed), issued.token);
    const chosen = vault.issue('chosen-admin-token');
    assert.equal(chosen.token, 'chosen-admin-token');
    assert.equal(chosen.tokenHash, vault.lookupHash('chosen-admin-token'));
  });

  it('without AMS_TOKEN_KEY it creates a key file in the data dir once and reuses it', () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const first = new TokenVault(loadConfig({ AMS_DATA_DIR: dataDir }));
    const keyFile = join(dataDir, 'token.key');
    const key = readFileSync(keyFile, 'utf8');
    assert.match(key.trim(), /^[0-9a-f]{64}$/);
    assert.equal(statSync(keyFile).mode & 0o077, 0, 'readable by the owner only');
    const sealed = first.seal('survives a restart');
    const second = new TokenVault(loadConfig({ AMS_DATA_DIR: dataDir }));
    assert.equal(readFileSync(keyFile, 'utf8'), key);
    assert.equal(second.unseal(sealed), 'survives a restart');
  });

  it('refuses a key file that holds no 32-byte key', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'token.key'), 'not a key');
    assert.throws(() => new TokenVault(loadConfig({ AMS_DATA_DIR: dataDir })), /32-byte/);
  });
});
