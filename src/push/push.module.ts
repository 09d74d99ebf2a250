import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { PushDispatcher } from './push-dispatcher.js';

/** Push delivery: the dispatcher and its delivery loops (PushCoreModule provides client, notices and counters). */
@Module({ imports: [DeliveryModule], providers: [PushDispatcher], exports: [PushDispatcher] })
export class PushModule {}
