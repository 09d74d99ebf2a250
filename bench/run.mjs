// AMS benchmark: starts the built service (dist/) on a backend and prints
//   publish msgs/s (batches of 100 x 1 KB from 8 publishers), pull+acknowledge msgs/s (8 subscriptions drained
//   concurrently, maxMessages 100), pull and acknowledge p50/p99, the server's CPU time per 1,000 messages of each
//   phase, p50/p99 publish latency at a steady moderate load, and the server's peak RSS; on kafka-mongo also a raw
//   kafkajs producer and consumer on the same broker with the same batches, the ratio service / raw, and (unless
//   --compare false) the embedded store on the same parameters in the same run, with the ratio kafka-mongo / embedded.
// Usage: npm run bench [-- --store embedded|kafka-mongo --messages 200000 --connections 8 --subscriptions 8
//                          --pull 100 --rate 100 --seconds 10 --compare true]
// kafka-mongo starts the test servers of scripts/services/ when they are not running (and stops them afterwards).
// The load generator runs on the same machine as the server, so both share its cores: figures are a floor.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { apiClient, freePort } from './lib/http.mjs';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    connections: { type: 'string', default: '8' },
    batch: { type: 'string', default: '100' },
    size: { type: 'string', default: '1024' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    pull: { type: 'string', default: '100' },
    subscriptions: { type: 'string', default: '8' },
    store: { type: 'string', default: 'embedded' },
    compare: { type: 'string', default: 'true' },
  },
});
const TOTAL = Number(args.messages);
const CONNECTIONS = Number(args.connections);
const BATCH = Number(args.batch);
const SIZE = Number(args.size);
const TOKEN = 'bench-admin-token-0123456789';

const api = apiClient(TOKEN, 64);
const call = (method, path, body) => api.call(method, path, body);

async function waitReady(child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error('server exited during start');
    try {
      await call('GET', '/v1/status');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('server did not start');
}

function peakRssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
  return kib / 1024;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const payload = Buffer.alloc((SIZE * 3) / 4, 'a').toString('base64').slice(0, SIZE); // ~1 KB of base64 text
const batchBody = JSON.stringify({
  messages: Array.from({ length: BATCH }, (_, i) => ({ data: payload, attributes: { seq: String(i) } })),
});

async function publishPhase(topicPath) {
  const batches = Math.ceil(TOTAL / BATCH);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < batches) {
        next += 1;
        await call('POST', `${topicPath}:publish`, batchBody);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { messages: batches * BATCH, seconds };
}

async function drain(subPath, expected, pulls, acks) {
  let received = 0;
  while (received < expected) {
    let t = performance.now();
    const reply = await call('POST', `${subPath}:pull`, { maxMessages: args.pull, returnImmediately: 'true' });
    pulls.push(performance.now() - t);
    const messages = reply.receivedMessages;
    if (messages.length === 0) throw new Error(`subscription drained early at ${received}/${expected}`);
    t = performance.now();
    await call('POST', `${subPath}:acknowledge`, { ackIds: [messages[messages.length - 1].ackId] });
    acks.push(performance.now() - t);
    received += messages.length;
  }
  return received;
}

async function pullPhase(subPaths, expected) {
  const pulls = [];
  const acks = [];
  const start = process.hrtime.bigint();
  const counts = await Promise.all(subPaths.map((s) => drain(s, expected, pulls, acks)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  pulls.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  return { messages: counts.reduce((a, b) => a + b, 0), seconds, pulls, acks };
}

/** User + system CPU time of a process so far, in ms (from /proc; clock ticks are 100 per second on Linux). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Open-loop load at a fixed request rate; latency of each request from its scheduled start. */
async function latencyPhase(topicPath) {
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const total = rate * seconds;
  const latencies = [];
  const start = performance.now();
  const inflight = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      call('POST', `${topicPath}:publish`, batchBody).then(() => latencies.push(performance.now() - due)),
    );
  }
  await Promise.all(inflight);
  latencies.sort((a, b) => a - b);
  return { rate, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** One store: start the service on it, run the phases, print them; returns the figures. */
async function runStore(store) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ams-bench-'));
  api.port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      AMS_PORT: String(api.port),
      AMS_HOST: '127.0.0.1',
      AMS_DATA_DIR: dataDir,
      AMS_ADMIN_TOKEN: TOKEN,
      AMS_LOG_LEVEL: 'warn',
      ...(store === 'kafka-mongo' ? kafkaMongoEnv() : { AMS_STORE: 'embedded' }),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitReady(child);
    const project = '/v1/projects/bench';
    await call('POST', project, {});
    await call('PUT', `${project}/topics/load`);
    const subs = Array.from({ length: Number(args.subscriptions) }, (_, i) => `${project}/subscriptions/sub${i}`);
    for (const sub of subs) await call('PUT', sub, { topic: 'projects/bench/topics/load' });

    console.log(`AMS bench (${store} store) node ${process.version}, ${CONNECTIONS} publishers, ${subs.length} subscriptions, batches of ${BATCH} x ${SIZE} B`);
    let cpu = cpuMs(child.pid);
    const pub = await publishPhase(`${project}/topics/load`);
    const pubCpu = ((cpuMs(child.pid) - cpu) * 1000) / pub.messages;
    console.log(`publish:        ${Math.round(pub.messages / pub.seconds)} msgs/s (${pub.messages} msgs in ${pub.seconds.toFixed(2)} s), server CPU ${pubCpu.toFixed(1)} ms / 1,000 msgs`);

    cpu = cpuMs(child.pid);
    const many = await pullPhase(subs, pub.messages);
    const pullCpu = ((cpuMs(child.pid) - cpu) * 1000) / many.messages;
    const f = (ms) => ms.toFixed(1);
    console.log(`pull+ack ${subs.length} subs: ${Math.round(many.messages / many.seconds)} msgs/s aggregate (maxMessages ${args.pull}), server CPU ${pullCpu.toFixed(1)} ms / 1,000 msgs`);
    console.log(`  pull p50 ${f(percentile(many.pulls, 50))} ms, p99 ${f(percentile(many.pulls, 99))} ms; acknowledge p50 ${f(percentile(many.acks, 50))} ms, p99 ${f(percentile(many.acks, 99))} ms`);

    const lat = await latencyPhase(`${project}/topics/load`);
    console.log(
      `publish latency at ${lat.rate} req/s (${lat.rate * BATCH} msgs/s) for ${lat.seconds} s: p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms`,
    );
    console.log(`server peak RSS: ${peakRssMiB(child.pid).toFixed(0)} MiB`);
    return {
      publish: pub.messages / pub.seconds,
      pullAck: many.messages / many.seconds,
      pull: [percentile(many.pulls, 50), percentile(many.pulls, 99)],
      ack: [percentile(many.acks, 50), percentile(many.acks, 99)],
      cpu: [pubCpu, pullCpu],
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function table(rows) {
  const f = (ms) => ms.toFixed(1);
  console.log('\n| store | publish msgs/s | pull+ack msgs/s | pull p50/p99 ms | ack p50/p99 ms | CPU ms/1k publish | CPU ms/1k pull+ack |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, r] of rows) {
    console.log(`| ${name} | ${Math.round(r.publish)} | ${Math.round(r.pullAck)} | ${f(r.pull[0])} / ${f(r.pull[1])} | ${f(r.ack[0])} / ${f(r.ack[1])} | ${f(r.cpu[0])} | ${f(r.cpu[1])} |`);
  }
}

async function main() {
  const started = args.store === 'kafka-mongo' ? startServices() : [];
  try {
    const rows = [];
    if (args.store === 'kafka-mongo' && args.compare !== 'false') rows.push(['embedded', await runStore('embedded')]);
    const own = await runStore(args.store);
    rows.push([args.store, own]);
    if (args.store === 'kafka-mongo') {
      const raw = await rawKafkajs();
      console.log(`raw kafkajs produce: ${Math.round(raw.produce)} msgs/s (same batches, idempotent, acks=all)`);
      console.log(`raw kafkajs consume: ${Math.round(raw.consume)} msgs/s (one consumer, from offset 0)`);
      console.log(`ratio service/raw: publish ${(own.publish / raw.produce).toFixed(2)}`);
      if (rows.length > 1) {
        const base = rows[0][1];
        console.log(`ratio kafka-mongo/embedded: publish ${(own.publish / base.publish).toFixed(2)}, pull+ack ${(own.pullAck / base.pullAck).toFixed(2)}`);
      }
    }
    table(rows);
  } finally {
    api.close();
    for (const service of started) execFileSync('bash', [`scripts/services/${service}.sh`, 'stop'], { stdio: 'inherit' });
  }
}

const BROKERS = `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
const MONGO = `mongodb://127.0.0.1:${process.env.MONGO_PORT ?? 27017}`;
const RUN = randomBytes(3).toString('hex');

/** Starts the kafka-mongo test servers that are not running; returns those it started. */
function startServices() {
  const started = [];
  for (const service of ['kafka', 'mongo']) {
    try {
      execFileSync('bash', [`scripts/services/${service}.sh`, 'status'], { stdio: 'ignore' });
    } catch {
      execFileSync('bash', [`scripts/services/${service}.sh`, 'start'], { stdio: 'inherit' });
      started.push(service);
    }
  }
  return started;
}

function kafkaMongoEnv() {
  return {
    AMS_STORE: 'kafka-mongo',
    AMS_KAFKA_BROKERS: BROKERS,
    AMS_MONGODB_URI: `${MONGO}/ams-bench-${RUN}`,
    AMS_KAFKA_TOPIC_PREFIX: `ams-bench.${RUN}.`,
    AMS_TOKEN_KEY: randomBytes(32).toString('hex'),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
}

/** The same batches through a bare kafkajs producer and consumer on the same broker: the ceiling the service is measured against. */
async function rawKafkajs() {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const { default: kafkajs } = await import('kafkajs');
  const kafka = new kafkajs.Kafka({ brokers: [BROKERS], logLevel: kafkajs.logLevel.NOTHING });
  const topic = `ams-bench.${RUN}.raw`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const messages = JSON.parse(batchBody).messages.map((m) => ({ value: JSON.stringify(m), partition: 0 }));
  const batches = Math.ceil(TOTAL / BATCH);
  let next = 0;
  let start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < batches) {
        next += 1;
        await producer.send({ topic, acks: -1, messages });
      }
    }),
  );
  const produce = (batches * BATCH) / (Number(process.hrtime.bigint() - start) / 1e9);
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `ams-bench-${RUN}`, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  let consumeStart = 0n;
  const done = new Promise((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (consumeStart === 0n) consumeStart = process.hrtime.bigint();
        received += batch.messages.length;
        if (received >= batches * BATCH) resolve();
      },
    });
  });
  await done;
  const consume = received / (Number(process.hrtime.bigint() - consumeStart) / 1e9);
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  return { produce, consume };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
