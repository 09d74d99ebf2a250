import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { PinoNestLogger } from '../../src/common/logger.js';
import { SystemClock } from '../../src/common/time.js';
import { loadConfig } from '../../src/config/config.js';
import { HealthService } from '../../src/health/health.service.js';
import { AmsMetrics } from '../../src/metrics/ams-metrics.js';
import type { BackendProbe } from '../../src/storage/ports/backend-probe.repository.js';
import { StoreUnavailableError } from '../../src/storage/ports/store-errors.js';
import { capturedLogger } from '../support/log-lines.js';

/** A backend that answers while `up` is true, the way an adapter fails (StoreUnavailableError). */
class SwitchableBackend implements BackendProbe {
  up = true;
  constructor(readonly backend: 'mongodb' | 'kafka') {}
  async ping(): Promise<void> {
    if (!this.up) throw new StoreUnavailableError(this.backend, new Error('connect ECONNREFUSED 127.0.0.1:1'));
  }
}

describe('HealthService: backend state, gauge and log', () => {
  const { logger, lines } = capturedLogger('debug');
  Logger.overrideLogger(new PinoNestLogger(logger));
  after(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('logs once per state change, not per check, and sets ams_backend_up per backend', async () => {
    const config = loadConfig({});
    const registry = new Registry();
    const mongo = new SwitchableBackend('mongodb');
    const kafka = new SwitchableBackend('kafka');
    // status() is not called here, so the lease and metadata stores are never reached.
    const health = new HealthService([mongo, kafka], config, new SystemClock(), undefined as never, undefined as never, new AmsMetrics(registry, config));
    const gauge = async (): Promise<Record<string, number>> => {
      const metric = await registry.getSingleMetric('ams_backend_up')?.get();
      return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.backend), v.value]));
    };
    const states: boolean[] = [true, true, false, false, false, true, true];
    for (const up of states) {
      mongo.up = up;
      const checks = await health.check();
      assert.deepEqual(checks.map((c) => [c.name, c.reachable]), [['mongodb', up], ['kafka', true]]);
      assert.ok(checks.every((c) => typeof c.latencyMs === 'number' && c.latencyMs >= 0));
      assert.deepEqual(await gauge(), { mongodb: up ? 1 : 0, kafka: 1 });
    }
    const said = lines.filter((l) => l.context === 'Health').map((l) => [l.level, l.backend, l.msg]);
    assert.deepEqual(said, [
      ['warn', 'mongodb', 'mongodb unreachable'],
      ['info', 'mongodb', 'mongodb reachable again'],
    ]);
    assert.equal(lines.find((l) => l.msg === 'mongodb unreachable')?.error, 'connect ECONNREFUSED 127.0.0.1:1');
  });

  it('shares a check in flight between callers', async () => {
    const config = loadConfig({});
    let pings = 0;
    const slow: BackendProbe = { backend: 'kafka', ping: () => new Promise((resolve) => setTimeout(() => resolve(void pings++), 20)) };
    const health = new HealthService([slow], config, new SystemClock(), undefined as never, undefined as never, new AmsMetrics(new Registry(), config));
    await Promise.all([health.check(), health.check(), health.check()]);
    assert.equal(pings, 1);
  });
});
