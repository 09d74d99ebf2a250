import { type DynamicModule, Global, Module, type Type } from '@nestjs/common';
import type { StoreKind } from '../config/config.js';
import { EmbeddedStoreModule } from './embedded/embedded-store.module.js';
import { KafkaMessageLog } from './kafka/kafka-message-log.repository.js';
import { MongoStoreModule } from './mongo/mongo-store.module.js';
import { COUNTERS } from './ports/counter-store.repository.js';
import { JOB_LEASES } from './ports/job-lease-store.repository.js';
import { MESSAGE_LOG } from './ports/message-log.repository.js';
import { PROJECTS } from './ports/project-store.repository.js';
import { REGISTRATIONS } from './ports/registration-store.repository.js';
import { SCHEMAS } from './ports/schema-store.repository.js';
import { SUBSCRIPTIONS } from './ports/subscription-store.repository.js';
import { TOPICS } from './ports/topic-store.repository.js';
import { USERS } from './ports/user-store.repository.js';

/** Production: message logs in Kafka, everything else in MongoDB (mongoose stays inside storage/mongo). */
@Module({
  imports: [MongoStoreModule],
  providers: [{ provide: MESSAGE_LOG, useClass: KafkaMessageLog }],
  exports: [MESSAGE_LOG, MongoStoreModule],
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

/** Every port's injection token. */
export { COUNTERS, JOB_LEASES, MESSAGE_LOG, PROJECTS, REGISTRATIONS, SCHEMAS, SUBSCRIPTIONS, TOPICS, USERS };
