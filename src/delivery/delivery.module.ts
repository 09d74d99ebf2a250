import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { TopicsModule } from '../topics/topics.module.js';
import { CumulativeDelivery } from './cumulative-delivery.js';
import { DeliveryContext } from './delivery-context.js';
import { DeliveryService } from './delivery.service.js';
import { IndividualDelivery } from './individual-delivery.js';
import { SubscriptionActivityRecorder } from './subscription-activity.js';

/** Delivery (pull, acknowledge, deadlines, long poll, both ack modes): DeliveryService is its one entry. */
@Module({
  imports: [TopicsModule, MetricsModule],
  providers: [DeliveryContext, CumulativeDelivery, IndividualDelivery, DeliveryService, SubscriptionActivityRecorder],
  exports: [DeliveryService, SubscriptionActivityRecorder],
})
export class DeliveryModule {}
