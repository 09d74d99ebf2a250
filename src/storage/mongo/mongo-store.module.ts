import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AMS_CONFIG, type AmsConfig } from '../../config/config.js';
import { COUNTERS } from '../ports/counter-store.repository.js';
import { JOB_LEASES } from '../ports/job-lease-store.repository.js';
import { PROJECTS } from '../ports/project-store.repository.js';
import { REGISTRATIONS } from '../ports/registration-store.repository.js';
import { SCHEMAS } from '../ports/schema-store.repository.js';
import { STORED_SECRETS } from '../ports/stored-secrets.repository.js';
import { SUBSCRIPTIONS } from '../ports/subscription-store.repository.js';
import { TOPICS } from '../ports/topic-store.repository.js';
import { USERS } from '../ports/user-store.repository.js';
import { MongoCounterStore } from './mongo-counter-store.repository.js';
import { MongoJobLeaseStore } from './mongo-job-lease-store.repository.js';
import { MongoModels } from './mongo-models.js';
import { MongoProjectStore } from './mongo-project-store.repository.js';
import { MongoRegistrationStore } from './mongo-registration-store.repository.js';
import { MongoStoredSecrets } from './mongo-stored-secrets.repository.js';
import { MongoSchemaStore } from './mongo-schema-store.repository.js';
import { MongoSubscriptionStore } from './mongo-subscription-store.repository.js';
import { MongoTopicStore } from './mongo-topic-store.repository.js';
import { MongoUserStore } from './mongo-user-store.repository.js';

/** Every port but the message log, on one MongoDB connection (the list is the module's exports too). */
const ADAPTERS = [
  { provide: PROJECTS, useClass: MongoProjectStore },
  { provide: USERS, useClass: MongoUserStore },
  { provide: TOPICS, useClass: MongoTopicStore },
  { provide: SUBSCRIPTIONS, useClass: MongoSubscriptionStore },
  { provide: SCHEMAS, useClass: MongoSchemaStore },
  { provide: REGISTRATIONS, useClass: MongoRegistrationStore },
  { provide: COUNTERS, useClass: MongoCounterStore },
  { provide: JOB_LEASES, useClass: MongoJobLeaseStore },
  { provide: STORED_SECRETS, useClass: MongoStoredSecrets },
];

/**
 * MongoDB for everything but message bodies. Commands are not buffered while disconnected and server selection gives
 * up after a few seconds, so requests during an outage fail fast with a 503 instead of hanging. The models are
 * registered by MongoModels from the one list in mongo-schemas.ts.
 */
@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [AMS_CONFIG],
      useFactory: (config: AmsConfig) => ({
        uri: config.mongo?.uri,
        bufferCommands: false,
        serverSelectionTimeoutMS: 5000,
        connectTimeoutMS: 5000,
        socketTimeoutMS: 20000,
        heartbeatFrequencyMS: 2000,
        autoIndex: true,
        retryAttempts: 10,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [MongoModels, ...ADAPTERS],
  exports: ADAPTERS.map((a) => a.provide),
})
export class MongoStoreModule {}
