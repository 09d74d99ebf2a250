import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { SchemasModule } from '../schemas/schemas.module.js';
import { PublishSignal } from './publish-signal.js';
import { TopicsController } from './topics.controller.js';
import { TopicsService } from './topics.service.js';

@Module({
  imports: [MetricsModule, SchemasModule],
  controllers: [TopicsController],
  providers: [TopicsService, PublishSignal],
  exports: [PublishSignal],
})
export class TopicsModule {}
