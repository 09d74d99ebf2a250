import { Module } from '@nestjs/common';
import { HousekeepingService } from './housekeeping.service.js';

/** Scheduled upkeep of the stores, once per interval across replicas (HousekeepingService). */
@Module({ providers: [HousekeepingService] })
export class HousekeepingModule {}
