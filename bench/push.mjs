// AMS push benchmark: starts the built service (dist/main.js, embedded store, inline push delivery) and a local HTTP
// receiver, and prints
//   push throughput (msgs/s) to the receiver with maxMessages 1 and 100, for a backlog published before verification;
//   delivery latency p50/p99 from publish (request sent) to receipt, at a steady moderate rate with maxMessages 1.
// Usage: npm run bench:push [-- --messages 5000 --rate 50 --seconds 10 --period 1]
// `--period` is the linear retry period in ms (the interval between attempts, spec 4.6): throughput is bounded by
// maxMessages per (period + round trip). Load generator, receiver and server share the machine's cores.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    period: { type: 'string', default: '1' },
  },
});
const TOTAL = Number(args.messages);
const TOKEN = 'bench-push-admin-token-0123';
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
let port;

function call(method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { 'x-api-key': TOKEN } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        resolve(text === '' ? {} : JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port: p } = server.address();
  await new Promise((r) => server.close(r));
  return p;
}

/** The receiver: answers the verification hash and records when each message id arrived. */
function startReceiver() {
  const state = { hash: '', arrivals: new Map(), onArrival: () => {} };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET') return res.end(state.hash);
      const now = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString());
      const messages = body.messages ?? [body];
      for (const m of messages) {
        const key = `${m.subscription}#${m.message.messageId}`;
        if (!state.arrivals.has(key)) state.arrivals.set(key, now);
      }
      res.end();
      state.onArrival();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, state, url: `http://127.0.0.1:${server.address().port}` })));
}

async function main() {
  port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ams-bench-push-'));
  const receiver = await startReceiver();
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      AMS_STORE: 'embedded',
      AMS_PORT: String(port),
      AMS_HOST: '127.0.0.1',
      AMS_DATA_DIR: dir,
      AMS_ADMIN_TOKEN: TOKEN,
      AMS_LOG_LEVEL: 'warn',
      AMS_PUSH_ALLOW_HTTP: 'true',
      AMS_PUSH_ALLOW_PRIVATE: 'true',
      AMS_PUSH_RECONCILE_MS: '200',
      AMS_PUSH_LEASE_S: '5',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let i = 0; ; i++) {
      try {
        await call('GET', '/v1/status');
        break;
      } catch {
        if (i > 200) throw new Error('service did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await call('POST', '/v1/projects/bench', {});
    await call('PUT', '/v1/projects/bench/topics/t', undefined);
    const data = Buffer.alloc(1024, 'x').toString('base64').slice(0, 1024);

    async function subscription(name, maxMessages) {
      const sub = await call('PUT', `/v1/projects/bench/subscriptions/${name}`, {
        topic: 'projects/bench/topics/t',
        pushConfig: { type: 'http_endpoint', pushEndpoint: `${receiver.url}/${name}`, maxMessages, retryPolicy: { type: 'linear', period: Number(args.period) } },
      });
      return sub.pushConfig.verificationHash;
    }
    async function verify(name, hash) {
      receiver.state.hash = hash;
      await call('POST', `/v1/projects/bench/subscriptions/${name}:verifyPushEndpoint`);
    }
    const arrived = (name) => [...receiver.state.arrivals.keys()].filter((k) => k.includes(`/subscriptions/${name} `)).length;
    const waitFor = (predicate) =>
      new Promise((resolve) => {
        const check = () => (predicate() ? resolve() : undefined);
        receiver.state.onArrival = check;
        const timer = setInterval(() => {
          if (predicate()) {
            clearInterval(timer);
            resolve();
          }
        }, 50);
      });

    // Throughput: a backlog of TOTAL messages, then verification starts delivery.
    const hashes = { b1: await subscription('b1', 1), b100: await subscription('b100', 100) };
    for (let sent = 0; sent < TOTAL; sent += 100) {
      await call('POST', '/v1/projects/bench/topics/t:publish', { messages: Array.from({ length: Math.min(100, TOTAL - sent) }, () => ({ data })) });
    }
    const results = {};
    for (const name of ['b100', 'b1']) {
      const start = performance.now();
      await verify(name, hashes[name]);
      await waitFor(() => arrived(name) >= TOTAL);
      results[name] = TOTAL / ((performance.now() - start) / 1000);
      await call('POST', `/v1/projects/bench/subscriptions/${name}:modifyPushConfig`, {}); // stop it
    }

    // Latency: a steady rate of single-message publishes to a fresh subscription (maxMessages 1).
    const lat = await subscription('lat', 1);
    await verify('lat', lat);
    const sentAt = new Map();
    const rate = Number(args.rate);
    const count = rate * Number(args.seconds);
    const base = arrived('lat');
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const reply = await call('POST', '/v1/projects/bench/topics/t:publish', { messages: [{ data }] });
      sentAt.set(reply.messageIds[0], t0);
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 / rate - (performance.now() - t0))));
    }
    await waitFor(() => arrived('lat') >= base + count);
    const latencies = [...sentAt].map(([id, t0]) => findArrival(receiver.state.arrivals, id) - t0).sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    console.log(JSON.stringify({
      messages: TOTAL,
      periodMs: Number(args.period),
      pushMsgsPerSecBatch1: Math.round(results.b1),
      pushMsgsPerSecBatch100: Math.round(results.b100),
      latencyRate: rate,
      latencyP50Ms: Number(pct(50).toFixed(1)),
      latencyP99Ms: Number(pct(99).toFixed(1)),
    }, null, 2));
  } finally {
    child.kill('SIGTERM');
    receiver.server.closeAllConnections();
    receiver.server.close();
    agent.destroy();
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

function findArrival(arrivals, id) {
  for (const [key, at] of arrivals) if (key.includes('/subscriptions/lat ') && key.endsWith(`#${id}`)) return at;
  return Number.NaN;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
