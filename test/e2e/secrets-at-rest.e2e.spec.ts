import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { TokenVault } from '../../src/auth/token-vault.js';
import { ADMIN_TOKEN, startApp, unique } from '../support/app.js';
import { backendEnv, dropBackendData } from '../support/backends.js';

/** Secrets at rest (spec 8.11): keyed lookup hashes with the upgrade of older stores, and the embedded file modes. */

const sha256 = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
const embedded = process.env.AMS_STORE !== 'kafka-mongo';

/** Direct access to the users' lookup hashes and the scheme record, as an older build left or this one writes them. */
interface RawStore {
  hashOf(user: string): Promise<string>;
  /** Writes the store as the build before keyed hashes did: plain SHA-256 and no scheme record. */
  downgrade(tokens: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

async function openRaw(dataDir: string): Promise<RawStore> {
  if (embedded) {
    const db = new Database(join(dataDir, 'ams.sqlite'));
    return {
      hashOf: async (user) => (db.prepare('SELECT token_hash FROM users WHERE name = ?').get(user) as { token_hash: string }).token_hash,
      async downgrade(tokens) {
        for (const [user, token] of Object.entries(tokens)) db.prepare('UPDATE users SET token_hash = ? WHERE name = ?').run(sha256(token), user);
        db.prepare("DELETE FROM meta WHERE key = 'token_hash_scheme'").run();
      },
      close: async () => void db.close(),
    };
  }
  const { default: mongoose } = await import('mongoose');
  const connection = await mongoose.createConnection(backendEnv(dataDir).AMS_MONGODB_URI).asPromise();
  const users = connection.collection('users');
  return {
    hashOf: async (user) => ((await users.findOne({ name: user })) as unknown as { tokenHash: string }).tokenHash,
    async downgrade(tokens) {
      for (const [user, token] of Object.entries(tokens)) await users.updateOne({ name: user }, { $set: { tokenHash: sha256(token) } });
      await connection.collection('meta').deleteOne({ _id: 'token_hash_scheme' as never });
    },
    close: () => connection.close(),
  };
}

describe('secrets at rest', () => {
  it('upgrades a store with plain SHA-256 lookup hashes to keyed ones, and every token keeps working', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ams-secrets-'));
    try {
      const first = await startApp({}, { dataDir });
      const user = unique('u');
      const created = await first.admin.post(`/v1/users/${user}`, { email: `${user}@example.org` });
      assert.equal(created.status, 200, created.text);
      const token = created.body.token as string;
      const vault = new TokenVault(first.config);
      await first.close();

      const raw = await openRaw(dataDir);
      assert.equal(await raw.hashOf(user), vault.lookupHash(token), 'this build writes keyed hashes');
      assert.notEqual(await raw.hashOf(user), sha256(token));
      await raw.downgrade({ [user]: token, admin: ADMIN_TOKEN });
      assert.equal(await raw.hashOf(user), sha256(token), 'the store as the previous build wrote it');

      const upgraded = await startApp({}, { dataDir });
      try {
        assert.equal((await upgraded.client(token).get('/v1/users/profile')).status, 200, 'the user token still authenticates');
        assert.equal((await upgraded.admin.get(`/v1/users/${user}`)).status, 200, 'and so does the admin token');
        assert.equal(await raw.hashOf(user), vault.lookupHash(token), 'the hash was re-derived from the sealed copy');
        assert.equal(await raw.hashOf('admin'), vault.lookupHash(ADMIN_TOKEN));
      } finally {
        await raw.close();
        await upgraded.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await dropBackendData(backendEnv(dataDir));
    }
  });

  it('keeps the data directory 0700 and its files 0600 whatever the umask', { skip: !embedded && 'embedded store only' }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'ams-modes-'));
    const previous = process.umask(0o022);
    const dataDir = join(root, 'nested', 'data');
    const modes = (): Record<string, number> =>
      Object.fromEntries(
        ['.', 'ams.sqlite', 'ams.sqlite-wal', 'ams.sqlite-shm', 'token.key'].map((f) => [f, statSync(join(dataDir, f)).mode & 0o777]),
      );
    const expected = { '.': 0o700, 'ams.sqlite': 0o600, 'ams.sqlite-wal': 0o600, 'ams.sqlite-shm': 0o600, 'token.key': 0o600 };
    try {
      for (const round of ['new store', 'store left readable by an older build']) {
        const app = await startApp({ AMS_TOKEN_KEY: '' }, { dataDir });
        try {
          assert.equal((await app.admin.post(`/v1/projects/${unique('p')}`, { description: 'writes the WAL' })).status, 200);
          assert.deepEqual(modes(), expected, round);
        } finally {
          await app.close();
        }
        chmodSync(dataDir, 0o755);
        for (const file of ['ams.sqlite', 'token.key']) chmodSync(join(dataDir, file), 0o644);
      }
    } finally {
      process.umask(previous);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
