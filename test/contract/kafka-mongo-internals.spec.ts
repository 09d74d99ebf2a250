import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { loadConfig } from '../../src/config/config.js';
import {
  CLUSTER_FACTORY,
  checkCluster,
  checkFetchResponse,
  KafkaClient,
  KafkaInternalsError,
} from '../../src/storage/kafka/kafka-client.js';
import { ROOT } from '../support/child-server.js';

/**
 * The kafkajs internals the Kafka adapter reads through (src/storage/kafka/kafka-client.ts). kafkajs is pinned to one
 * exact version; if an upgrade moves one of them, these fail naming it. The message-log contract exercises them on the
 * real broker (kafka-mongo.contract.spec); these need no broker.
 */
describe('kafkajs internals used by the Kafka message log', () => {
  it('kafkajs is pinned to the exact version the adapter is written against', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.equal(pkg.dependencies.kafkajs, '2.2.4', 'pin kafkajs exactly (no ^ or ~): the adapter uses its internals');
    const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'kafkajs', 'package.json'), 'utf8')) as { version: string };
    assert.equal(installed.version, '2.2.4');
  });

  it(`a Kafka instance keeps its cluster-client factory under Symbol(${CLUSTER_FACTORY})`, () => {
    const kafka = new kafkajs.Kafka({ brokers: ['127.0.0.1:1'], logLevel: kafkajs.logLevel.NOTHING });
    const symbols = Object.getOwnPropertySymbols(kafka).map((s) => s.description);
    assert.ok(symbols.includes(CLUSTER_FACTORY), `kafkajs internal "Kafka[Symbol(${CLUSTER_FACTORY})]" is gone`);
  });

  it('the cluster client has every member the reader calls, and each client made is tracked', () => {
    const env = { AMS_STORE: 'kafka-mongo', AMS_KAFKA_BROKERS: '127.0.0.1:1', AMS_MONGODB_URI: 'mongodb://127.0.0.1:1/x', AMS_TOKEN_KEY: 'a'.repeat(64) };
    const config = loadConfig(env).kafka;
    assert.ok(config !== null);
    const client = new KafkaClient(config);
    const cluster = client.newCluster();
    assert.doesNotThrow(() => checkCluster(cluster));
    // A producer's cluster client goes through the wrapped factory, so the client can prune its topic list.
    client.newProducer({});
    cluster.targetTopics.add('gone');
    client.forget((topic) => topic !== 'gone');
    assert.ok(!cluster.targetTopics.has('gone'));
  });

  it('the checks name the internal that moved', () => {
    assert.throws(() => checkCluster({ targetTopics: new Set() } as never), (err: unknown) => {
      assert.ok(err instanceof KafkaInternalsError);
      assert.match(err.message, /kafkajs internal "Cluster\.connect\(\)" is missing/);
      return true;
    });
    assert.throws(
      () => checkFetchResponse({ highWatermark: '3', messages: [] }),
      /kafkajs internal "Fetch response partition\.lastStartOffset" is missing/,
    );
  });
});
