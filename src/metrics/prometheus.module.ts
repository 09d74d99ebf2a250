import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AmsMetrics } from './ams-metrics.js';
import { BacklogGauges } from './backlog-gauges.js';
import { PrometheusController } from './prometheus.controller.js';

/** A registry with the process and Node.js metrics prom-client collects (CPU, memory, event loop, GC, handles). */
function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The Prometheus registry of one application. Each app gets its own (never prom-client's global one), so several apps
 * in one process (the tests) never clash over metric names. Modules that count something inject `Registry` (or
 * AmsMetrics) and register their metrics on it; `GET /metrics` renders it (docs/operations-metrics.md).
 */
@Global()
@Module({
  controllers: [PrometheusController],
  providers: [{ provide: Registry, useFactory: newRegistry }, AmsMetrics, BacklogGauges],
  exports: [Registry, AmsMetrics],
})
export class PrometheusModule {}
