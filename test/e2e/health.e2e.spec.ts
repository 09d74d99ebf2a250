import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp } from '../support/app.js';
import { ROOT } from '../support/child-server.js';
import { scrape, valueOf } from '../support/prometheus.js';

const BACKENDS: Record<string, string[]> = { embedded: ['sqlite'], 'kafka-mongo': ['mongodb', 'kafka'] };

/** `/v1/status?details=true` and `ams_backend_up`: what an operator sees of the store's dependencies (issue 17). */
describe('backend health', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app?.close();
  });

  it('details=true shows the store, each backend with its reachability and latency, and the version', async () => {
    const reply = await app.admin.get('/v1/status?details=true');
    assert.equal(reply.status, 200, reply.text);
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(reply.body.status, 'ok');
    assert.equal(reply.body.store, app.config.store);
    assert.equal(reply.body.version, version);
    const backends = reply.body.backends as { name: string; reachable: boolean; latency_ms: number }[];
    assert.deepEqual(backends.map((b) => [b.name, b.reachable]), BACKENDS[app.config.store].map((name) => [name, true]));
    for (const b of backends) assert.ok(typeof b.latency_ms === 'number' && b.latency_ms >= 0, JSON.stringify(b));
  });

  it('without details the body keeps the spec 3.8 shape', async () => {
    const reply = await app.client().get('/v1/status');
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(Object.keys(reply.body).sort(), ['push_servers', 'status']);
  });

  it('exports ams_backend_up = 1 for each dependency of the store', async () => {
    const samples = await scrape(app.client());
    for (const backend of BACKENDS[app.config.store]) {
      assert.equal(valueOf(samples, 'ams_backend_up', { backend }), 1, backend);
    }
  });
});
