import { Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';

/**
 * The Prometheus registry of one application. Each app gets its own (never prom-client's global one), so several apps
 * in one process (the tests) never clash over metric names. Modules that count something inject `Registry` and
 * register their metrics on it; `GET /metrics` renders it.
 */
@Global()
@Module({
  providers: [{ provide: Registry, useFactory: () => new Registry() }],
  exports: [Registry],
})
export class PrometheusModule {}
