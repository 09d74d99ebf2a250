import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ChildServer, freePort, spawnServer, waitUntilReady } from '../support/child-server.js';

/** Start-up that fails well (issue 17): unreachable backends, unknown variables and a bad data directory, seen at process level. */
describe('start-up', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ams-startup-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  const jsonLines = (server: ChildServer): Record<string, unknown>[] =>
    server
      .stdout()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  /** Runs a kafka-mongo server whose `backend` is at a closed loopback port until it exits on its own. */
  async function unreachable(env: Record<string, string>): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
    const server = spawnServer({
      AMS_STORE: 'kafka-mongo',
      AMS_HOST: '127.0.0.1',
      AMS_PORT: String(await freePort()),
      AMS_TOKEN_KEY: 'ab'.repeat(32),
      AMS_ADMIN_TOKEN: 'startup-admin-token-1',
      AMS_STARTUP_TIMEOUT_S: '4',
      ...env,
    });
    const deadline = setTimeout(() => void server.kill(), 60_000);
    try {
      const { code } = await server.exited;
      return { code, lines: jsonLines(server), stderr: server.stderr() };
    } finally {
      clearTimeout(deadline);
      await server.kill();
    }
  }

  it('an unreachable MongoDB: one line per retry naming AMS_MONGODB_URI and the address, then exit 1 after AMS_STARTUP_TIMEOUT_S', async () => {
    const port = await freePort();
    const started = Date.now();
    const { code, lines, stderr } = await unreachable({
      AMS_MONGODB_URI: `mongodb://someone:pa55word@127.0.0.1:${port}/ams?authSource=admin`,
      AMS_KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
    });
    assert.equal(code, 1, stderr);
    assert.ok(Date.now() - started >= 4000, 'it waited AMS_STARTUP_TIMEOUT_S');
    const retries = lines.filter((line) => line.level === 'warn' && line.variable === 'AMS_MONGODB_URI');
    assert.ok(retries.length >= 1, JSON.stringify(lines));
    for (const retry of retries) {
      assert.equal(retry.address, `127.0.0.1:${port}`);
      assert.match(String(retry.msg), new RegExp(`mongodb not reachable at 127\\.0\\.0\\.1:${port} \\(AMS_MONGODB_URI\\)`));
    }
    const fatal = lines.filter((line) => line.level === 'fatal');
    assert.equal(fatal.length, 1);
    assert.match(String(fatal[0].msg), /AMS_MONGODB_URI.*AMS_STARTUP_TIMEOUT_S/);
    const output = JSON.stringify(lines) + stderr;
    assert.equal(output.includes('pa55word'), false, 'no credentials in the log');
    assert.equal(/\n\s+at /.test(stderr), false, 'no stack trace');
  });

  it('an unreachable Kafka names AMS_KAFKA_BROKERS', { skip: process.env.AMS_TEST_MONGODB_URI === undefined && 'needs a MongoDB (kafka-mongo pass)' }, async () => {
    const port = await freePort();
    const { code, lines, stderr } = await unreachable({
      AMS_MONGODB_URI: `${process.env.AMS_TEST_MONGODB_URI}/ams-startup-test`,
      AMS_KAFKA_BROKERS: `127.0.0.1:${port}`,
    });
    assert.equal(code, 1, stderr);
    const retries = lines.filter((line) => line.level === 'warn' && line.variable === 'AMS_KAFKA_BROKERS');
    assert.ok(retries.length >= 1, JSON.stringify(lines));
    assert.equal(retries[0].address, `127.0.0.1:${port}`);
    assert.match(String(lines.find((line) => line.level === 'fatal')?.msg), /kafka not reachable at .*AMS_KAFKA_BROKERS/);
  });

  it('warns about an unknown AMS_* variable, suggesting the closest known one, and starts', async () => {
    const server = spawnServer({
      AMS_HOST: '127.0.0.1',
      AMS_PORT: String(await freePort()),
      AMS_DATA_DIR: tempDir(),
      AMS_ADMIN_TOKEN: 'startup-admin-token-2',
      AMS_STOER: 'kafka-mongo',
    });
    try {
      await waitUntilReady(server);
      const warnings = jsonLines(server).filter((line) => line.variable === 'AMS_STOER');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0].level, 'warn');
      assert.equal(warnings[0].suggestion, 'AMS_STORE');
      assert.match(String(warnings[0].msg), /unknown variable AMS_STOER .*did you mean AMS_STORE\?/);
    } finally {
      await server.kill();
    }
  });

  it('an unusable AMS_DATA_DIR: one line naming it, exit 2', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    const server = spawnServer({ AMS_STORE: 'embedded', AMS_HOST: '127.0.0.1', AMS_PORT: String(await freePort()), AMS_DATA_DIR: file });
    const { code } = await server.exited;
    assert.equal(code, 2);
    assert.equal(server.stderr(), `invalid configuration: AMS_DATA_DIR must be a writable directory, "${file}" is not usable (not a directory)\n`);
  });
});
