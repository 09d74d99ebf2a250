import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { NodeMetrics } from './node-metrics.js';
import { UsageCounter } from './usage-counter.js';

/** Daily message counters (rolled up from memory), node metrics and the reports built on them. */
@Module({
  controllers: [MetricsController],
  providers: [UsageCounter, NodeMetrics, MetricsService],
  exports: [UsageCounter],
})
export class MetricsModule {}
