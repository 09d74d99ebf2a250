import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../src/common/time.js';
import { SqliteFile } from '../../src/storage/embedded/sqlite-file.js';
import { SqliteJobLeaseStore } from '../../src/storage/embedded/sqlite-job-lease-store.repository.js';
import { SqliteMessageLog } from '../../src/storage/embedded/sqlite-message-log.repository.js';
import { SqliteMetadataStore } from '../../src/storage/embedded/sqlite-metadata-store.repository.js';
import type { Harness } from './harness.js';
import { jobLeaseStoreContract } from './job-lease-store.contract.js';
import { messageLogContract } from './message-log.contract.js';
import { metadataStoreContract } from './metadata-store.contract.js';

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

messageLogContract(
  'embedded',
  async () => {
    const harness = await openEmbedded((file) => new SqliteMessageLog(file, new SystemClock()));
    // Deletes drain in the background: they stop before the file closes, as at the service's shutdown.
    return { port: harness.port, close: () => harness.port.beforeApplicationShutdown().then(() => harness.close()) };
  },
  'store',
);
metadataStoreContract('embedded', () => openEmbedded((file) => new SqliteMetadataStore(file)));
jobLeaseStoreContract('embedded', () => openEmbedded((file) => new SqliteJobLeaseStore(file)));
