// AMS retention benchmark (embedded store): starts the built service (dist/main.js) and prints
//   the publish rate (batches of 100 x 1 KB) beside a backlog that is kept, and beside the same backlog while
//   house-keeping expires it, in one run: the cost of retention as a ratio, and how long the backlog took to go;
//   the database file size (ams.sqlite + its WAL) after each of several publish/expire cycles.
// Usage: npm run bench:retention [-- --backlog 1000000 --seconds 10 --cycles 5 --cycle-messages 50000]
// The backlog is written straight into the SQLite file while the service is stopped (publishing a million messages
// through HTTP would take most of the run); the service then reads and expires it like any other messages.
// Load generator and server share the machine's cores: figures are a floor.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { apiClient, freePort } from './lib/http.mjs';
import Database from 'better-sqlite3';

const { values: args } = parseArgs({
  options: {
    backlog: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '4' },
    cycles: { type: 'string', default: '5' },
    'cycle-messages': { type: 'string', default: '50000' },
  },
});
const BACKLOG = Number(args.backlog);
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const TOKEN = 'bench-retention-admin-token-0123';
const BATCH = 100;
const PROJECT = '/v1/projects/bench';
const api = apiClient(TOKEN, 32);
const call = (method, path, body) => api.call(method, path, body);

/** The service on `dataDir` with this retention, ready to answer; resolves to a function that stops it. */
async function startService(dataDir, retentionSeconds) {
  api.port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      AMS_STORE: 'embedded',
      AMS_PORT: String(api.port),
      AMS_HOST: '127.0.0.1',
      AMS_DATA_DIR: dataDir,
      AMS_ADMIN_TOKEN: TOKEN,
      AMS_LOG_LEVEL: 'warn',
      AMS_MESSAGE_RETENTION_S: String(retentionSeconds),
      AMS_HOUSEKEEPING_INTERVAL_S: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 300) throw new Error('server did not start');
    try {
      await call('GET', '/v1/status');
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
}

const payload = Buffer.alloc(768, 'a').toString('base64'); // 1 KB of base64 text
const batchBody = JSON.stringify({ messages: Array.from({ length: BATCH }, () => ({ data: payload })) });

/** Publishes batches on CONNECTIONS connections until `until()` is true or `maxSeconds` passed; msgs/s and seconds. */
async function publishFor(topicPath, maxSeconds, until = () => false) {
  const start = performance.now();
  const deadline = start + maxSeconds * 1000;
  let batches = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline && !until()) {
        await call('POST', `${topicPath}:publish`, batchBody);
        batches += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { rate: (batches * BATCH) / seconds, seconds };
}

/** Publishes `count` messages (rounded up to whole batches) on CONNECTIONS connections. */
async function publishCount(topicPath, count) {
  const batches = Math.ceil(count / BATCH);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < batches) {
        next += 1;
        await call('POST', `${topicPath}:publish`, batchBody);
      }
    }),
  );
}

/** Writes `count` 1 KB messages into a topic's log directly, published `ageSeconds` ago. */
function backfill(dataDir, topic, count, ageSeconds) {
  const db = new Database(join(dataDir, 'ams.sqlite'));
  const { log_id: logId } = db.prepare('SELECT log_id FROM topics WHERE name = ?').get(topic);
  const publishUs = (Date.now() - ageSeconds * 1000) * 1000;
  const insert = db.prepare('INSERT INTO messages (log_id, offset, publish_us, data, attributes) VALUES (?, ?, ?, ?, NULL)');
  db.transaction(() => {
    for (let offset = 0; offset < count; offset++) insert.run(logId, offset, publishUs, payload);
    db.prepare('UPDATE logs SET next_offset = ?, last_publish_us = ? WHERE log_id = ?').run(count, publishUs, logId);
  })();
  db.close();
}

const fileMiB = (dataDir) =>
  ['ams.sqlite', 'ams.sqlite-wal']
    .map((name) => {
      try {
        return statSync(join(dataDir, name)).size;
      } catch {
        return 0;
      }
    })
    .reduce((a, b) => a + b, 0) / (1024 * 1024);

async function backlogMin() {
  return (await call('GET', `${PROJECT}/subscriptions/backlog-sub:offsets`)).min;
}

/** Publish rate beside a kept backlog, then beside the same backlog while it expires. */
async function costOfExpiry() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ams-bench-retention-'));
  try {
    let stop = await startService(dataDir, 7 * 24 * 3600);
    await call('POST', PROJECT, {});
    await call('PUT', `${PROJECT}/topics/backlog`);
    await call('PUT', `${PROJECT}/subscriptions/backlog-sub`, { topic: 'projects/bench/topics/backlog' });
    await call('PUT', `${PROJECT}/topics/live`);
    await stop();
    const filled = performance.now();
    backfill(dataDir, 'backlog', BACKLOG, 3600);
    console.log(`backlog: ${BACKLOG} messages of 1 KB written in ${((performance.now() - filled) / 1000).toFixed(1)} s, file ${fileMiB(dataDir).toFixed(0)} MiB`);

    stop = await startService(dataDir, 7 * 24 * 3600); // the backlog is an hour old: kept
    const kept = await publishFor(`${PROJECT}/topics/live`, SECONDS);
    await stop();
    console.log(`publish, backlog kept:     ${Math.round(kept.rate)} msgs/s over ${kept.seconds.toFixed(1)} s`);

    stop = await startService(dataDir, 1800); // the backlog is now past the retention
    let gone = false;
    const watcher = (async () => {
      while (!gone) {
        gone = (await backlogMin()) >= BACKLOG;
        if (!gone) await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const expiring = await publishFor(`${PROJECT}/topics/live`, SECONDS * 30, () => gone);
    await watcher;
    await stop();
    console.log(`publish, backlog expiring: ${Math.round(expiring.rate)} msgs/s; the backlog was gone after ${expiring.seconds.toFixed(1)} s`);
    console.log(`cost of retention: publish rate ratio ${(expiring.rate / kept.rate).toFixed(2)} while expiry runs`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The database file size after each publish/expire cycle with a 3 s retention. */
async function fileSizeOverCycles() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ams-bench-retention-'));
  const stop = await startService(dataDir, 3);
  try {
    await call('POST', PROJECT, {});
    await call('PUT', `${PROJECT}/topics/cycle`);
    await call('PUT', `${PROJECT}/subscriptions/cycle-sub`, { topic: 'projects/bench/topics/cycle' });
    const perCycle = Number(args['cycle-messages']);
    const sizes = [];
    for (let cycle = 1; cycle <= Number(args.cycles); cycle++) {
      await publishCount(`${PROJECT}/topics/cycle`, perCycle);
      const { max } = await call('GET', `${PROJECT}/subscriptions/cycle-sub:offsets`);
      const peak = fileMiB(dataDir);
      for (let i = 0; i < 600; i++) {
        if ((await call('GET', `${PROJECT}/subscriptions/cycle-sub:offsets`)).min >= max) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1500)); // the vacuum steps after the last chunk
      sizes.push(fileMiB(dataDir));
      console.log(`cycle ${cycle}: ${max} messages published in all, file ${peak.toFixed(0)} MiB before expiry, ${sizes[sizes.length - 1].toFixed(0)} MiB after`);
    }
  } finally {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`AMS retention bench (embedded store) node ${process.version}, ${CONNECTIONS} publishers, batches of ${BATCH} x 1 KB`);
await costOfExpiry();
await fileSizeOverCycles();
api.close();
