import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteFile } from '../../src/storage/embedded/sqlite-file.js';
import { SqliteProjectStore } from '../../src/storage/embedded/sqlite-project-store.repository.js';
import { SqliteRegistrationStore } from '../../src/storage/embedded/sqlite-registration-store.repository.js';

const T0 = new Date('2024-03-01T10:00:05.123Z');

/** The embedded store's schema versions: files written by an older build are upgraded in place on start. */
describe('SQLite schema migrations', () => {
  let dataDir: string;
  const open = (): SqliteFile => new SqliteFile({ dataDir, sqliteSynchronous: 'NORMAL' });
  const version = (file: SqliteFile): string =>
    (file.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ams-migrations-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a new file is at version 5 and has the registrations, schemas, acked_offsets and dropped_logs tables', () => {
    const file = open();
    assert.equal(version(file), '5');
    for (const table of ['registrations', 'schemas', 'acked_offsets', 'dropped_logs']) {
      assert.ok(file.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table), table);
    }
    file.close();
  });

  it('a version 1 file (no registrations or schemas table) is upgraded, and keeps its data', async () => {
    const first = open();
    first.db.exec(
      "DROP TABLE registrations; DROP TABLE schemas; DROP TABLE acked_offsets; DROP TABLE dropped_logs; UPDATE meta SET value = '1' WHERE key = 'schema_version'",
    );
    const projectUuid = randomUUID();
    await new SqliteProjectStore(first).createProject({
      uuid: projectUuid,
      name: 'kept',
      description: '',
      createdOn: T0,
      modifiedOn: T0,
      createdBy: null,
    });
    first.close();

    const upgraded = open();
    assert.equal(version(upgraded), '5');
    for (const table of ['acked_offsets', 'dropped_logs']) {
      assert.ok(upgraded.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table), table);
    }
    const store = new SqliteRegistrationStore(upgraded);
    assert.equal((await new SqliteProjectStore(upgraded).projectByName('kept'))?.uuid, projectUuid);
    const registration = {
      uuid: randomUUID(),
      name: 'newcomer',
      firstName: '',
      lastName: '',
      organization: '',
      description: '',
      email: '',
      status: 'pending',
      declineComment: '',
      activationToken: 'a'.repeat(64),
      registeredAt: T0,
      modifiedBy: null,
      modifiedAt: null,
    } as const;
    assert.equal(await store.createRegistration(registration), true);
    assert.deepEqual(await store.registrationByUuid(registration.uuid), registration);
    upgraded.close();
  });

  it('refuses a file written by a newer build, and leaves it unchanged', () => {
    const first = open();
    first.db.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    first.close();
    assert.throws(() => open(), /data directory holds schema version 99; this build knows 5/);
    const raw = new Database(join(dataDir, 'ams.sqlite'), { readonly: true });
    assert.equal((raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value, '99');
    raw.close();
  });
});
