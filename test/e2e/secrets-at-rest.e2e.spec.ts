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
  pushValueOf(subscription: string): Promise<string>;
  activationTokenOf(registration: string): Promise<string>;
  /**
   * Writes the store as the build before did: plain SHA-256 lookup hashes, push values and activation tokens in clear,
   * no scheme records.
   */
  downgrade(old: Old): Promise<void>;
  close(): Promise<void>;
}

interface Old {
  readonly tokens: Record<string, string>;
  readonly pushValues: Record<string, string>;
  readonly activationTokens: Record<string, string>;
}

async function openRaw(dataDir: string): Promise<RawStore> {
  if (embedded) {
    const db = new Database(join(dataDir, 'ams.sqlite'));
    const pushConfig = (sub: string) =>
      JSON.parse((db.prepare('SELECT push_config FROM subscriptions WHERE name = ?').get(sub) as { push_config: string }).push_config);
    return {
      hashOf: async (user) => (db.prepare('SELECT token_hash FROM users WHERE name = ?').get(user) as { token_hash: string }).token_hash,
      pushValueOf: async (sub) => pushConfig(sub).authorizationHeader.value,
      activationTokenOf: async (uuid) =>
        (db.prepare('SELECT activation_token FROM registrations WHERE uuid = ?').get(uuid) as { activation_token: string }).activation_token,
      async downgrade(old) {
        for (const [user, token] of Object.entries(old.tokens)) db.prepare('UPDATE users SET token_hash = ? WHERE name = ?').run(sha256(token), user);
        for (const [sub, value] of Object.entries(old.pushValues)) {
          const config = pushConfig(sub);
          config.authorizationHeader.value = value;
          db.prepare('UPDATE subscriptions SET push_config = ? WHERE name = ?').run(JSON.stringify(config), sub);
        }
        for (const [uuid, token] of Object.entries(old.activationTokens)) {
          db.prepare('UPDATE registrations SET activation_token = ? WHERE uuid = ?').run(token, uuid);
        }
        db.prepare("DELETE FROM meta WHERE key IN ('token_hash_scheme', 'sealed_secrets_scheme')").run();
      },
      close: async () => void db.close(),
    };
  }
  const { default: mongoose } = await import('mongoose');
  const connection = await mongoose.createConnection(backendEnv(dataDir).AMS_MONGODB_URI).asPromise();
  const users = connection.collection('users');
  const subscriptions = connection.collection('subscriptions');
  const registrations = connection.collection('registrations');
  return {
    hashOf: async (user) => ((await users.findOne({ name: user })) as unknown as { tokenHash: string }).tokenHash,
    pushValueOf: async (sub) =>
      ((await subscriptions.findOne({ name: sub })) as unknown as { pushConfig: { authorizationHeader: { value: string } } }).pushConfig
        .authorizationHeader.value,
    activationTokenOf: async (uuid) => ((await registrations.findOne({ uuid })) as unknown as { activationToken: string }).activationToken,
    async downgrade(old) {
      for (const [user, token] of Object.entries(old.tokens)) await users.updateOne({ name: user }, { $set: { tokenHash: sha256(token) } });
      for (const [sub, value] of Object.entries(old.pushValues)) {
        await subscriptions.updateOne({ name: sub }, { $set: { 'pushConfig.authorizationHeader.value': value } });
      }
      for (const [uuid, token] of Object.entries(old.activationTokens)) await registrations.updateOne({ uuid }, { $set: { activationToken: token } });
      await connection.collection('meta').deleteMany({ _id: { $in: ['token_hash_scheme', 'sealed_secrets_scheme'] } as never });
    },
    close: () => connection.close(),
  };
}

describe('secrets at rest', () => {
  it('keeps keyed lookup hashes and sealed push values and activation tokens, and upgrades a store that had them in clear', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ams-secrets-'));
    // http to a loopback port nobody verifies: the subscription is stored, nothing is ever sent.
    const env = { AMS_PUSH_ALLOW_HTTP: 'true', AMS_PUSH_ALLOW_CIDRS: '127.0.0.1' };
    try {
      const first = await startApp(env, { dataDir });
      const user = unique('u');
      const created = await first.admin.post(`/v1/users/${user}`, { email: `${user}@example.org` });
      assert.equal(created.status, 200, created.text);
      const token = created.body.token as string;
      const project = unique('p');
      assert.equal((await first.admin.post(`/v1/projects/${project}`, {})).status, 200);
      assert.equal((await first.admin.put(`/v1/projects/${project}/topics/t`)).status, 200);
      const sub = unique('s');
      const subscribed = await first.admin.put(`/v1/projects/${project}/subscriptions/${sub}`, {
        topic: `projects/${project}/topics/t`,
        pushConfig: { type: 'http_endpoint', pushEndpoint: 'http://127.0.0.1:9/push' },
      });
      assert.equal(subscribed.status, 200, subscribed.text);
      const pushValue = subscribed.body.pushConfig.authorizationHeader.value as string;
      const registered = await first.admin.post('/v1/registrations', { name: unique('r'), email: 'r@example.org' });
      assert.equal(registered.status, 200, registered.text);
      const { uuid: registration, activation_token: activationToken } = registered.body as { uuid: string; activation_token: string };
      const vault = new TokenVault(first.config);
      await first.close();

      const raw = await openRaw(dataDir);
      assert.equal(await raw.hashOf(user), vault.lookupHash(token), 'this build writes keyed hashes');
      assert.notEqual(await raw.hashOf(user), sha256(token));
      for (const [stored, plain] of [[await raw.pushValueOf(sub), pushValue], [await raw.activationTokenOf(registration), activationToken]]) {
        assert.match(plain, /^[0-9a-f]{64}$/);
        assert.ok(!stored.includes(plain), 'sealed at rest');
        assert.equal(vault.unseal(stored), plain);
      }
      await raw.downgrade({
        tokens: { [user]: token, admin: ADMIN_TOKEN },
        pushValues: { [sub]: pushValue },
        activationTokens: { [registration]: activationToken },
      });
      assert.equal(await raw.hashOf(user), sha256(token), 'the store as the previous build wrote it');
      assert.equal(await raw.pushValueOf(sub), pushValue);

      const upgraded = await startApp(env, { dataDir });
      try {
        assert.equal((await upgraded.client(token).get('/v1/users/profile')).status, 200, 'the user token still authenticates');
        assert.equal((await upgraded.admin.get(`/v1/users/${user}`)).status, 200, 'and so does the admin token');
        assert.equal(await raw.hashOf(user), vault.lookupHash(token), 'the hash was re-derived from the sealed copy');
        assert.equal(await raw.hashOf('admin'), vault.lookupHash(ADMIN_TOKEN));
        assert.equal(vault.unseal(await raw.pushValueOf(sub)), pushValue, 'the clear push value was sealed');
        assert.equal(vault.unseal(await raw.activationTokenOf(registration)), activationToken, 'and the activation token');
        const shown = await upgraded.admin.get(`/v1/projects/${project}/subscriptions/${sub}`);
        assert.equal(shown.body.pushConfig.authorizationHeader.value, pushValue, 'shown as before');
        const found = await upgraded.admin.get(`/v1/registrations?activation_token=${activationToken}`);
        assert.deepEqual(
          found.body.user_registrations.map((r: { uuid: string; activation_token: string }) => [r.uuid, r.activation_token]),
          [[registration, activationToken]],
          'still found by its activation token',
        );
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
