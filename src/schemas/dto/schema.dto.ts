import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { JsonBody } from '../../common/json-body.js';

const EXAMPLE_DOCUMENT = {
  type: 'object',
  properties: { name: { type: 'string' }, email: { type: 'string' } },
  required: ['name', 'email'],
};

@JsonBody({ invalid: () => AmsError.invalid('Invalid Schema Arguments') })
export class CreateSchemaDto {
  @ApiProperty({ example: 'json', description: "'json' (JSON Schema, drafts 4 to 7) or 'avro', in any case" })
  @IsOptional()
  @IsString()
  type?: string;

  @ApiProperty({ example: EXAMPLE_DOCUMENT, type: 'object', additionalProperties: true, description: 'the schema document' })
  @IsOptional()
  @IsObject()
  schema?: Record<string, unknown>;
}

@JsonBody({ invalid: () => AmsError.invalid('Invalid Schema Arguments') })
export class UpdateSchemaDto {
  @ApiPropertyOptional({ example: 'projects/ARGO/schemas/probe-result-v2', description: 'a new name, as a full reference' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ example: 'avro' })
  @IsOptional()
  @IsString()
  type?: string;

  @ApiPropertyOptional({ example: EXAMPLE_DOCUMENT, type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  schema?: Record<string, unknown>;
}

/** The body of `:validate` for an Avro schema; a JSON schema's `:validate` takes the raw body as the document. */
@JsonBody({ invalid: () => AmsError.badRequestBody() })
export class AvroPayloadDto {
  @ApiPropertyOptional({ example: 'DGFnZWxvc8T8Cg==', description: 'one binary Avro datum, base64' })
  @IsOptional()
  @IsString()
  data?: string;
}

export class SchemaDto {
  @ApiProperty({ example: '50811bd1-c94c-4ad7-8f55-a561c6270b50' }) uuid!: string;
  @ApiProperty({ example: 'projects/ARGO/schemas/probe-result' }) name!: string;
  @ApiProperty({ example: 'json', enum: ['json', 'avro'] }) type!: string;
  @ApiProperty({ example: EXAMPLE_DOCUMENT, type: 'object', additionalProperties: true }) schema!: Record<string, unknown>;
}

export class SchemaListDto {
  @ApiProperty({ type: [SchemaDto] }) schemas!: SchemaDto[];
}

export class ValidationResultDto {
  @ApiProperty({ example: 'Message validated successfully' }) message!: string;
}
