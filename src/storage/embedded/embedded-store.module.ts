import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AMS_CONFIG, type AmsConfig } from '../../config/config.js';
import { BACKEND_PROBES } from '../ports/backend-probe.repository.js';
import { COUNTERS } from '../ports/counter-store.repository.js';
import { JOB_LEASES } from '../ports/job-lease-store.repository.js';
import { MESSAGE_LOG } from '../ports/message-log.repository.js';
import { STORED_SECRETS } from '../ports/stored-secrets.repository.js';
import { PROJECTS } from '../ports/project-store.repository.js';
import { REGISTRATIONS } from '../ports/registration-store.repository.js';
import { SCHEMAS } from '../ports/schema-store.repository.js';
import { SUBSCRIPTIONS } from '../ports/subscription-store.repository.js';
import { TOPICS } from '../ports/topic-store.repository.js';
import { USERS } from '../ports/user-store.repository.js';
import { sqliteProbes } from './sqlite-backend-probe.js';
import { SqliteCounterStore } from './sqlite-counter-store.repository.js';
import { SqliteFile } from './sqlite-file.js';
import { SqliteJobLeaseStore } from './sqlite-job-lease-store.repository.js';
import { SqliteMessageLog } from './sqlite-message-log.repository.js';
import { SqliteProjectStore } from './sqlite-project-store.repository.js';
import { SqliteRegistrationStore } from './sqlite-registration-store.repository.js';
import { SqliteStoredSecrets } from './sqlite-stored-secrets.repository.js';
import { SqliteSchemaStore } from './sqlite-schema-store.repository.js';
import { SqliteSubscriptionStore } from './sqlite-subscription-store.repository.js';
import { SqliteTopicStore } from './sqlite-topic-store.repository.js';
import { SqliteUserStore } from './sqlite-user-store.repository.js';

@Injectable()
class SqliteFileCloser implements OnApplicationShutdown {
  constructor(@Inject(SqliteFile) private readonly file: SqliteFile) {}

  onApplicationShutdown(): void {
    this.file.close();
  }
}

/** Every port on one SQLite file (tokens and their adapters; the list is the module's exports too). */
const ADAPTERS = [
  { provide: MESSAGE_LOG, useClass: SqliteMessageLog },
  { provide: PROJECTS, useClass: SqliteProjectStore },
  { provide: USERS, useClass: SqliteUserStore },
  { provide: TOPICS, useClass: SqliteTopicStore },
  { provide: SUBSCRIPTIONS, useClass: SqliteSubscriptionStore },
  { provide: SCHEMAS, useClass: SqliteSchemaStore },
  { provide: REGISTRATIONS, useClass: SqliteRegistrationStore },
  { provide: COUNTERS, useClass: SqliteCounterStore },
  { provide: JOB_LEASES, useClass: SqliteJobLeaseStore },
  { provide: STORED_SECRETS, useClass: SqliteStoredSecrets },
];

@Module({
  providers: [
    { provide: SqliteFile, inject: [AMS_CONFIG], useFactory: (config: AmsConfig) => new SqliteFile(config) },
    SqliteFileCloser,
    ...ADAPTERS,
    { provide: BACKEND_PROBES, inject: [SqliteFile], useFactory: sqliteProbes },
  ],
  exports: [...ADAPTERS.map((a) => a.provide), BACKEND_PROBES],
})
export class EmbeddedStoreModule {}
