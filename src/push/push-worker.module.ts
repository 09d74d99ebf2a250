import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AclModule } from '../auth/acl.module.js';
import { TokenVaultModule } from '../auth/token-vault.module.js';
import type { AmsConfig } from '../config/config.js';
import { ConfigModule } from '../config/config.module.js';
import { PrometheusModule } from '../metrics/prometheus.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { PushCoreModule } from './push-core.module.js';
import { PushModule } from './push.module.js';
import { PushNoticeController } from './push-transport.js';

/**
 * The separate push worker (`npm run start:push`): configuration, storage, the push dispatcher and the listener for
 * push notices; no HTTP API. It shares the store with the API (the same SQLite file, or the same MongoDB and Kafka).
 */
@Module({})
export class PushWorkerModule {
  static forConfig(config: AmsConfig): DynamicModule {
    return {
      module: PushWorkerModule,
      imports: [
        ConfigModule.forConfig(config),
        ScheduleModule.forRoot(),
        PrometheusModule,
        StorageModule.forStore(config.store),
        AclModule,
        TokenVaultModule,
        PushCoreModule,
        PushModule,
      ],
      controllers: [PushNoticeController],
    };
  }
}
