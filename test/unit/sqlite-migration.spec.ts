import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteFile } from '../../src/storage/embedded/sqlite-file.js';

/** The embedded store's migrations: a database written by an older build is brought to the current version. */
describe('SQLite migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ams-migrate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = { dataDir: dir, sqliteSynchronous: 'NORMAL' as const };
  const version = (file: SqliteFile): string =>
    (file.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value;
  const hasTable = (file: SqliteFile, table: string): boolean =>
    file.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;

  it('a new database is at the latest version, with the schemas table', () => {
    const file = new SqliteFile(config);
    assert.equal(version(file), '2');
    assert.ok(hasTable(file, 'schemas'));
    file.close();
  });

  it('a version 1 database gets the schemas table and keeps its data', () => {
    const old = new SqliteFile(config);
    // what a version 1 build left behind: no schemas table, version 1, a topic
    old.db.exec("DROP TABLE schemas; UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    old.db
      .prepare('INSERT INTO topics (project_uuid, name, log_id, schema_uuid, acl, created_on) VALUES (?, ?, ?, ?, ?, ?)')
      .run('p', 't', 'log', null, '[]', 0);
    old.close();

    const file = new SqliteFile(config);
    assert.equal(version(file), '2');
    assert.ok(hasTable(file, 'schemas'));
    assert.deepEqual(file.db.prepare('SELECT name FROM topics').pluck().all(), ['t']);
    file.close();
  });

  it('refuses a database of a newer version', () => {
    const file = new SqliteFile(config);
    file.db.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    file.close();
    assert.throws(() => new SqliteFile(config), /schema version 99; this build knows 2/);
  });
});
