import { Inject, Injectable } from '@nestjs/common';
import type { ClearSecretRewrite, StoredSecrets } from '../ports/stored-secrets.repository.js';
import { SqliteFile } from './sqlite-file.js';

const SCHEME_KEY = 'token_hash_scheme';
const SEALED_KEY = 'sealed_secrets_scheme';

/** StoredSecrets on the embedded store: one immediate transaction, so a second process waits and then finds it done. */
@Injectable()
export class SqliteStoredSecrets implements StoredSecrets {
  constructor(@Inject(SqliteFile) private readonly file: SqliteFile) {}

  rehashUserTokens(scheme: string, hashOf: (sealedToken: string) => string | null): Promise<{ rehashed: number; unopened: number }> {
    const db = this.file.db;
    const run = db.transaction(() => {
      const recorded = db.prepare('SELECT value FROM meta WHERE key = ?').get(SCHEME_KEY) as { value: string } | undefined;
      if (recorded?.value === scheme) return { rehashed: 0, unopened: 0 };
      const users = db.prepare('SELECT uuid, token_sealed FROM users').all() as { uuid: string; token_sealed: string }[];
      const update = db.prepare('UPDATE users SET token_hash = ? WHERE uuid = ?');
      let rehashed = 0;
      let unopened = 0;
      for (const user of users) {
        const hash = hashOf(user.token_sealed);
        if (hash === null) unopened += 1;
        else rehashed += update.run(hash, user.uuid).changes;
      }
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
        SCHEME_KEY,
        scheme,
      );
      return { rehashed, unopened };
    });
    return Promise.resolve(run.immediate());
  }

  sealClearSecrets(scheme: string, rewrite: ClearSecretRewrite): Promise<number> {
    const db = this.file.db;
    const run = db.transaction(() => {
      const recorded = db.prepare('SELECT value FROM meta WHERE key = ?').get(SEALED_KEY) as { value: string } | undefined;
      if (recorded?.value === scheme) return 0;
      let sealed = 0;
      const pushed = db.prepare('SELECT seq, push_config FROM subscriptions WHERE push_config IS NOT NULL').all() as { seq: number; push_config: string }[];
      const updatePush = db.prepare('UPDATE subscriptions SET push_config = ? WHERE seq = ?');
      for (const row of pushed) {
        const config = JSON.parse(row.push_config) as { authorizationHeader?: { value?: string } } | null;
        const value = config?.authorizationHeader?.value;
        if (config?.authorizationHeader === undefined || !value || rewrite.isSealed(value)) continue;
        config.authorizationHeader.value = rewrite.sealPushValue(value);
        sealed += updatePush.run(JSON.stringify(config), row.seq).changes;
      }
      const pending = db.prepare('SELECT seq, activation_token FROM registrations WHERE activation_token IS NOT NULL').all() as {
        seq: number;
        activation_token: string;
      }[];
      const updateToken = db.prepare('UPDATE registrations SET activation_token = ? WHERE seq = ?');
      for (const row of pending) {
        if (rewrite.isSealed(row.activation_token)) continue;
        sealed += updateToken.run(rewrite.sealActivationToken(row.activation_token), row.seq).changes;
      }
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
        SEALED_KEY,
        scheme,
      );
      return sealed;
    });
    return Promise.resolve(run.immediate());
  }
}
