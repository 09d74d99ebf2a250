import { Module } from '@nestjs/common';
import { CompiledSchemaCache } from './compiled-schema-cache.js';
import { SchemasController } from './schemas.controller.js';
import { SchemasService } from './schemas.service.js';

/** Message schemas; topics use SchemasService to attach them and to validate what is published. */
@Module({
  controllers: [SchemasController],
  providers: [SchemasService, CompiledSchemaCache],
  exports: [SchemasService],
})
export class SchemasModule {}
