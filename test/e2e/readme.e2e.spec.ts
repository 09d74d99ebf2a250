import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ChildServer, freePort, ROOT, spawnServer, waitUntilReady } from '../support/child-server.js';

/** The README's curl walk-through, run as written against the built service (only the port differs). */
describe('README walk-through', () => {
  let dir: string;
  let server: ChildServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ams-readme-'));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const token = /AMS_ADMIN_TOKEN=(\S+)/.exec(readme)?.[1];
    assert.ok(token, 'the README starts the service with an AMS_ADMIN_TOKEN');
    server = spawnServer({ AMS_HOST: '127.0.0.1', AMS_PORT: String(await freePort()), AMS_DATA_DIR: dir, AMS_ADMIN_TOKEN: token });
    await waitUntilReady(server);
  });

  after(async () => {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, publishes, pulls and acknowledges exactly as the README says', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const script = /```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(script, 'the README has a ```sh walk-through');
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script.replace('http://localhost:8080', server.url)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const answers = run.stdout.replace(/}\{/g, '}\n{').split('\n').filter(Boolean).map((line) => JSON.parse(line));
    assert.deepEqual(answers.filter((a) => 'messageIds' in a), [{ messageIds: ['0', '1'] }]);
    const pulls = answers.filter((a) => 'receivedMessages' in a);
    assert.deepEqual(
      pulls[0].receivedMessages.map((m: { ackId: string }) => m.ackId),
      ['projects/demo/subscriptions/events-sub:0', 'projects/demo/subscriptions/events-sub:1'],
    );
    assert.deepEqual(pulls.at(-1), { receivedMessages: [] });
    assert.equal(answers.filter((a) => 'error' in a).length, 0, run.stdout);
  });
});
