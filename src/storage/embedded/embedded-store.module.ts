import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AMS_CONFIG, type AmsConfig } from '../../config/config.js';
import { JOB_LEASES } from '../ports/job-lease-store.repository.js';
import { MESSAGE_LOG } from '../ports/message-log.repository.js';
import { METADATA_STORE } from '../ports/metadata-store.repository.js';
import { STORED_SECRETS } from '../ports/stored-secrets.repository.js';
import { SqliteFile } from './sqlite-file.js';
import { SqliteJobLeaseStore } from './sqlite-job-lease-store.repository.js';
import { SqliteMessageLog } from './sqlite-message-log.repository.js';
import { SqliteMetadataStore } from './sqlite-metadata-store.repository.js';
import { SqliteStoredSecrets } from './sqlite-stored-secrets.repository.js';

@Injectable()
class SqliteFileCloser implements OnApplicationShutdown {
  constructor(@Inject(SqliteFile) private readonly file: SqliteFile) {}

  onApplicationShutdown(): void {
    this.file.close();
  }
}

@Module({
  providers: [
    { provide: SqliteFile, inject: [AMS_CONFIG], useFactory: (config: AmsConfig) => new SqliteFile(config) },
    SqliteFileCloser,
    { provide: MESSAGE_LOG, useClass: SqliteMessageLog },
    { provide: METADATA_STORE, useClass: SqliteMetadataStore },
    { provide: JOB_LEASES, useClass: SqliteJobLeaseStore },
    { provide: STORED_SECRETS, useClass: SqliteStoredSecrets },
  ],
  exports: [MESSAGE_LOG, METADATA_STORE, JOB_LEASES, STORED_SECRETS],
})
export class EmbeddedStoreModule {}
