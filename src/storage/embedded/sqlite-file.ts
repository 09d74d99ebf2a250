import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AmsConfig } from '../../config/config.js';

/**
 * Messages are rowid rows with an (log, offset) index rather than a WITHOUT ROWID table: rows of a kilobyte and more
 * overflow a WITHOUT ROWID b-tree and made appends 3-5x slower in bench/ (docs/architecture.md).
 * Documents as JSON columns where MongoDB will keep sub-documents (memberships, ACLs, push config), so that both
 * backends hold the same shape. Leases sit in their own table from the start: individual ack mode needs no migration.
 * Daily counters are one row per (project, topic, UTC day); `daily_count_batches` remembers the ids of the last
 * roll-up batches applied, which makes a retried batch a no-op (CounterStore.addDailyCounts); resource counters
 * (one row per topic or subscription incarnation) and `resource_count_batches` work the same way. `job_leases` holds
 * the leases of work that runs once across processes (JobLeaseStore). Tables added later are created by
 * `CREATE TABLE IF NOT EXISTS` when an older data directory is opened.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  created_on INTEGER NOT NULL,
  modified_on INTEGER NOT NULL,
  created_by TEXT
);
CREATE TABLE IF NOT EXISTS users (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  organization TEXT NOT NULL,
  description TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  token_sealed TEXT NOT NULL,
  service_roles TEXT NOT NULL,
  projects TEXT NOT NULL,
  created_on INTEGER NOT NULL,
  modified_on INTEGER NOT NULL,
  created_by TEXT
);
CREATE TABLE IF NOT EXISTS topics (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_uuid TEXT NOT NULL,
  name TEXT NOT NULL,
  log_id TEXT NOT NULL,
  schema_uuid TEXT,
  acl TEXT NOT NULL,
  created_on INTEGER NOT NULL,
  UNIQUE (project_uuid, name)
);
CREATE TABLE IF NOT EXISTS subscriptions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_uuid TEXT NOT NULL,
  name TEXT NOT NULL,
  topic_name TEXT NOT NULL,
  ack_deadline INTEGER NOT NULL,
  push_config TEXT,
  acl TEXT NOT NULL,
  ack_mode TEXT NOT NULL,
  created_on INTEGER NOT NULL,
  ack_floor INTEGER NOT NULL,
  read_offset INTEGER NOT NULL,
  window_end INTEGER,
  window_pulled_at INTEGER,
  cursor_version INTEGER NOT NULL,
  push_status TEXT,
  UNIQUE (project_uuid, name)
);
CREATE INDEX IF NOT EXISTS subscriptions_by_topic ON subscriptions (project_uuid, topic_name);
CREATE TABLE IF NOT EXISTS leases (
  project_uuid TEXT NOT NULL,
  subscription TEXT NOT NULL,
  offset INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  delivery_attempt INTEGER NOT NULL,
  lease_id TEXT NOT NULL,
  PRIMARY KEY (project_uuid, subscription, offset)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
  log_id TEXT PRIMARY KEY,
  min_offset INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  last_publish_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY,
  log_id TEXT NOT NULL,
  offset INTEGER NOT NULL,
  publish_us INTEGER NOT NULL,
  data TEXT NOT NULL,
  attributes TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_offset ON messages (log_id, offset);
CREATE TABLE IF NOT EXISTS daily_counts (
  project_uuid TEXT NOT NULL,
  topic_name TEXT NOT NULL,
  day TEXT NOT NULL,
  messages INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (project_uuid, topic_name, day)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS daily_counts_by_day ON daily_counts (day);
CREATE TABLE IF NOT EXISTS daily_count_batches (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS job_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resource_counters (
  kind TEXT NOT NULL,
  project_uuid TEXT NOT NULL,
  name TEXT NOT NULL,
  incarnation TEXT NOT NULL,
  messages INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  rate_start INTEGER NOT NULL,
  rate_messages INTEGER NOT NULL,
  PRIMARY KEY (kind, project_uuid, name, incarnation)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resource_count_batches (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS node_samples (
  host TEXT PRIMARY KEY,
  cpu REAL NOT NULL,
  memory REAL NOT NULL,
  sampled_at INTEGER NOT NULL
);
`;

/**
 * Changes after version 1, by the version that introduced them. Each is idempotent (IF NOT EXISTS), runs on every
 * start, and a database gets its recorded version raised once they ran, so older builds refuse a newer file.
 */
const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    // 2: user registrations (spec 3.4), listed in registration order (seq).
    version: 2,
    sql: `
CREATE TABLE IF NOT EXISTS registrations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  organization TEXT NOT NULL,
  description TEXT NOT NULL,
  email TEXT NOT NULL,
  status TEXT NOT NULL,
  decline_comment TEXT NOT NULL,
  activation_token TEXT,
  registered_at INTEGER NOT NULL,
  modified_by TEXT,
  modified_at INTEGER
);
CREATE INDEX IF NOT EXISTS registrations_by_status ON registrations (status);
CREATE INDEX IF NOT EXISTS registrations_by_activation_token ON registrations (activation_token);
`,
  },
  {
    // 3: message schemas (spec 3.7); topics point at them by uuid.
    version: 3,
    sql: `
CREATE TABLE IF NOT EXISTS schemas (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  project_uuid TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  document TEXT NOT NULL,
  UNIQUE (project_uuid, name)
);
CREATE INDEX IF NOT EXISTS topics_by_schema ON topics (schema_uuid);
`,
  },
  {
    // 4: per-message acknowledgement (pubsub-extensions 1): offsets acknowledged above a subscription's ack floor,
    // beside its leases.
    version: 4,
    sql: `
CREATE TABLE IF NOT EXISTS acked_offsets (
  project_uuid TEXT NOT NULL,
  subscription TEXT NOT NULL,
  offset INTEGER NOT NULL,
  PRIMARY KEY (project_uuid, subscription, offset)
) WITHOUT ROWID;
`,
  },
  {
    // 5: logs whose topic was deleted, while their messages are removed in chunks (SqliteMessageLog.deleteLog), and
    // the expiring subscriptions by expiry time (the columns are added by addMissingColumns).
    version: 5,
    sql: `
CREATE TABLE IF NOT EXISTS dropped_logs (log_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS subscriptions_by_expiry ON subscriptions (expires_at) WHERE expires_at IS NOT NULL;
`,
  },
];

/** The version this build writes: the newest migration's. */
const SCHEMA_VERSION = Math.max(1, ...MIGRATIONS.map((m) => m.version));

/**
 * The data directory 0700 and its files 0600, whatever the umask (spec 8.11): the store holds sealed tokens and their
 * lookup hashes, and nothing else on the host needs to read it. The database file is created 0600 before SQLite opens
 * it, since SQLite gives its WAL and shared-memory files the database file's permissions; files of an older store
 * are tightened on every start.
 */
export function restrictDataDir(dataDir: string, databasePath: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  if (!existsSync(databasePath)) closeSync(openSync(databasePath, 'a', 0o600));
  for (const file of [databasePath, `${databasePath}-wal`, `${databasePath}-shm`, join(dataDir, 'token.key')]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

/** The one SQLite database of the embedded store, shared by both of its port adapters. */
export class SqliteFile {
  readonly db: Database.Database;

  constructor(config: Pick<AmsConfig, 'dataDir' | 'sqliteSynchronous'>) {
    const path = join(config.dataDir, 'ams.sqlite');
    restrictDataDir(config.dataDir, path);
    this.db = new Database(path);
    // WAL: readers never block the writer. NORMAL: a commit is in the WAL (the OS has it) before we answer, which
    // survives a killed process; FULL adds an fsync per commit for power loss (docs/architecture.md).
    // Set before the first table exists (no effect afterwards): fewer, larger pages suit kilobyte messages.
    this.db.pragma('page_size = 16384');
    // Also only before the first table: pages freed by retention and topic deletes go back to the file system in
    // bounded steps (SqliteMessageLog.releaseFreePages). Older files keep auto_vacuum off and reuse freed pages instead.
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    // The WAL is cut back to this size after a checkpoint, so a burst of deletes does not leave a large file behind.
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.db.pragma(`synchronous = ${config.sqliteSynchronous}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = OFF');
    this.migrate();
  }

  private migrate(): void {
    this.db.transaction(() => {
      this.db.exec(SCHEMA);
      this.addMissingColumns();
      const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
        | { value: string }
        | undefined;
      if (row !== undefined && Number(row.value) > SCHEMA_VERSION) {
        throw new Error(`data directory holds schema version ${row.value}; this build knows ${SCHEMA_VERSION}`);
      }
      for (const migration of MIGRATIONS) this.db.exec(migration.sql);
      this.db
        .prepare(
          "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .run(String(SCHEMA_VERSION));
    }).immediate(); // an API and a push worker may open the file at the same moment
  }

  /**
   * Columns added after a table's first release, for data directories created before them. Checked by presence rather
   * than by schema version, so additions made in parallel branches of the code do not depend on their order.
   */
  private addMissingColumns(): void {
    const added: [table: string, column: string, type: string][] = [
      ['subscriptions', 'push_status', 'TEXT'],
      ['topics', 'retention_seconds', 'INTEGER'],
      ['logs', 'retention_seconds', 'INTEGER'],
      ['subscriptions', 'expiration_ttl_seconds', 'INTEGER'],
      ['subscriptions', 'expires_at', 'INTEGER'],
    ];
    for (const [table, column, type] of added) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (!columns.some((c) => c.name === column)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
