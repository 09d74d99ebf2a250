import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { NodeMetrics, NodeSamples } from './node-metrics.js';
import { TrafficCounter } from './traffic-counter.js';
import { UsageCounter } from './usage-counter.js';

/**
 * Daily message counters and per-resource traffic counters (rolled up from memory), node samples, and the metrics and
 * reports built on them.
 */
@Module({
  controllers: [MetricsController],
  providers: [UsageCounter, TrafficCounter, NodeMetrics, NodeSamples, MetricsService],
  exports: [UsageCounter, TrafficCounter],
})
export class MetricsModule {}
