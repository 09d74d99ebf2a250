import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { TopicsModule } from '../topics/topics.module.js';
import { IndividualDelivery } from './individual-delivery.js';
import { SubscriptionsController } from './subscriptions.controller.js';
import { SubscriptionsService } from './subscriptions.service.js';

@Module({
  imports: [TopicsModule, MetricsModule],
  controllers: [SubscriptionsController],
  providers: [SubscriptionsService, IndividualDelivery],
  exports: [SubscriptionsService],
})
export class SubscriptionsModule {}
