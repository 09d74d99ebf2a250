import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module.js';
import { HousekeepingService } from './housekeeping.service.js';

/** Scheduled upkeep of the stores, once per interval across replicas (HousekeepingService). */
@Module({ imports: [SubscriptionsModule, DeliveryModule], providers: [HousekeepingService] })
export class HousekeepingModule {}
