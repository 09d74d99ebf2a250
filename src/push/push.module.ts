import { Module } from '@nestjs/common';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module.js';
import { PushDispatcher } from './push-dispatcher.js';

/** Push delivery: the dispatcher and its delivery loops (PushCoreModule provides client, notices and counters). */
@Module({ imports: [SubscriptionsModule], providers: [PushDispatcher], exports: [PushDispatcher] })
export class PushModule {}
