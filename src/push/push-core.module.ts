import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { PushConfigService } from './push-config.service.js';
import { PushHttpClient } from './push-http-client.js';
import { PushMetrics } from './push-metrics.js';
import { PushNotices } from './push-notices.js';
import { PushNoticeSender } from './push-transport.js';

/**
 * What the API and the push workers share: outbound HTTP with the address guard (deliveries and endpoint
 * verification), push-config change notices, the push counters, and PushConfigService (push configuration,
 * verification and activation, as the subscription resource asks for them). Delivery itself is PushModule.
 */
@Global()
@Module({
  imports: [MetricsModule],
  providers: [PushHttpClient, PushNotices, PushMetrics, PushNoticeSender, PushConfigService],
  exports: [PushHttpClient, PushNotices, PushMetrics, PushConfigService],
})
export class PushCoreModule {}
