import { type DynamicModule, Global, Module, type Type } from '@nestjs/common';
import type { StoreKind } from '../config/config.js';
import { EmbeddedStoreModule } from './embedded/embedded-store.module.js';
import { KafkaMessageLog } from './kafka/kafka-message-log.repository.js';
import { MongoJobLeaseStore } from './mongo/mongo-job-lease-store.repository.js';
import { MongoMetadataStore } from './mongo/mongo-metadata-store.repository.js';
import { MongoStoreModule } from './mongo/mongo-store.module.js';
import { MongoStoredSecrets } from './mongo/mongo-stored-secrets.repository.js';
import { JOB_LEASES } from './ports/job-lease-store.repository.js';
import { MESSAGE_LOG } from './ports/message-log.repository.js';
import { METADATA_STORE } from './ports/metadata-store.repository.js';
import { STORED_SECRETS } from './ports/stored-secrets.repository.js';

/** Production: message logs in Kafka, everything else in MongoDB (mongoose stays inside storage/mongo). */
@Module({
  imports: [MongoStoreModule],
  providers: [
    { provide: MESSAGE_LOG, useClass: KafkaMessageLog },
    { provide: METADATA_STORE, useExisting: MongoMetadataStore },
    { provide: JOB_LEASES, useExisting: MongoJobLeaseStore },
    { provide: STORED_SECRETS, useExisting: MongoStoredSecrets },
  ],
  exports: [MESSAGE_LOG, METADATA_STORE, JOB_LEASES, STORED_SECRETS],
})
class KafkaMongoStoreModule {}

/** The one place that knows which backend runs (architecture decision 6). */
const BACKENDS: Record<StoreKind, Type> = {
  embedded: EmbeddedStoreModule,
  'kafka-mongo': KafkaMongoStoreModule,
};

@Global()
@Module({})
export class StorageModule {
  static forStore(store: StoreKind): DynamicModule {
    const backend = BACKENDS[store];
    return { module: StorageModule, imports: [backend], exports: [backend] };
  }
}

export { JOB_LEASES, MESSAGE_LOG, METADATA_STORE };
