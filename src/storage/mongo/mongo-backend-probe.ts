import type { Connection } from 'mongoose';
import type { BackendProbe } from '../ports/backend-probe.repository.js';
import { StoreUnavailableError } from '../ports/store-errors.js';

/** MongoDB's `ping` command on the service's own connection (it gives up after the connection's server selection timeout). */
export function mongoProbe(connection: Connection): BackendProbe {
  return {
    backend: 'mongodb',
    ping: async () => {
      try {
        const db = connection.db;
        if (db === undefined) throw new Error('not connected');
        await db.admin().ping();
      } catch (err) {
        throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError('mongodb', err);
      }
    },
  };
}
