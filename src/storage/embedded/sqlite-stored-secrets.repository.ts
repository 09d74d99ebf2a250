import { Inject, Injectable } from '@nestjs/common';
import type { StoredSecrets } from '../ports/stored-secrets.repository.js';
import { SqliteFile } from './sqlite-file.js';

const SCHEME_KEY = 'token_hash_scheme';

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
}
