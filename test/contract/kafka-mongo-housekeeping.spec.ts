import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import mongoose from 'mongoose';
import { LEASED_JOBS } from '../../src/housekeeping/housekeeping.service.js';
import { parseSlotLease, SLOT_LEASE_PREFIX, slotOf } from '../../src/housekeeping/slots.js';
import { MongoJobLeaseStore } from '../../src/storage/mongo/mongo-job-lease-store.repository.js';
import { MongoModels } from '../../src/storage/mongo/mongo-models.js';
import { MongoTopicStore } from '../../src/storage/mongo/mongo-topic-store.repository.js';
import { unique } from '../support/app.js';
import { dropBackendData, kafkaMongoEnv } from '../support/backends.js';
import { type ChildServer, freePort, spawnServer, waitUntilReady } from '../support/child-server.js';
import { Client } from '../support/client.js';
import { scrape, valueOf } from '../support/prometheus.js';

/**
 * House-keeping across replicas: two service processes on one kafka-mongo backend, with a 2-second interval. Each
 * leased job must run exactly once per interval across both (the slot leases and both processes' run counters agree,
 * slot by slot), and orphans planted straight into the stores (a Kafka topic no AMS topic refers to, a topic record of
 * a project that does not exist, with its log) must go.
 */

const ADMIN_TOKEN = 'housekeeping-admin-token-0123456789';
const INTERVAL_MS = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('house-keeping with two processes on kafka-mongo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ams-housekeeping-'));
  const env = kafkaMongoEnv(basename(dir));
  const servers: ChildServer[] = [];
  let connection: mongoose.Connection;
  let admin: kafkajs.Admin;

  const start = async (): Promise<ChildServer> => {
    const server = spawnServer({
      ...env,
      AMS_PORT: String(await freePort()),
      AMS_HOST: '127.0.0.1',
      AMS_DATA_DIR: dir,
      AMS_ADMIN_TOKEN: ADMIN_TOKEN,
      AMS_LOG_LEVEL: 'warn',
      AMS_HOUSEKEEPING_INTERVAL_S: String(INTERVAL_MS / 1000),
    });
    servers.push(server);
    await waitUntilReady(server);
    return server;
  };

  const kafkaTopics = async (): Promise<Set<string>> => new Set(await admin.listTopics());

  before(async () => {
    connection = await mongoose.createConnection(env.AMS_MONGODB_URI, { bufferCommands: false }).asPromise();
    admin = new kafkajs.Kafka({ brokers: env.AMS_KAFKA_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
  });

  after(async () => {
    for (const server of servers) await server.kill();
    await admin?.disconnect();
    await connection?.close();
    await dropBackendData(env);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs each job once per interval across both, removes planted orphans, and stops cleanly', async () => {
    const a = await start(); // first alone: it makes the bootstrap admin
    const b = await start();
    const api = new Client(a.url, ADMIN_TOKEN);

    // A real topic, whose log must stay, and orphans planted behind the service's back.
    const project = unique('hk');
    assert.equal((await api.post(`/v1/projects/${project}`, {})).status, 200);
    assert.equal((await api.put(`/v1/projects/${project}/topics/kept`)).status, 200);
    const store = new MongoTopicStore(new MongoModels(connection));
    const logIds = await store.topicLogIds();
    assert.equal(logIds.length, 1);
    const keptLog = logIds[0];
    const strayLog = randomUUID(); // a Kafka topic of no AMS topic: a crash between a topic's delete and its log's
    const ghostLog = randomUUID(); // the log of a topic record whose project is gone
    await admin.createTopics({
      waitForLeaders: true,
      topics: [strayLog, ghostLog].map((id) => ({ topic: `${env.AMS_KAFKA_TOPIC_PREFIX}${id}`, numPartitions: 1 })),
    });
    const ghostProject = randomUUID();
    assert.equal(
      await store.createTopic({ projectUuid: ghostProject, name: 'ghost', logId: ghostLog, schemaUuid: null, authorizedUsers: [], createdOn: new Date(), retentionSeconds: null }),
      true,
    );

    // Until every job has run in five slots (bounded in time), then look in the middle of a slot, when its runs are over.
    const slotsRun = async (): Promise<number> => {
      const held = await MongoJobLeaseStore.on(connection).list(SLOT_LEASE_PREFIX);
      return Math.min(...LEASED_JOBS.map((job) => held.filter((lease) => parseSlotLease(lease.name)?.job === job).length));
    };
    const settled = Date.now() + 20 * INTERVAL_MS;
    while ((await slotsRun()) < 5) {
      assert.ok(Date.now() < settled, 'the jobs ran in five slots in time');
      await sleep(INTERVAL_MS / 10);
    }
    while (Date.now() % INTERVAL_MS < INTERVAL_MS * 0.55 || Date.now() % INTERVAL_MS > INTERVAL_MS * 0.8) await sleep(20);
    const slotNow = slotOf(new Date(), INTERVAL_MS);
    const [fromA, fromB] = await Promise.all([scrape(new Client(a.url)), scrape(new Client(b.url))]);
    const leases = (await MongoJobLeaseStore.on(connection).list(SLOT_LEASE_PREFIX)).flatMap((lease) => {
      const parsed = parseSlotLease(lease.name);
      return parsed === null || parsed.slot > slotNow ? [] : [{ ...parsed, holder: lease.holder }];
    });
    const pidOf = (holder: string): number => Number(holder.split('/')[1]);

    for (const job of LEASED_JOBS) {
      const slots = leases.filter((l) => l.job === job).map((l) => l.slot);
      assert.ok(slots.length >= 4, `${job}: ${slots.length} slots ran`);
      assert.equal(slots[slots.length - 1], slotNow, `${job} ran in the current slot`);
      assert.deepEqual(slots, Array.from({ length: slots.length }, (_, i) => slots[0] + i), `${job}: one run in every slot, no gap`);
      const runsA = valueOf(fromA, 'ams_housekeeping_runs_total', { job }) ?? 0;
      const runsB = valueOf(fromB, 'ams_housekeeping_runs_total', { job }) ?? 0;
      const heldBy = (server: ChildServer) => leases.filter((l) => l.job === job && pidOf(l.holder) === server.child.pid).length;
      assert.equal(runsA, heldBy(a), `${job}: process A ran exactly the slots it holds`);
      assert.equal(runsB, heldBy(b), `${job}: process B ran exactly the slots it holds`);
      assert.equal(runsA + runsB, slots.length, `${job}: exactly one run per slot across both processes`);
      assert.equal(valueOf(fromA, 'ams_housekeeping_failures_total', { job }) ?? 0, 0);
      assert.equal(valueOf(fromB, 'ams_housekeeping_failures_total', { job }) ?? 0, 0);
    }

    // The orphan topic record went at once; the logs after their grace period (20 s from the first sighting).
    assert.equal(await store.topic(ghostProject, 'ghost'), null);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const topics = await kafkaTopics();
      const left = [strayLog, ghostLog].filter((id) => topics.has(`${env.AMS_KAFKA_TOPIC_PREFIX}${id}`));
      if (left.length === 0) break;
      assert.ok(Date.now() < deadline, `orphan logs still there: ${left.join(', ')}`);
      await sleep(500);
    }
    assert.ok((await kafkaTopics()).has(`${env.AMS_KAFKA_TOPIC_PREFIX}${keptLog}`), 'the log of a live topic stays');
    assert.deepEqual(await MongoJobLeaseStore.on(connection).list('orphan-log/'), [], 'no suspect record is left behind');

    // A clean stop: timers cleared, the process ends by itself.
    for (const server of [a, b]) server.child.kill('SIGTERM');
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000).unref());
    for (const server of [a, b]) {
      const exit = await Promise.race([server.exited, timeout]);
      assert.ok(exit !== null, 'the process ended after SIGTERM');
    }
  });
});
