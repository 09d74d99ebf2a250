import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { JsonBody, Nested } from '../../common/json-body.js';
import { IsStringMap } from '../../common/validators.js';

@JsonBody({ invalid: () => AmsError.badRequestBody(), emptyIsObject: true })
export class CreateTopicDto {
  @ApiPropertyOptional({ example: 'projects/ARGO/schemas/probe-result', description: 'schema the messages must follow' })
  @IsOptional()
  @IsString()
  schema?: string;
}

/** `:attachSchema`: the schema to attach; an empty body, `{}` or an empty `schema` detaches (spec 3.5). */
@JsonBody({ invalid: () => AmsError.badRequestBody(), emptyIsObject: true })
export class AttachSchemaDto {
  @ApiPropertyOptional({ example: 'projects/ARGO/schemas/probe-result' })
  @IsOptional()
  @IsString()
  schema?: string;
}

export class MessageInDto {
  @ApiPropertyOptional({ example: 'aGVsbG8=', description: 'payload, base64 by convention (checked only with a schema)' })
  @IsOptional()
  @IsString()
  data?: string;

  @ApiPropertyOptional({ example: { station: 'A1' }, type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsStringMap()
  attributes?: Record<string, string>;
}

@JsonBody({ invalid: () => AmsError.invalid('Invalid Message Arguments') })
export class PublishDto {
  @ApiPropertyOptional({ type: [MessageInDto] })
  @IsOptional()
  @IsArray()
  @Nested(() => MessageInDto, { each: true })
  messages?: MessageInDto[];
}

export class PublishResultDto {
  @ApiProperty({ example: ['0', '1'], type: [String] }) messageIds!: string[];
}

export class TopicDto {
  @ApiProperty({ example: '/projects/ARGO/topics/probes' }) name!: string;
  @ApiPropertyOptional({ example: 'projects/ARGO/schemas/probe-result' }) schema?: string;
  @ApiProperty({ example: '2024-03-01T10:00:05Z' }) created_on!: string;
}

export class TopicPageDto {
  @ApiProperty({ type: [TopicDto] }) topics!: TopicDto[];
  @ApiProperty() nextPageToken!: string;
  @ApiProperty() totalSize!: number;
}

export class TopicSubscriptionsDto {
  @ApiProperty({ type: [String], example: ['/projects/ARGO/subscriptions/alerts'] }) subscriptions!: string[];
}
