import mongoose from 'mongoose';
import { SystemClock } from '../../src/common/time.js';
import { loadConfig } from '../../src/config/config.js';
import { KafkaMessageLog } from '../../src/storage/kafka/kafka-message-log.repository.js';
import { MongoJobLeaseStore } from '../../src/storage/mongo/mongo-job-lease-store.repository.js';
import { MongoMetadataStore } from '../../src/storage/mongo/mongo-metadata-store.repository.js';
import { dropBackendData, kafkaMongoEnv, uniqueDatabase } from '../support/backends.js';
import type { Harness } from './harness.js';
import { jobLeaseStoreContract } from './job-lease-store.contract.js';
import { messageLogContract } from './message-log.contract.js';
import { metadataStoreContract } from './metadata-store.contract.js';

/** The Kafka message log on the broker of scripts/services/kafka.sh; its topics are deleted on close. */
async function openKafka(): Promise<Harness<KafkaMessageLog>> {
  const env = kafkaMongoEnv(uniqueDatabase('contract'));
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

/** The MongoDB metadata store on a fresh database of the server of scripts/services/mongo.sh, dropped on close. */
async function openMongo(): Promise<Harness<MongoMetadataStore>> {
  return openMongoWith(async (connection) => {
    const store = MongoMetadataStore.on(connection);
    await store.onModuleInit();
    return store;
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
metadataStoreContract('mongodb', openMongo);
jobLeaseStoreContract('mongodb', () => openMongoWith(async (connection) => MongoJobLeaseStore.on(connection)));
