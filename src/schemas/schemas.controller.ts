import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Action } from '../auth/action.decorator.js';
import { UrlProject } from '../auth/caller.js';
import { verb } from '../common/routes.js';
import type { ProjectRecord } from '../storage/ports/records.js';
import { AvroPayloadDto, CreateSchemaDto, SchemaDto, SchemaListDto, UpdateSchemaDto, ValidationResultDto } from './dto/schema.dto.js';
import { SchemasService } from './schemas.service.js';

@ApiTags('schemas')
@Controller('v1/projects/:project/schemas')
export class SchemasController {
  constructor(private readonly schemas: SchemasService) {}

  @Get()
  @Action('schemas:list')
  @ApiOperation({ summary: 'Schemas of the project (not paginated)' })
  @ApiOkResponse({ type: SchemaListDto })
  list(@UrlProject() project: ProjectRecord): Promise<SchemaListDto> {
    return this.schemas.list(project);
  }

  @Post(':schema')
  @HttpCode(200)
  @Action('schemas:create')
  @ApiOperation({ summary: 'Create a JSON Schema (drafts 4 to 7) or Avro schema' })
  @ApiOkResponse({ type: SchemaDto })
  create(@UrlProject() project: ProjectRecord, @Param('schema') name: string, @Body() body: CreateSchemaDto): Promise<SchemaDto> {
    return this.schemas.create(project, name, body);
  }

  @Get(':schema')
  @Action('schemas:show')
  @ApiOperation({ summary: 'A schema of the project' })
  @ApiOkResponse({ type: SchemaDto })
  show(@UrlProject() project: ProjectRecord, @Param('schema') name: string): Promise<SchemaDto> {
    return this.schemas.show(project, name);
  }

  @Put(':schema')
  @Action('schemas:update')
  @ApiOperation({ summary: 'Rename a schema or change its type or document (any of them)' })
  @ApiBody({ type: UpdateSchemaDto })
  @ApiOkResponse({ type: SchemaDto })
  update(
    @UrlProject() project: ProjectRecord,
    @Param('schema') name: string,
    @Body() raw: unknown, // decoded by the service, after the existence check
  ): Promise<SchemaDto> {
    return this.schemas.update(project, name, raw);
  }

  @Delete(':schema')
  @Action('schemas:delete')
  @ApiOperation({ summary: 'Delete a schema; topics using it lose it (empty body)' })
  @ApiOkResponse({ description: 'empty body' })
  delete(@UrlProject() project: ProjectRecord, @Param('schema') name: string): Promise<void> {
    return this.schemas.delete(project, name);
  }

  @Post(verb('schema', 'validate'))
  @HttpCode(200)
  @Action('schemas:validateMessage')
  @ApiOperation({
    summary: 'Check one message against the schema',
    description: 'JSON schema: the body is the JSON document itself. Avro schema: {"data": "<base64 binary datum>"}.',
  })
  @ApiBody({ type: AvroPayloadDto, description: 'Avro; for a JSON schema any JSON document' })
  @ApiOkResponse({ type: ValidationResultDto })
  validate(
    @UrlProject() project: ProjectRecord,
    @Param('schema') name: string,
    @Body() raw: unknown, // the body's meaning depends on the schema's type
  ): Promise<ValidationResultDto> {
    return this.schemas.validate(project, name, raw);
  }
}
