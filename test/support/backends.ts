import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';

/**
 * Where the real servers of the kafka-mongo backend are, as scripts/test.sh exports them after starting them
 * (scripts/services/kafka.sh and mongo.sh). A kafka-mongo test without them fails: it must not pass by not running.
 */
export function kafkaMongoEnv(database: string): Record<string, string> {
  const brokers = process.env.AMS_TEST_KAFKA_BROKERS;
  const mongo = process.env.AMS_TEST_MONGODB_URI;
  if (!brokers || !mongo) {
    throw new Error('AMS_TEST_KAFKA_BROKERS and AMS_TEST_MONGODB_URI are not set: run the tests through scripts/test.sh');
  }
  return {
    AMS_STORE: 'kafka-mongo',
    AMS_KAFKA_BROKERS: brokers,
    AMS_MONGODB_URI: `${mongo.replace(/\/$/, '')}/${database}`,
    AMS_TOKEN_KEY: TEST_TOKEN_KEY,
    // Every test run and file gets its own topic prefix and database, so runs never see each other's data.
    AMS_KAFKA_TOPIC_PREFIX: `ams-test.${database}.`,
  };
}

export const TEST_TOKEN_KEY = 'a'.repeat(64);

/** A database name no other test file uses. */
export function uniqueDatabase(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Removes what a kafka-mongo test app left on the shared servers: its database and its Kafka topics. */
export async function dropBackendData(env: Record<string, string>): Promise<void> {
  if (env.AMS_STORE !== 'kafka-mongo') return;
  const { default: mongoose } = await import('mongoose');
  const { default: kafkajs } = await import('kafkajs');
  const connection = await mongoose.createConnection(env.AMS_MONGODB_URI).asPromise();
  await connection.dropDatabase();
  await connection.close();
  const admin = new kafkajs.Kafka({ brokers: env.AMS_KAFKA_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(env.AMS_KAFKA_TOPIC_PREFIX));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
}

/**
 * On AMS_STORE=kafka-mongo, the servers' settings with a database and topic prefix named after the data directory, so
 * an app restarted on the same directory finds its data again and no two test apps share any.
 */
export function backendEnv(dataDir: string): Record<string, string> {
  return process.env.AMS_STORE === 'kafka-mongo' ? kafkaMongoEnv(basename(dataDir)) : {};
}
