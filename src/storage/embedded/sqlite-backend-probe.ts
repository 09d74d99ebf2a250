import type { BackendProbe } from '../ports/backend-probe.repository.js';
import { StoreUnavailableError } from '../ports/store-errors.js';
import type { SqliteFile } from './sqlite-file.js';

/** The embedded store has one dependency, its file: a trivial statement shows the database is open and readable. */
export function sqliteProbes(file: SqliteFile): BackendProbe[] {
  return [
    {
      backend: 'sqlite',
      ping: async () => {
        try {
          file.db.prepare('SELECT 1').get();
        } catch (err) {
          throw new StoreUnavailableError('sqlite', err);
        }
      },
    },
  ];
}
