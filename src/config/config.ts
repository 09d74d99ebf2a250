import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { TextLimits } from '../common/json-body.js';

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
  /**
   * The fill wait: how long a `returnImmediately: false` pull that found some messages, but fewer than asked, waits
   * for more (fractions allowed). An empty subscription answers at once whatever this is.
   */
  readonly pullMaxWaitSeconds: number;
  readonly http: HttpTimeouts;
  readonly textLimits: TextLimits;
  readonly sqliteSynchronous: SqliteSynchronous;
  /** Deepest nesting of a schema document and of the data validated against one (spec 8.12). */
  readonly schemaMaxDepth: number;
  readonly logLevel: string;
  /** Route patterns (as the request log spells them) whose request lines are logged at debug, not info: probes, scrapes. */
  readonly logQuietRoutes: readonly string[];
  /** How long start-up waits for unreachable backends before it gives up with a non-zero exit. */
  readonly startupTimeoutSeconds: number;
  /** Serve HTTPS with this certificate and key (PEM); null serves plain HTTP (behind a TLS-terminating proxy). */
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | null;
  /** Bearer token `GET /metrics` requires; null serves the Prometheus metrics to anyone. */
  readonly metricsToken: string | null;
  /** Most series one labelled metric family exports (backlog gauges, per-topic and per-subscription counters). */
  readonly metricsMaxSeries: number;
  /** Period of the house-keeping jobs and of the backlog gauge refresh, in seconds. */
  readonly housekeepingIntervalSeconds: number;
  /**
   * How long a message is kept after it was published, in seconds: house-keeping deletes older ones on the embedded
   * store, and new Kafka topics get it as `retention.ms`.
   */
  readonly messageRetentionSeconds: number;
  /** Set when store is kafka-mongo. */
  readonly kafka: KafkaConfig | null;
  /** Set when store is kafka-mongo. */
  readonly mongo: MongoConfig | null;
  readonly push: PushConfig;
}

/**
 * Slow clients (spec 8.12). Node's request and headers timeouts cover receiving a request, never the answer, so a
 * long-polling pull is not cut by them; the idle timeout is raised for the wait of a long poll (app.factory.ts).
 */
export interface HttpTimeouts {
  /** Headers and body must have arrived within this time of the connection or of the previous answer (408). */
  readonly requestTimeoutMs: number;
  /** Headers alone must have arrived within this time (408). */
  readonly headersTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed. */
  readonly idleTimeoutMs: number;
}

/** Longest free-text fields, in characters (spec 8.12). */

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
  /** Allow push endpoints on special-purpose and the host's own addresses (SSRF guard off; the deny list still holds). */
  readonly allowPrivate: boolean;
  /** Blocks push may reach even if special-purpose or the host's own (normalized `address/prefix`). */
  readonly allowCidrs: readonly string[];
  /** Blocks push never reaches, even public ones; wins over everything else. */
  readonly denyCidrs: readonly string[];
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
  /** `retention.ms` of new Kafka topics: the message retention (AMS_MESSAGE_RETENTION_S) in milliseconds. */
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

function seconds(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) throw new ConfigError(name, `must be a number of seconds, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A comma list; unlike the other settings an empty value is a value (an empty list), and only unset means the default. */
function list(env: Env, name: string, fallback: readonly string[]): readonly string[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  return Object.freeze(raw.split(',').map((item) => item.trim()).filter((item) => item !== ''));
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

/**
 * AMS_MESSAGE_RETENTION_S, or the older AMS_KAFKA_RETENTION_MS (milliseconds, rounded up to whole seconds) when only
 * that one is set: it stays as a deprecated alias so that existing kafka-mongo deployments keep their retention.
 */
function messageRetentionSeconds(env: Env): number {
  const max = 10 * 365 * 24 * 3600;
  if (optionalText(env, 'AMS_MESSAGE_RETENTION_S') !== null || optionalText(env, 'AMS_KAFKA_RETENTION_MS') === null) {
    return integer(env, 'AMS_MESSAGE_RETENTION_S', 7 * 24 * 3600, 1, max);
  }
  return Math.ceil(integer(env, 'AMS_KAFKA_RETENTION_MS', 0, 1000, max * 1000) / 1000);
}

function kafkaConfig(env: Env, retentionSeconds: number): KafkaConfig {
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
    retentionMs: retentionSeconds * 1000,
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

/** `a.b.c.d`, `a.b.c.d/n`, `h::h`, `h::h/n` as `address/prefix`; null if it is none of them. */
function normalizeCidr(raw: string): string | null {
  const text = raw.trim();
  try {
    if (text.includes('/')) {
      const [address, prefix] = ipaddr.parseCIDR(text);
      return `${address.toString()}/${prefix}`;
    }
    if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) return null;
    const address = ipaddr.parse(text);
    return `${address.toString()}/${address.kind() === 'ipv4' ? 32 : 128}`;
  } catch {
    return null;
  }
}

function cidrList(env: Env, name: string): readonly string[] {
  const raw = optionalText(env, name);
  if (raw === null) return [];
  return raw
    .split(',')
    .filter((c) => c.trim() !== '')
    .map((c) => normalizeCidr(c) ?? failCidr(name, c));
}

function failCidr(name: string, raw: string): never {
  throw new ConfigError(name, `must be a comma list of IP addresses or CIDR blocks, got "${raw.trim()}"`);
}

function httpTimeouts(env: Env): HttpTimeouts {
  const requestTimeoutMs = integer(env, 'AMS_HTTP_REQUEST_TIMEOUT_S', 60, 1, 120) * 1000;
  const headersTimeoutMs = integer(env, 'AMS_HTTP_HEADERS_TIMEOUT_S', Math.min(20, requestTimeoutMs / 1000), 1, 120) * 1000;
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('AMS_HTTP_HEADERS_TIMEOUT_S', 'must be at most AMS_HTTP_REQUEST_TIMEOUT_S');
  }
  return { requestTimeoutMs, headersTimeoutMs, idleTimeoutMs: integer(env, 'AMS_HTTP_IDLE_TIMEOUT_S', 120, 1, 120) * 1000 };
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
    allowCidrs: cidrList(env, 'AMS_PUSH_ALLOW_CIDRS'),
    denyCidrs: cidrList(env, 'AMS_PUSH_DENY_CIDRS'),
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

/** Request lines of probes and Prometheus scrapes are logged at debug unless AMS_LOG_QUIET_ROUTES says otherwise. */
export const QUIET_ROUTES: readonly string[] = Object.freeze(['/v1/status', '/metrics']);

/**
 * Every AMS_* variable the service reads (README configuration table). A variable not here gets a warning at start:
 * `unknownVariables`. test/unit/config.spec.ts checks that every name this file reads is listed.
 */
export const KNOWN_VARIABLES: readonly string[] = Object.freeze([
  'AMS_HOST', 'AMS_PORT', 'AMS_STORE', 'AMS_DATA_DIR', 'AMS_ADMIN_USER', 'AMS_ADMIN_TOKEN', 'AMS_SERVICE_TOKEN',
  'AMS_TOKEN_KEY', 'AMS_AUTH_OPTION', 'AMS_BODY_LIMIT', 'AMS_MAX_MESSAGE_BYTES', 'AMS_PULL_MAX_MESSAGES',
  'AMS_PULL_MAX_BYTES', 'AMS_PULL_MAX_WAIT_S', 'AMS_SQLITE_SYNCHRONOUS', 'AMS_LOG_LEVEL', 'AMS_LOG_QUIET_ROUTES',
  'AMS_STARTUP_TIMEOUT_S', 'AMS_TLS_CERT_FILE', 'AMS_TLS_KEY_FILE', 'AMS_METRICS_TOKEN', 'AMS_METRICS_MAX_SERIES',
  'AMS_HOUSEKEEPING_INTERVAL_S', 'AMS_MESSAGE_RETENTION_S', 'AMS_KAFKA_BROKERS', 'AMS_KAFKA_REPLICATION_FACTOR',
  'AMS_KAFKA_TOPIC_PREFIX', 'AMS_KAFKA_RETENTION_MS', 'AMS_KAFKA_OUTBOX_MAX_PUBLISHES', 'AMS_KAFKA_OUTBOX_MAX_BYTES', 'AMS_MONGODB_URI', 'AMS_PUSH_ENABLED', 'AMS_PUSH_WORKER', 'AMS_PUSH_WORKER_USER',
  'AMS_PUSH_WORKER_TOKEN', 'AMS_PUSH_ALLOW_PRIVATE', 'AMS_PUSH_ALLOW_HTTP', 'AMS_PUSH_TIMEOUT_MS', 'AMS_PUSH_LEASE_S',
  'AMS_PUSH_WORKER_PORT', 'AMS_PUSH_RECONCILE_MS', 'AMS_PUSH_MAX_SUBSCRIPTIONS', 'AMS_PUSH_ORIGIN', 'AMS_PUSH_NOTICES',
  'AMS_PUSH_NOTICE_LISTEN', 'AMS_PUSH_NOTICE_TARGETS', 'AMS_PUSH_ALLOW_CIDRS', 'AMS_PUSH_DENY_CIDRS',
  'AMS_HTTP_REQUEST_TIMEOUT_S', 'AMS_HTTP_HEADERS_TIMEOUT_S', 'AMS_HTTP_IDLE_TIMEOUT_S', 'AMS_MAX_TEXT_CHARS',
  'AMS_MAX_DESCRIPTION_CHARS', 'AMS_SCHEMA_MAX_DEPTH',
]);

/** The test suite's own settings (scripts/test.sh), which a developer's shell may export; not the service's. */
const TEST_VARIABLE = /^AMS_TEST_/;

/** AMS_* variables set but not known (a typo such as AMS_STOER), each with the closest known name when one is near. */
export function unknownVariables(env: Env): { variable: string; suggestion: string | null }[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('AMS_') && !TEST_VARIABLE.test(name) && !KNOWN_VARIABLES.includes(name))
    .sort()
    .map((variable) => ({ variable, suggestion: closest(variable, KNOWN_VARIABLES) }));
}

/** One warning line per unknown AMS_* variable: a typo such as AMS_STOER would otherwise leave the default in force. */
export function warnUnknownVariables(env: Env, log: { warn(fields: object, msg: string): void }): void {
  for (const { variable, suggestion } of unknownVariables(env)) {
    const hint = suggestion === null ? '' : ` (did you mean ${suggestion}?)`;
    log.warn({ variable, suggestion }, `unknown variable ${variable} ignored${hint}`);
  }
}

/** The candidate nearest by edit distance, if within a third of the name's length (a typo, not another word). */
function closest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor((name.length - 'AMS_'.length) / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance, with transpositions (AMS_STOER -> AMS_STORE is one edit). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The embedded store's directory must exist (it is made when missing) and be a writable directory; checked before
 * anything opens it, so that a bad AMS_DATA_DIR is one line naming it rather than a driver's stack trace.
 */
export function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' || code === 'ENOTDIR' ? 'not a directory' : (code ?? (err as Error).message);
    throw new ConfigError('AMS_DATA_DIR', `must be a writable directory, "${dir}" is not usable (${reason})`);
  }
}

/** The configuration of a process entry point: a bad setting ends the process with exit code 2 and one line naming it. */
export function loadConfigOrExit(env: Env): AmsConfig {
  try {
    const config = loadConfig(env);
    if (config.store === 'embedded') checkDataDir(config.dataDir);
    return config;
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
  const retentionSeconds = messageRetentionSeconds(env);
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
    pullMaxWaitSeconds: seconds(env, 'AMS_PULL_MAX_WAIT_S', 2, 0, 3600),
    http: Object.freeze(httpTimeouts(env)),
    textLimits: Object.freeze({
      short: integer(env, 'AMS_MAX_TEXT_CHARS', 256, 16, 65_536),
      long: integer(env, 'AMS_MAX_DESCRIPTION_CHARS', 4096, 16, 1_048_576),
    }),
    sqliteSynchronous: oneOf<SqliteSynchronous>(env, 'AMS_SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'], 'NORMAL'),
    schemaMaxDepth: integer(env, 'AMS_SCHEMA_MAX_DEPTH', 64, 1, 1000),
    logLevel: oneOf(env, 'AMS_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    logQuietRoutes: list(env, 'AMS_LOG_QUIET_ROUTES', QUIET_ROUTES),
    startupTimeoutSeconds: integer(env, 'AMS_STARTUP_TIMEOUT_S', 60, 1, 3600),
    tls: tls(env),
    metricsToken: secretToken(env, 'AMS_METRICS_TOKEN'),
    metricsMaxSeries: integer(env, 'AMS_METRICS_MAX_SERIES', 1000, 1, 1_000_000),
    housekeepingIntervalSeconds: integer(env, 'AMS_HOUSEKEEPING_INTERVAL_S', 60, 1, 86_400),
    messageRetentionSeconds: retentionSeconds,
    kafka: production ? kafkaConfig(env, retentionSeconds) : null,
    mongo: production ? mongoConfig(env) : null,
    push: Object.freeze(pushConfig(env, store, port)),
  });
}
