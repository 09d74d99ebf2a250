import { type DynamicModule, Global, Module, type Type } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { StoreKind } from '../config/config.js';
import { EmbeddedStoreModule } from './embedded/embedded-store.module.js';
import { KafkaMessageLog } from './kafka/kafka-message-log.repository.js';
import { mongoProbe } from './mongo/mongo-backend-probe.js';
import { MongoStoreModule } from './mongo/mongo-store.module.js';
import { BACKEND_PROBES } from './ports/backend-probe.repository.js';
import { COUNTERS } from './ports/counter-store.repository.js';
import { JOB_LEASES } from './ports/job-lease-store.repository.js';
import { MESSAGE_LOG, type MessageLog } from './ports/message-log.repository.js';
import { PROJECTS } from './ports/project-store.repository.js';
import { REGISTRATIONS } from './ports/registration-store.repository.js';
import { SCHEMAS } from './ports/schema-store.repository.js';
import { STORED_SECRETS } from './ports/stored-secrets.repository.js';
import { SUBSCRIPTIONS } from './ports/subscription-store.repository.js';
import { TOPICS } from './ports/topic-store.repository.js';
import { USERS } from './ports/user-store.repository.js';

/** Production: message logs in Kafka, everything else in MongoDB (mongoose stays inside storage/mongo). */
@Module({
  imports: [MongoStoreModule],
  providers: [
    { provide: MESSAGE_LOG, useClass: KafkaMessageLog },
    {
      provide: BACKEND_PROBES,
      inject: [getConnectionToken(), MESSAGE_LOG],
      useFactory: (connection: Connection, log: MessageLog) => [mongoProbe(connection), { backend: 'kafka', ping: () => log.ping() }],
    },
  ],
  exports: [MESSAGE_LOG, BACKEND_PROBES, MongoStoreModule],
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
export {
  BACKEND_PROBES,
  COUNTERS,
  JOB_LEASES,
  MESSAGE_LOG,
  PROJECTS,
  REGISTRATIONS,
  SCHEMAS,
  STORED_SECRETS,
  SUBSCRIPTIONS,
  TOPICS,
  USERS,
};
