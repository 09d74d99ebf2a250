import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AmsExceptionFilter } from './ams-exception.filter.js';
import { AclModule } from './auth/acl.module.js';
import { AuthModule } from './auth/auth.module.js';
import { JsonBodyPipe } from './common/json-body.js';
import { RouteTable } from './common/route-table.js';
import type { Clock } from './common/time.js';
import { AMS_CONFIG, type AmsConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { HealthModule } from './health/health.module.js';
import { HousekeepingModule } from './housekeeping/housekeeping.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PrometheusModule } from './metrics/prometheus.module.js';
import { ProjectsModule } from './projects/projects.module.js';
import { RegistrationsModule } from './registrations/registrations.module.js';
import { SchemasModule } from './schemas/schemas.module.js';
import { PushCoreModule } from './push/push-core.module.js';
import { PushModule } from './push/push.module.js';
import { StorageModule } from './storage/storage.module.js';
import { SubscriptionsModule } from './subscriptions/subscriptions.module.js';
import { TopicsModule } from './topics/topics.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  /** The whole service for one validated configuration; tests pass their own config and clock. */
  static forConfig(config: AmsConfig, routes: RouteTable, clock?: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forConfig(config, clock),
        ScheduleModule.forRoot(),
        PrometheusModule,
        StorageModule.forStore(config.store),
        AuthModule,
        ProjectsModule,
        UsersModule,
        RegistrationsModule,
        TopicsModule,
        SchemasModule,
        SubscriptionsModule,
        PushCoreModule,
        // Delivery runs here unless separate workers do it (AMS_PUSH_WORKER=external, `npm run start:push`).
        ...(config.push.enabled && config.push.worker === 'inline' ? [PushModule] : []),
        MetricsModule,
        HealthModule,
        HousekeepingModule,
        AclModule,
      ],
      providers: [
        { provide: RouteTable, useValue: routes },
        { provide: APP_PIPE, inject: [AMS_CONFIG], useFactory: (config: AmsConfig) => new JsonBodyPipe(config.textLimits) },
        { provide: APP_FILTER, useClass: AmsExceptionFilter },
      ],
    };
  }
}
