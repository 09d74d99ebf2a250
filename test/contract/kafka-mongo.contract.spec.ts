import mongoose from 'mongoose';
import { SystemClock } from '../../src/common/time.js';
import { loadConfig } from '../../src/config/config.js';
import { KafkaMessageLog } from '../../src/storage/kafka/kafka-message-log.repository.js';
import { MongoJobLeaseStore } from '../../src/storage/mongo/mongo-job-lease-store.repository.js';
import { MongoCounterStore } from '../../src/storage/mongo/mongo-counter-store.repository.js';
import { MongoModels } from '../../src/storage/mongo/mongo-models.js';
import { MongoProjectStore } from '../../src/storage/mongo/mongo-project-store.repository.js';
import { MongoRegistrationStore } from '../../src/storage/mongo/mongo-registration-store.repository.js';
import { MongoSchemaStore } from '../../src/storage/mongo/mongo-schema-store.repository.js';
import { MongoSubscriptionStore } from '../../src/storage/mongo/mongo-subscription-store.repository.js';
import { MongoTopicStore } from '../../src/storage/mongo/mongo-topic-store.repository.js';
import { MongoUserStore } from '../../src/storage/mongo/mongo-user-store.repository.js';
import { dropBackendData, kafkaMongoEnv, uniqueDatabase } from '../support/backends.js';
import type { Harness } from './harness.js';
import { jobLeaseStoreContract } from './job-lease-store.contract.js';
import { DEFAULT_RETENTION_S, messageLogContract } from './message-log.contract.js';
import { storeContracts } from './store-contracts.js';
import type { Stores } from './store-fixtures.js';

/** The Kafka message log on the broker of scripts/services/kafka.sh; its topics are deleted on close. */
async function openKafka(): Promise<Harness<KafkaMessageLog>> {
  const env = { ...kafkaMongoEnv(uniqueDatabase('contract')), AMS_MESSAGE_RETENTION_S: String(DEFAULT_RETENTION_S) };
  const log = new KafkaMessageLog(loadConfig(env), new SystemClock());
  await log.onModuleInit();
  return {
    port: log,
    async close() {
      await log.onApplicationShutdown();
      await dropBackendData(env);
    },
  };
}

/** Every metadata port on a fresh database of the server of scripts/services/mongo.sh, dropped on close. */
async function openMongo(): Promise<Harness<Stores>> {
  return openMongoWith(async (connection) => {
    const models = new MongoModels(connection);
    await models.onModuleInit();
    return {
      projects: new MongoProjectStore(models),
      users: new MongoUserStore(models),
      topics: new MongoTopicStore(models),
      subscriptions: new MongoSubscriptionStore(models),
      schemas: new MongoSchemaStore(models),
      registrations: new MongoRegistrationStore(models),
      counters: new MongoCounterStore(models),
    };
  });
}

/** A port adapter on a connection to a fresh database of the server of scripts/services/mongo.sh, dropped on close. */
async function openMongoWith<T>(adapter: (connection: mongoose.Connection) => Promise<T>): Promise<Harness<T>> {
  const env = kafkaMongoEnv(uniqueDatabase('contract'));
  const connection = await mongoose.createConnection(env.AMS_MONGODB_URI, { bufferCommands: false }).asPromise();
  return {
    port: await adapter(connection),
    async close() {
      await connection.close();
      await dropBackendData(env);
    },
  };
}

messageLogContract('kafka', openKafka, 'broker');
storeContracts('mongodb', openMongo);
jobLeaseStoreContract('mongodb', () => openMongoWith(async (connection) => MongoJobLeaseStore.on(connection)));
