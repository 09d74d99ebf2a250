import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../src/common/time.js';
import { SqliteCounterStore } from '../../src/storage/embedded/sqlite-counter-store.repository.js';
import { SqliteFile } from '../../src/storage/embedded/sqlite-file.js';
import { SqliteJobLeaseStore } from '../../src/storage/embedded/sqlite-job-lease-store.repository.js';
import { SqliteMessageLog } from '../../src/storage/embedded/sqlite-message-log.repository.js';
import { SqliteProjectStore } from '../../src/storage/embedded/sqlite-project-store.repository.js';
import { SqliteRegistrationStore } from '../../src/storage/embedded/sqlite-registration-store.repository.js';
import { SqliteSchemaStore } from '../../src/storage/embedded/sqlite-schema-store.repository.js';
import { SqliteSubscriptionStore } from '../../src/storage/embedded/sqlite-subscription-store.repository.js';
import { SqliteTopicStore } from '../../src/storage/embedded/sqlite-topic-store.repository.js';
import { SqliteUserStore } from '../../src/storage/embedded/sqlite-user-store.repository.js';
import type { Harness } from './harness.js';
import { jobLeaseStoreContract } from './job-lease-store.contract.js';
import { DEFAULT_RETENTION_S, messageLogContract } from './message-log.contract.js';
import { storeContracts } from './store-contracts.js';
import type { Stores } from './store-fixtures.js';

/** A fresh SQLite file in its own temp directory, removed on close. */
async function openEmbedded<T>(adapter: (file: SqliteFile) => T): Promise<Harness<T>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ams-contract-'));
  const file = new SqliteFile({ dataDir, sqliteSynchronous: 'NORMAL' });
  return {
    port: adapter(file),
    async close() {
      file.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every metadata port on one file, as the embedded store module binds them. */
const openStores = (): Promise<Harness<Stores>> =>
  openEmbedded((file) => ({
    projects: new SqliteProjectStore(file),
    users: new SqliteUserStore(file),
    topics: new SqliteTopicStore(file),
    subscriptions: new SqliteSubscriptionStore(file),
    schemas: new SqliteSchemaStore(file),
    registrations: new SqliteRegistrationStore(file),
    counters: new SqliteCounterStore(file),
  }));

messageLogContract(
  'embedded',
  async () => {
    const harness = await openEmbedded((file) => new SqliteMessageLog(file, new SystemClock(), { messageRetentionSeconds: DEFAULT_RETENTION_S }));
    // Deletes drain in the background: they stop before the file closes, as at the service's shutdown.
    return { port: harness.port, close: () => harness.port.beforeApplicationShutdown().then(() => harness.close()) };
  },
  'store',
);
storeContracts('embedded', openStores);
jobLeaseStoreContract('embedded', () => openEmbedded((file) => new SqliteJobLeaseStore(file)));
