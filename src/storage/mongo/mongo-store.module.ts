import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AMS_CONFIG, type AmsConfig } from '../../config/config.js';
import { MongoJobLeaseStore } from './mongo-job-lease-store.repository.js';
import { MongoMetadataStore } from './mongo-metadata-store.repository.js';
import { MongoStoredSecrets } from './mongo-stored-secrets.repository.js';
import {
  DAILY_COUNT,
  DailyCountSchema,
  NODE_SAMPLE,
  NodeSampleSchema,
  MESSAGE_SCHEMA,
  MessageSchemaSchema,
  PROJECT,
  ProjectSchema,
  REGISTRATION,
  RegistrationSchema,
  RESOURCE_COUNTER,
  ResourceCounterSchema,
  SUBSCRIPTION,
  SubscriptionSchema,
  TOPIC,
  TopicSchema,
  USER,
  UserSchema,
} from './mongo-schemas.js';

/**
 * MongoDB for everything but message bodies. Commands are not buffered while disconnected and server selection gives
 * up after a few seconds, so requests during an outage fail fast with a 503 instead of hanging.
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
    MongooseModule.forFeature([
      { name: PROJECT, schema: ProjectSchema },
      { name: USER, schema: UserSchema },
      { name: TOPIC, schema: TopicSchema },
      { name: SUBSCRIPTION, schema: SubscriptionSchema },
      { name: DAILY_COUNT, schema: DailyCountSchema },
      { name: REGISTRATION, schema: RegistrationSchema },
      { name: RESOURCE_COUNTER, schema: ResourceCounterSchema },
      { name: NODE_SAMPLE, schema: NodeSampleSchema },
      { name: MESSAGE_SCHEMA, schema: MessageSchemaSchema },
    ]),
  ],
  providers: [MongoMetadataStore, MongoJobLeaseStore, MongoStoredSecrets],
  exports: [MongoMetadataStore, MongoJobLeaseStore, MongoStoredSecrets],
})
export class MongoStoreModule {}
