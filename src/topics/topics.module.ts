import { Module } from '@nestjs/common';
import { PublishSignal } from './publish-signal.js';
import { TopicsController } from './topics.controller.js';
import { TopicsService } from './topics.service.js';

@Module({ controllers: [TopicsController], providers: [TopicsService, PublishSignal], exports: [PublishSignal] })
export class TopicsModule {}
