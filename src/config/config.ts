import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export const AMS_CONFIG = Symbol('AmsConfig');

export const STORE_KINDS = ['embedded', 'kafka-mongo'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];
export type AuthOption = 'both' | 'header' | 'key';
export type SqliteSynchronous = 'NORMAL' | 'FULL';

/** The service's whole configuration, read once from AMS_* variables (README has the table). */
export interface AmsConfig {
  readonly host: string;
  readonly port: number;
  readonly store: StoreKind;
  readonly dataDir: string;
  readonly adminUser: string;
  /** null: generate one on first start and print it once. */
  readonly adminToken: string | null;
  /** The original's `service_token`: acts as service_admin without being a user (spec 8.2). */
  readonly serviceToken: string | null;
  /** 32-byte key sealing stored tokens; null on embedded means a key file in the data dir. */
  readonly tokenKey: Buffer | null;
  readonly authOption: AuthOption;
  readonly bodyLimit: number;
  readonly maxMessageBytes: number;
  readonly pullMaxMessages: number;
  readonly pullMaxBytes: number;
  readonly pullMaxWaitSeconds: number;
  readonly sqliteSynchronous: SqliteSynchronous;
  readonly logLevel: string;
  /** Serve HTTPS with this certificate and key (PEM); null serves plain HTTP (behind a TLS-terminating proxy). */
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | null;
  /** Bearer token `GET /metrics` requires; null serves the Prometheus metrics to anyone. */
  readonly metricsToken: string | null;
  /** Most series one labelled metric family exports (backlog gauges, per-topic and per-subscription counters). */
  readonly metricsMaxSeries: number;
  /** Period of the house-keeping jobs and of the backlog gauge refresh, in seconds. */
  readonly housekeepingIntervalSeconds: number;
  /** Set when store is kafka-mongo. */
  readonly kafka: KafkaConfig | null;
  /** Set when store is kafka-mongo. */
  readonly mongo: MongoConfig | null;
  readonly push: PushConfig;
}

/** Where push delivery runs: in the API process, or only in separate `npm run start:push` workers. */
export type PushWorkerMode = 'inline' | 'external';

/** How the API tells push workers that a subscription's push config changed (src/push/push-notices.ts). */
export type PushNoticeTransport = 'none' | 'tcp' | 'kafka';

export interface PushConfig {
  /** The original's `push_enabled`: false -> 409 on push operations, `/v1/status` says so, no delivery anywhere. */
  readonly enabled: boolean;
  readonly worker: PushWorkerMode;
  /** The user with service role push_worker that push subscriptions name in their ACL (spec 4.6, 4.10). */
  readonly workerUser: string;
  /** Its token; null generates one (our workers call the services directly and need no token). */
  readonly workerToken: string | null;
  /** Allow push endpoints on loopback, link-local, private and metadata addresses (SSRF guard off). */
  readonly allowPrivate: boolean;
  /** Allow http:// push endpoints. */
  readonly allowHttp: boolean;
  /** Timeout of one outbound push or verification request. */
  readonly timeoutMs: number;
  /** Lifetime of a worker's lease on one subscription; a dead worker's subscriptions move on after it. */
  readonly leaseMs: number;
  /** Port of a separate worker's own small HTTP server (`/metrics`, `/healthz`); null: none. */
  readonly workerPort: number | null;
  /** How often a worker reconciles its subscriptions from the store and renews its leases. */
  readonly reconcileMs: number;
  /** Most subscriptions one worker serves. */
  readonly maxSubscriptions: number;
  /** `HOST:PORT` in the pushed `subscription` field (`subscription /projects/P/subscriptions/S from HOST:PORT`). */
  readonly origin: string;
  readonly notices: PushNoticeTransport;
  /** tcp notices: where a worker listens (`host:port`). */
  readonly noticeListen: { readonly host: string; readonly port: number } | null;
  /** tcp notices: the workers the API notifies. */
  readonly noticeTargets: readonly { readonly host: string; readonly port: number }[];
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly replicationFactor: number;
  /** Prefix of every Kafka topic AMS creates; the rest of the name is the topic incarnation's log id. */
  readonly topicPrefix: string;
  /** `retention.ms` of new Kafka topics. */
  readonly retentionMs: number;
  /** Publishes waiting for Kafka or in flight at most; past it a publish answers 503 at once. */
  readonly outboxMaxAppends: number;
  /** Bytes of publishes waiting for Kafka or in flight at most; past it a publish answers 503 at once. */
  readonly outboxMaxBytes: number;
}

export interface MongoConfig {
  readonly uri: string;
}

export class ConfigError extends Error {
  constructor(variable: string, fault: string) {
    super(`invalid configuration: ${variable} ${fault}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function optionalText(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value === '' ? null : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name, fallback);
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function secretToken(env: Env, name: string): string | null {
  const value = optionalText(env, name);
  if (value !== null && !/^[\x21-\x7e]{8,256}$/.test(value)) {
    throw new ConfigError(name, 'must be 8 to 256 printable characters without spaces');
  }
  return value;
}

function tokenKey(env: Env): Buffer | null {
  const raw = optionalText(env, 'AMS_TOKEN_KEY');
  if (raw === null) return null;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError('AMS_TOKEN_KEY', 'must be 32 bytes as 64 hex characters or base64');
  return key;
}

function pemFile(env: Env, name: string): Buffer | null {
  const path = optionalText(env, name);
  if (path === null) return null;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(name, `cannot be read: ${(err as Error).message}`);
  }
}

function tls(env: Env): AmsConfig['tls'] {
  const cert = pemFile(env, 'AMS_TLS_CERT_FILE');
  const key = pemFile(env, 'AMS_TLS_KEY_FILE');
  if ((cert === null) !== (key === null)) {
    throw new ConfigError(cert === null ? 'AMS_TLS_CERT_FILE' : 'AMS_TLS_KEY_FILE', 'must be set together with its pair');
  }
  return cert === null || key === null ? null : { cert, key };
}

function kafkaConfig(env: Env): KafkaConfig {
  const raw = optionalText(env, 'AMS_KAFKA_BROKERS');
  if (raw === null) throw new ConfigError('AMS_KAFKA_BROKERS', 'is required with AMS_STORE=kafka-mongo');
  const brokers = raw.split(',').map((b) => b.trim()).filter((b) => b !== '');
  for (const broker of brokers) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker)) {
      throw new ConfigError('AMS_KAFKA_BROKERS', `must be a comma list of host:port, got "${broker}"`);
    }
  }
  if (brokers.length === 0) throw new ConfigError('AMS_KAFKA_BROKERS', 'must name at least one host:port');
  const topicPrefix = text(env, 'AMS_KAFKA_TOPIC_PREFIX', 'ams.');
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(topicPrefix)) {
    throw new ConfigError('AMS_KAFKA_TOPIC_PREFIX', 'may hold only letters, digits, ".", "_" and "-" (at most 100)');
  }
  return {
    brokers,
    replicationFactor: integer(env, 'AMS_KAFKA_REPLICATION_FACTOR', 1, 1, 100),
    topicPrefix,
    retentionMs: integer(env, 'AMS_KAFKA_RETENTION_MS', 7 * 24 * 3600 * 1000, 60_000, 10 * 365 * 24 * 3600 * 1000),
    outboxMaxAppends: integer(env, 'AMS_KAFKA_OUTBOX_MAX_PUBLISHES', 10_000, 1, 1_000_000),
    outboxMaxBytes: integer(env, 'AMS_KAFKA_OUTBOX_MAX_BYTES', 64 * 1024 * 1024, 1024 * 1024, 16 * 1024 * 1024 * 1024),
  };
}

function mongoConfig(env: Env): MongoConfig {
  const uri = optionalText(env, 'AMS_MONGODB_URI');
  if (uri === null) throw new ConfigError('AMS_MONGODB_URI', 'is required with AMS_STORE=kafka-mongo');
  if (!/^mongodb(\+srv)?:\/\//.test(uri)) throw new ConfigError('AMS_MONGODB_URI', 'must start with mongodb:// or mongodb+srv://');
  return { uri };
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name, fallback ? 'true' : 'false').toLowerCase();
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function hostPort(name: string, raw: string): { host: string; port: number } {
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw.trim());
  if (m === null || Number(m[2]) > 65535) throw new ConfigError(name, `must be host:port, got "${raw}"`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function pushConfig(env: Env, store: StoreKind, port: number): PushConfig {
  const workerUser = text(env, 'AMS_PUSH_WORKER_USER', 'push_worker_0');
  if (!/^[a-zA-Z0-9_-]+$/.test(workerUser)) throw new ConfigError('AMS_PUSH_WORKER_USER', 'must match [a-zA-Z0-9_-]+');
  const leaseMs = integer(env, 'AMS_PUSH_LEASE_S', 15, 1, 3600) * 1000;
  const reconcileMs = integer(env, 'AMS_PUSH_RECONCILE_MS', Math.min(5000, Math.floor(leaseMs / 3)), 50, 600_000);
  // A lease must be renewed at least twice within its lifetime, or a live worker could lose it between two ticks.
  if (reconcileMs * 2 > leaseMs) throw new ConfigError('AMS_PUSH_RECONCILE_MS', 'must be at most half of AMS_PUSH_LEASE_S');
  const notices = oneOf<PushNoticeTransport>(
    env,
    'AMS_PUSH_NOTICES',
    ['none', 'tcp', 'kafka'],
    store === 'kafka-mongo' ? 'kafka' : 'none',
  );
  if (notices === 'kafka' && store !== 'kafka-mongo') throw new ConfigError('AMS_PUSH_NOTICES', 'kafka needs AMS_STORE=kafka-mongo');
  const listen = optionalText(env, 'AMS_PUSH_NOTICE_LISTEN');
  const targets = optionalText(env, 'AMS_PUSH_NOTICE_TARGETS');
  return {
    enabled: flag(env, 'AMS_PUSH_ENABLED', true),
    worker: oneOf<PushWorkerMode>(env, 'AMS_PUSH_WORKER', ['inline', 'external'], 'inline'),
    workerUser,
    workerToken: secretToken(env, 'AMS_PUSH_WORKER_TOKEN'),
    allowPrivate: flag(env, 'AMS_PUSH_ALLOW_PRIVATE', false),
    allowHttp: flag(env, 'AMS_PUSH_ALLOW_HTTP', false),
    timeoutMs: integer(env, 'AMS_PUSH_TIMEOUT_MS', 30_000, 10, 600_000),
    leaseMs,
    reconcileMs,
    maxSubscriptions: integer(env, 'AMS_PUSH_MAX_SUBSCRIPTIONS', 1000, 1, 1_000_000),
    workerPort: nullIfZero(integer(env, 'AMS_PUSH_WORKER_PORT', 8081, 0, 65535)),
    origin: text(env, 'AMS_PUSH_ORIGIN', `${hostname()}:${port}`),
    notices,
    noticeListen: listen === null ? null : hostPort('AMS_PUSH_NOTICE_LISTEN', listen),
    noticeTargets:
      targets === null
        ? []
        : targets.split(',').filter((t) => t.trim() !== '').map((t) => hostPort('AMS_PUSH_NOTICE_TARGETS', t)),
  };
}

const MIB = 1024 * 1024;

/** A port setting where 0 means "no server". */
const nullIfZero = (port: number): number | null => (port === 0 ? null : port);

/** The configuration of a process entry point: a bad setting ends the process with exit code 2 and one line naming it. */
export function loadConfigOrExit(env: Env): AmsConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

export function loadConfig(env: Env): AmsConfig {
  const adminUser = text(env, 'AMS_ADMIN_USER', 'admin');
  if (!/^[a-zA-Z0-9_-]+$/.test(adminUser)) throw new ConfigError('AMS_ADMIN_USER', 'must match [a-zA-Z0-9_-]+');
  const store = oneOf(env, 'AMS_STORE', STORE_KINDS, 'embedded');
  const production = store === 'kafka-mongo';
  const key = tokenKey(env);
  if (production && key === null) {
    // Replicas share one database, so they must share the key that seals its tokens; a per-host key file cannot.
    throw new ConfigError('AMS_TOKEN_KEY', 'is required with AMS_STORE=kafka-mongo');
  }
  const port = integer(env, 'AMS_PORT', 8080, 0, 65535);
  return Object.freeze({
    host: text(env, 'AMS_HOST', '0.0.0.0'),
    port,
    store,
    dataDir: resolve(text(env, 'AMS_DATA_DIR', './data')),
    adminUser,
    adminToken: secretToken(env, 'AMS_ADMIN_TOKEN'),
    serviceToken: secretToken(env, 'AMS_SERVICE_TOKEN'),
    tokenKey: key,
    authOption: oneOf<AuthOption>(env, 'AMS_AUTH_OPTION', ['both', 'header', 'key'], 'both'),
    bodyLimit: integer(env, 'AMS_BODY_LIMIT', 16 * MIB, 1024, 1024 * MIB),
    maxMessageBytes: integer(env, 'AMS_MAX_MESSAGE_BYTES', 1_500_000, 1, 1024 * MIB),
    pullMaxMessages: integer(env, 'AMS_PULL_MAX_MESSAGES', 1000, 1, 1_000_000),
    pullMaxBytes: integer(env, 'AMS_PULL_MAX_BYTES', 10 * MIB, 1024, 1024 * MIB),
    pullMaxWaitSeconds: integer(env, 'AMS_PULL_MAX_WAIT_S', 300, 0, 3600),
    sqliteSynchronous: oneOf<SqliteSynchronous>(env, 'AMS_SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'], 'NORMAL'),
    logLevel: oneOf(env, 'AMS_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    tls: tls(env),
    metricsToken: secretToken(env, 'AMS_METRICS_TOKEN'),
    metricsMaxSeries: integer(env, 'AMS_METRICS_MAX_SERIES', 1000, 1, 1_000_000),
    housekeepingIntervalSeconds: integer(env, 'AMS_HOUSEKEEPING_INTERVAL_S', 60, 1, 86_400),
    kafka: production ? kafkaConfig(env) : null,
    mongo: production ? mongoConfig(env) : null,
    push: Object.freeze(pushConfig(env, store, port)),
  });
}
