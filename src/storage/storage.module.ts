import { type DynamicModule, Global, Module, type Type } from '@nestjs/common';
import type { StoreKind } from '../config/config.js';
import { EmbeddedStoreModule } from './embedded/embedded-store.module.js';
import { MESSAGE_LOG } from './ports/message-log.repository.js';
import { METADATA_STORE } from './ports/metadata-store.repository.js';

/** The one place that knows which backend runs (architecture decision 6). */
const BACKENDS: Record<StoreKind, Type | null> = {
  embedded: EmbeddedStoreModule,
  'kafka-mongo': null,
};

@Global()
@Module({})
export class StorageModule {
  static forStore(store: StoreKind): DynamicModule {
    const backend = BACKENDS[store];
    if (backend === null) throw new Error(`storage backend "${store}" is not available in this build`);
    return { module: StorageModule, imports: [backend], exports: [backend] };
  }
}

export { MESSAGE_LOG, METADATA_STORE };
