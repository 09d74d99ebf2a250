import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  checkDataDir,
  ConfigError,
  editDistance,
  KNOWN_VARIABLES,
  loadConfig,
  unknownVariables,
} from '../../src/config/config.js';
import { ROOT } from '../support/child-server.js';

const MIB = 1024 * 1024;

/** The fields named in `expected`, so that a new setting does not break every assertion here. */
function pick(config: object, expected: object): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expected).map((key) => [key, (config as Record<string, unknown>)[key]]));
}

describe('loadConfig: defaults', () => {
  it('an empty environment gives the documented defaults, frozen', () => {
    const config = loadConfig({});
    const expected = {
      host: '0.0.0.0',
      port: 8080,
      store: 'embedded',
      dataDir: resolve('./data'),
      adminUser: 'admin',
      adminToken: null,
      serviceToken: null,
      tokenKey: null,
      authOption: 'both',
      bodyLimit: 16 * MIB,
      maxMessageBytes: 1_500_000,
      pullMaxMessages: 1000,
      pullMaxBytes: 10 * MIB,
      pullMaxWaitSeconds: 2,
      sqliteSynchronous: 'NORMAL',
      logLevel: 'info',
      logQuietRoutes: ['/v1/status', '/metrics'],
      startupTimeoutSeconds: 60,
      tls: null,
      metricsToken: null,
      metricsMaxSeries: 1000,
      housekeepingIntervalSeconds: 60,
      messageRetentionSeconds: 604_800,
      schemaMaxDepth: 64,
      http: { requestTimeoutMs: 60_000, headersTimeoutMs: 20_000, idleTimeoutMs: 120_000 },
      textLimits: { short: 256, long: 4096 },
    };
    assert.deepEqual(pick(config, expected), expected);
    assert.ok(Object.isFrozen(config));
  });

  it('empty strings count as unset', () => {
    const config = loadConfig({ AMS_PORT: '', AMS_STORE: '', AMS_ADMIN_TOKEN: '', AMS_LOG_LEVEL: '', AMS_TOKEN_KEY: '' });
    assert.equal(config.port, 8080);
    assert.equal(config.store, 'embedded');
    assert.equal(config.adminToken, null);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.tokenKey, null);
  });

  it('ignores variables it does not know', () => {
    assert.deepEqual(loadConfig({ HOME: '/root', AMS_UNKNOWN: 'x' }), loadConfig({}));
  });
});

describe('loadConfig: values', () => {
  it('reads every variable', () => {
    const key = 'ab'.repeat(32);
    const config = loadConfig({
      AMS_HOST: '127.0.0.1',
      AMS_PORT: '0',
      AMS_STORE: 'embedded',
      AMS_DATA_DIR: '/tmp/ams-data',
      AMS_ADMIN_USER: 'root_admin-1',
      AMS_ADMIN_TOKEN: 'admin-token-123',
      AMS_SERVICE_TOKEN: 'service-token-456',
      AMS_TOKEN_KEY: key,
      AMS_AUTH_OPTION: 'header',
      AMS_BODY_LIMIT: '2048',
      AMS_MAX_MESSAGE_BYTES: '1000',
      AMS_PULL_MAX_MESSAGES: '50',
      AMS_PULL_MAX_BYTES: '4096',
      AMS_PULL_MAX_WAIT_S: '0',
      AMS_SQLITE_SYNCHRONOUS: 'FULL',
      AMS_LOG_LEVEL: 'silent',
      AMS_LOG_QUIET_ROUTES: ' /v1/status , /v1/version,',
      AMS_STARTUP_TIMEOUT_S: '5',
    });
    const expected = {
      host: '127.0.0.1',
      port: 0,
      store: 'embedded',
      dataDir: '/tmp/ams-data',
      adminUser: 'root_admin-1',
      adminToken: 'admin-token-123',
      serviceToken: 'service-token-456',
      tokenKey: Buffer.from(key, 'hex'),
      authOption: 'header',
      bodyLimit: 2048,
      maxMessageBytes: 1000,
      pullMaxMessages: 50,
      pullMaxBytes: 4096,
      pullMaxWaitSeconds: 0,
      sqliteSynchronous: 'FULL',
      logLevel: 'silent',
      logQuietRoutes: ['/v1/status', '/v1/version'],
      startupTimeoutSeconds: 5,
    };
    assert.deepEqual(pick(config, expected), expected);
  });

  it('takes fractions of a second as the pull fill wait; 300 is the original behaviour', () => {
    assert.equal(loadConfig({ AMS_PULL_MAX_WAIT_S: '0.25' }).pullMaxWaitSeconds, 0.25);
    assert.equal(loadConfig({ AMS_PULL_MAX_WAIT_S: '300' }).pullMaxWaitSeconds, 300);
  });

  it('an empty AMS_LOG_QUIET_ROUTES logs every request at info', () => {
    assert.deepEqual(loadConfig({ AMS_LOG_QUIET_ROUTES: '' }).logQuietRoutes, []);
  });

  it('resolves a relative data directory', () => {
    assert.equal(loadConfig({ AMS_DATA_DIR: 'var/ams' }).dataDir, resolve('var/ams'));
  });

  it('takes the token key as base64 too', () => {
    const key = Buffer.alloc(32, 7);
    assert.deepEqual(loadConfig({ AMS_TOKEN_KEY: key.toString('base64') }).tokenKey, key);
  });

  it('accepts whitespace around whole numbers and the range ends', () => {
    assert.equal(loadConfig({ AMS_PORT: ' 8081 ' }).port, 8081);
    assert.equal(loadConfig({ AMS_PORT: '65535' }).port, 65535);
    assert.equal(loadConfig({ AMS_PULL_MAX_WAIT_S: '3600' }).pullMaxWaitSeconds, 3600);
    assert.equal(loadConfig({ AMS_HOUSEKEEPING_INTERVAL_S: '1' }).housekeepingIntervalSeconds, 1);
    assert.equal(loadConfig({ AMS_METRICS_MAX_SERIES: '25' }).metricsMaxSeries, 25);
    assert.equal(loadConfig({ AMS_SCHEMA_MAX_DEPTH: '1000' }).schemaMaxDepth, 1000);
    assert.deepEqual(loadConfig({ AMS_HTTP_REQUEST_TIMEOUT_S: '5', AMS_HTTP_IDLE_TIMEOUT_S: '7' }).http, {
      requestTimeoutMs: 5000,
      headersTimeoutMs: 5000,
      idleTimeoutMs: 7000,
    });
    assert.equal(loadConfig({ AMS_HTTP_HEADERS_TIMEOUT_S: '3' }).http.headersTimeoutMs, 3000);
    assert.deepEqual(loadConfig({ AMS_MAX_TEXT_CHARS: '64', AMS_MAX_DESCRIPTION_CHARS: '100000' }).textLimits, { short: 64, long: 100_000 });
    assert.equal(loadConfig({ AMS_METRICS_TOKEN: 'scrape-token-123' }).metricsToken, 'scrape-token-123');
  });

  it('message retention: AMS_MESSAGE_RETENTION_S, or the older AMS_KAFKA_RETENTION_MS when only that one is set', () => {
    const kafka = { AMS_STORE: 'kafka-mongo', AMS_KAFKA_BROKERS: 'k:9092', AMS_MONGODB_URI: 'mongodb://m/ams', AMS_TOKEN_KEY: 'a'.repeat(64) };
    assert.equal(loadConfig({ AMS_MESSAGE_RETENTION_S: '1' }).messageRetentionSeconds, 1);
    assert.equal(loadConfig({ ...kafka, AMS_MESSAGE_RETENTION_S: '600' }).kafka?.retentionMs, 600_000);
    assert.equal(loadConfig({ ...kafka }).kafka?.retentionMs, 604_800_000);
    const alias = loadConfig({ ...kafka, AMS_KAFKA_RETENTION_MS: '90500' });
    assert.equal(alias.messageRetentionSeconds, 91);
    assert.equal(alias.kafka?.retentionMs, 91_000);
    const both = loadConfig({ ...kafka, AMS_MESSAGE_RETENTION_S: '60', AMS_KAFKA_RETENTION_MS: '90500' });
    assert.equal(both.messageRetentionSeconds, 60);
  });

  for (const option of ['both', 'header', 'key']) {
    it(`AMS_AUTH_OPTION=${option}`, () => {
      assert.equal(loadConfig({ AMS_AUTH_OPTION: option }).authOption, option);
    });
  }
});

describe('loadConfig: each bad value throws a ConfigError naming the variable', () => {
  const bad: [string, string][] = [
    ['AMS_PORT', 'abc'],
    ['AMS_MESSAGE_RETENTION_S', '0'],
    ['AMS_MESSAGE_RETENTION_S', '1.5'],
    ['AMS_PORT', '-1'],
    ['AMS_PORT', '65536'],
    ['AMS_PORT', '80.5'],
    ['AMS_PORT', '0x50'],
    ['AMS_PORT', '99999999999999999999999'],
    ['AMS_STORE', 'mysql'],
    ['AMS_STORE', 'EMBEDDED'],
    ['AMS_STORE', 'kafka-mongo'], // not in this build yet
    ['AMS_ADMIN_USER', 'has space'],
    ['AMS_ADMIN_USER', 'a/b'],
    ['AMS_ADMIN_TOKEN', 'short'],
    ['AMS_ADMIN_TOKEN', 'has a space'],
    ['AMS_ADMIN_TOKEN', 'x'.repeat(257)],
    ['AMS_SERVICE_TOKEN', 'tiny'],
    ['AMS_SERVICE_TOKEN', 'tab\tinside-token'],
    ['AMS_TOKEN_KEY', 'abc'],
    ['AMS_TOKEN_KEY', 'ab'.repeat(31)],
    ['AMS_TOKEN_KEY', Buffer.alloc(16).toString('base64')],
    ['AMS_AUTH_OPTION', 'cookie'],
    ['AMS_BODY_LIMIT', '10'],
    ['AMS_BODY_LIMIT', 'lots'],
    ['AMS_MAX_MESSAGE_BYTES', '0'],
    ['AMS_PULL_MAX_MESSAGES', '0'],
    ['AMS_PULL_MAX_MESSAGES', '1000001'],
    ['AMS_PULL_MAX_BYTES', '1k'],
    ['AMS_PULL_MAX_WAIT_S', '3601'],
    ['AMS_PULL_MAX_WAIT_S', '-5'],
    ['AMS_PULL_MAX_WAIT_S', '.5'],
    ['AMS_PULL_MAX_WAIT_S', '2s'],
    ['AMS_STARTUP_TIMEOUT_S', '0'],
    ['AMS_STARTUP_TIMEOUT_S', '1.5'],
    ['AMS_SQLITE_SYNCHRONOUS', 'OFF'],
    ['AMS_LOG_LEVEL', 'loud'],
    ['AMS_METRICS_TOKEN', 'short'],
    ['AMS_METRICS_TOKEN', 'has a space in it'],
    ['AMS_METRICS_MAX_SERIES', '0'],
    ['AMS_METRICS_MAX_SERIES', 'many'],
    ['AMS_HTTP_REQUEST_TIMEOUT_S', '0'],
    ['AMS_HTTP_REQUEST_TIMEOUT_S', '121'],
    ['AMS_HTTP_HEADERS_TIMEOUT_S', '61'],
    ['AMS_HTTP_IDLE_TIMEOUT_S', '0'],
    ['AMS_HTTP_IDLE_TIMEOUT_S', '121'],
    ['AMS_MAX_TEXT_CHARS', '15'],
    ['AMS_MAX_DESCRIPTION_CHARS', '1048577'],
    ['AMS_SCHEMA_MAX_DEPTH', '0'],
    ['AMS_SCHEMA_MAX_DEPTH', '1001'],
    ['AMS_HOUSEKEEPING_INTERVAL_S', '0'],
    ['AMS_HOUSEKEEPING_INTERVAL_S', '86401'],
    ['AMS_TLS_CERT_FILE', '/nonexistent/ams/cert.pem'],
    ['AMS_TLS_KEY_FILE', '/nonexistent/ams/key.pem'],
  ];
  for (const [variable, value] of bad) {
    it(`${variable}=${JSON.stringify(value.length > 40 ? `${value.slice(0, 20)}...` : value)}`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.match(err.message, new RegExp(`\\b${variable}\\b`));
          assert.doesNotMatch(err.message, /\n/, 'one line');
          return true;
        },
      );
    });
  }

  it('a TLS certificate needs its key and the other way round', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ams-config-'));
    try {
      const pem = join(dir, 'x.pem');
      writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');
      assert.throws(() => loadConfig({ AMS_TLS_CERT_FILE: pem }), (err: unknown) => err instanceof ConfigError && /AMS_TLS_KEY_FILE/.test(err.message));
      assert.throws(() => loadConfig({ AMS_TLS_KEY_FILE: pem }), (err: unknown) => err instanceof ConfigError && /AMS_TLS_CERT_FILE/.test(err.message));
      assert.ok(loadConfig({ AMS_TLS_CERT_FILE: pem, AMS_TLS_KEY_FILE: pem }).tls !== null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never echoes a bad secret in the message', () => {
    for (const variable of ['AMS_ADMIN_TOKEN', 'AMS_SERVICE_TOKEN']) {
      assert.throws(
        () => loadConfig({ [variable]: 'secret with spaces' }),
        (err: unknown) => err instanceof ConfigError && !err.message.includes('secret with spaces'),
      );
    }
  });
});

describe('loadConfig: push', () => {
  it('defaults: enabled, inline, push_worker_0, https only, no private addresses, 15 s leases', () => {
    const push = loadConfig({ AMS_PORT: '9000' }).push;
    assert.deepEqual(
      { ...push, origin: push.origin.endsWith(':9000') },
      {
        enabled: true,
        worker: 'inline',
        workerUser: 'push_worker_0',
        workerToken: null,
        allowPrivate: false,
        allowHttp: false,
        allowCidrs: [],
        denyCidrs: [],
        timeoutMs: 30_000,
        leaseMs: 15_000,
        reconcileMs: 5000,
        maxSubscriptions: 1000,
        workerPort: 8081,
        origin: true,
        notices: 'none',
        noticeListen: null,
        noticeTargets: [],
      },
    );
    assert.equal(loadConfig({ AMS_STORE: 'kafka-mongo', AMS_KAFKA_BROKERS: 'k:9092', AMS_MONGODB_URI: 'mongodb://m/ams', AMS_TOKEN_KEY: 'a'.repeat(64) }).push.notices, 'kafka');
  });

  it('bounds the Kafka outbox by publishes and bytes (AMS_KAFKA_OUTBOX_MAX_PUBLISHES, AMS_KAFKA_OUTBOX_MAX_BYTES)', () => {
    const base = { AMS_STORE: 'kafka-mongo', AMS_KAFKA_BROKERS: 'k:9092', AMS_MONGODB_URI: 'mongodb://m/ams', AMS_TOKEN_KEY: 'a'.repeat(64) };
    const defaults = loadConfig(base).kafka;
    assert.equal(defaults?.outboxMaxAppends, 10_000);
    assert.equal(defaults?.outboxMaxBytes, 64 * 1024 * 1024);
    const set = loadConfig({ ...base, AMS_KAFKA_OUTBOX_MAX_PUBLISHES: '50', AMS_KAFKA_OUTBOX_MAX_BYTES: '2097152' }).kafka;
    assert.equal(set?.outboxMaxAppends, 50);
    assert.equal(set?.outboxMaxBytes, 2_097_152);
    assert.throws(() => loadConfig({ ...base, AMS_KAFKA_OUTBOX_MAX_PUBLISHES: '0' }), /AMS_KAFKA_OUTBOX_MAX_PUBLISHES/);
    assert.throws(() => loadConfig({ ...base, AMS_KAFKA_OUTBOX_MAX_BYTES: '1000' }), /AMS_KAFKA_OUTBOX_MAX_BYTES/);
  });

  it('AMS_PUSH_WORKER_PORT=0 means no worker HTTP server', () => {
    assert.equal(loadConfig({ AMS_PUSH_WORKER_PORT: '0' }).push.workerPort, null);
  });

  it('reads every push variable', () => {
    const push = loadConfig({
      AMS_PUSH_ENABLED: 'false',
      AMS_PUSH_WORKER: 'external',
      AMS_PUSH_WORKER_USER: 'pusher',
      AMS_PUSH_WORKER_TOKEN: 'push-worker-token-1',
      AMS_PUSH_ALLOW_PRIVATE: 'true',
      AMS_PUSH_ALLOW_HTTP: '1',
      AMS_PUSH_ALLOW_CIDRS: '127.0.0.1, 10.0.0.0/8',
      AMS_PUSH_DENY_CIDRS: '2606:4700:0::/32,,8.8.8.8/24',
      AMS_PUSH_TIMEOUT_MS: '500',
      AMS_PUSH_LEASE_S: '2',
      AMS_PUSH_RECONCILE_MS: '100',
      AMS_PUSH_MAX_SUBSCRIPTIONS: '7',
      AMS_PUSH_WORKER_PORT: '9191',
      AMS_PUSH_ORIGIN: 'ams.example.org:443',
      AMS_PUSH_NOTICES: 'tcp',
      AMS_PUSH_NOTICE_LISTEN: '127.0.0.1:7001',
      AMS_PUSH_NOTICE_TARGETS: 'w1:7001, [::1]:7002',
    }).push;
    assert.deepEqual(push, {
      enabled: false,
      worker: 'external',
      workerUser: 'pusher',
      workerToken: 'push-worker-token-1',
      allowPrivate: true,
      allowHttp: true,
      allowCidrs: ['127.0.0.1/32', '10.0.0.0/8'],
      denyCidrs: ['2606:4700::/32', '8.8.8.8/24'],
      timeoutMs: 500,
      leaseMs: 2000,
      reconcileMs: 100,
      maxSubscriptions: 7,
      workerPort: 9191,
      origin: 'ams.example.org:443',
      notices: 'tcp',
      noticeListen: { host: '127.0.0.1', port: 7001 },
      noticeTargets: [
        { host: 'w1', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
  });

  it('refuses bad push values', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ AMS_PUSH_ENABLED: 'yes' }, /AMS_PUSH_ENABLED must be true or false/],
      [{ AMS_PUSH_WORKER: 'both' }, /AMS_PUSH_WORKER must be one of inline, external/],
      [{ AMS_PUSH_WORKER_USER: 'bad name' }, /AMS_PUSH_WORKER_USER must match/],
      [{ AMS_PUSH_LEASE_S: '0' }, /AMS_PUSH_LEASE_S must be between 1 and 3600/],
      [{ AMS_PUSH_LEASE_S: '2', AMS_PUSH_RECONCILE_MS: '1500' }, /AMS_PUSH_RECONCILE_MS must be at most half of AMS_PUSH_LEASE_S/],
      [{ AMS_PUSH_NOTICES: 'kafka' }, /AMS_PUSH_NOTICES kafka needs AMS_STORE=kafka-mongo/],
      [{ AMS_PUSH_NOTICE_LISTEN: 'nope' }, /AMS_PUSH_NOTICE_LISTEN must be host:port/],
      [{ AMS_PUSH_NOTICE_TARGETS: 'a:1,b' }, /AMS_PUSH_NOTICE_TARGETS must be host:port, got "b"/],
      [{ AMS_PUSH_ALLOW_CIDRS: '10.0.0.0/33' }, /AMS_PUSH_ALLOW_CIDRS must be a comma list of IP addresses or CIDR blocks, got "10.0.0.0\/33"/],
      [{ AMS_PUSH_DENY_CIDRS: '8.8.8.8, example.org' }, /AMS_PUSH_DENY_CIDRS must be a comma list .*"example.org"/],
      [{ AMS_PUSH_DENY_CIDRS: '0x7f.1' }, /AMS_PUSH_DENY_CIDRS must be a comma list/],
    ];
    for (const [env, message] of cases) assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env));
  });
});


describe('unknown AMS_* variables', () => {
  it('names each with the closest known variable, and ignores the test suite\'s own', () => {
    assert.deepEqual(
      unknownVariables({ AMS_STOER: 'embedded', AMS_PORT: '1', AMS_LOGLEVEL: 'info', AMS_TEST_BACKENDS: 'x', AMS_FROBNICATE: '1', HOME: '/' }),
      [
        { variable: 'AMS_FROBNICATE', suggestion: null },
        { variable: 'AMS_LOGLEVEL', suggestion: 'AMS_LOG_LEVEL' },
        { variable: 'AMS_STOER', suggestion: 'AMS_STORE' },
      ],
    );
  });

  it('counts a transposition as one edit', () => {
    assert.equal(editDistance('AMS_STOER', 'AMS_STORE'), 1);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('knows every variable src/config/config.ts reads', () => {
    const source = readFileSync(join(ROOT, 'src/config/config.ts'), 'utf8');
    const read = new Set([...source.matchAll(/'(AMS_[A-Z0-9_]+)'/g)].map((m) => m[1]));
    const missing = [...read].filter((name) => !KNOWN_VARIABLES.includes(name));
    assert.deepEqual(missing, []);
  });
});

describe('checkDataDir', () => {
  it('makes a missing directory and accepts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ams-config-'));
    try {
      checkDataDir(join(dir, 'a', 'b'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file, naming AMS_DATA_DIR in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ams-config-'));
    try {
      const file = join(dir, 'file');
      writeFileSync(file, '');
      for (const path of [file, join(file, 'below')]) {
        assert.throws(
          () => checkDataDir(path),
          (err: unknown) => err instanceof ConfigError && /^invalid configuration: AMS_DATA_DIR .*not a directory/.test(err.message) && !err.message.includes('\n'),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
