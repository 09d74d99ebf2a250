import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { SystemClock } from '../../src/common/time.js';
import { loadConfig } from '../../src/config/config.js';
import { KafkaMessageLog } from '../../src/storage/kafka/kafka-message-log.repository.js';
import { dropBackendData, kafkaMongoEnv, uniqueDatabase } from '../support/backends.js';

/**
 * Retention on kafka-mongo is the broker's: new topics get `retention.ms` from AMS_MESSAGE_RETENTION_S, and the log
 * reports the broker's real oldest offset once records are gone (deleted here with DeleteRecords, which moves the log
 * start offset exactly as the broker's retention does when it drops old segments).
 */
describe('Kafka message log retention', () => {
  const env: Record<string, string> = { ...kafkaMongoEnv(uniqueDatabase('retention')), AMS_MESSAGE_RETENTION_S: '5400' };
  const log = new KafkaMessageLog(loadConfig(env), new SystemClock());
  const admin = new kafkajs.Kafka({ brokers: env.AMS_KAFKA_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
  before(async () => {
    await log.onModuleInit();
    await admin.connect();
  });
  after(async () => {
    await admin.disconnect();
    await log.onApplicationShutdown();
    await dropBackendData(env);
  });

  it('a new log gets retention.ms from AMS_MESSAGE_RETENTION_S', async () => {
    const logId = randomUUID();
    await log.createLog(logId);
    const described = await admin.describeConfigs({
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: log.topicOf(logId), configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    assert.equal(described.resources[0].configEntries[0].configValue, String(5400 * 1000));
  });

  it('a log of a topic with its own retention gets that, and setRetention changes it and keeps the other settings', async () => {
    const logId = randomUUID();
    await log.createLog(logId, 900);
    const configOf = async (): Promise<Record<string, string>> => {
      const described = await admin.describeConfigs({
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: log.topicOf(logId), configNames: ['retention.ms', 'max.message.bytes'] }],
        includeSynonyms: false,
      });
      return Object.fromEntries(described.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    };
    const created = await configOf();
    assert.equal(created['retention.ms'], '900000');
    await log.setRetention(logId, 1200);
    assert.deepEqual(await configOf(), { ...created, 'retention.ms': '1200000' });
    await log.setRetention(logId, null);
    assert.deepEqual(await configOf(), { ...created, 'retention.ms': String(5400 * 1000) });
  });

  it('the oldest offset is the broker\'s: min follows records the broker dropped, reads start there', async () => {
    const logId = randomUUID();
    await log.createLog(logId);
    await log.append(logId, Array.from({ length: 6 }, (_, i) => ({ data: `m-${i}`, attributes: {} })));
    await admin.fetchTopicMetadata({ topics: [log.topicOf(logId)] }); // the admin client learns the partition's leader
    await admin.deleteTopicRecords({ topic: log.topicOf(logId), partitions: [{ partition: 0, offset: '4' }] });
    assert.deepEqual(await log.bounds(logId), { min: 4, max: 6 });
    assert.deepEqual(
      (await log.read(logId, 0, 10, 1024 * 1024)).map((m) => [m.offset, m.data]),
      [[4, 'm-4'], [5, 'm-5']],
    );
    assert.equal(await log.offsetAtTime(logId, 0), 4, 'a time before the oldest message answers min');
    assert.deepEqual(
      (await log.append(logId, [{ data: 'later', attributes: {} }])).map((a) => a.offset),
      [6],
    );
  });
});
