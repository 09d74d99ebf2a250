import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from './config.js';

/** Provides the validated configuration and the clock to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forConfig(config: AmsConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AMS_CONFIG, useValue: config },
        { provide: Clock, useValue: clock },
      ],
      exports: [AMS_CONFIG, Clock],
    };
  }
}
