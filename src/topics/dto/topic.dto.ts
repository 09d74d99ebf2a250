import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsArray, IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { JsonBody, Nested } from '../../common/json-body.js';
import { IsStringMap, IsStringOrNumber } from '../../common/validators.js';

const RETENTION_DOC: ApiPropertyOptions = {
  example: '604800s',
  oneOf: [{ type: 'string', pattern: '^[0-9]+s$' }, { type: 'integer' }],
  description:
    'extension (pubsub-extensions 7): how long messages are kept after their publish, 600s to 2678400s (31 days), as "600s" or whole seconds; absent: the service\'s retention (AMS_MESSAGE_RETENTION_S)',
} as const;

@JsonBody({ invalid: () => AmsError.badRequestBody(), emptyIsObject: true })
export class CreateTopicDto {
  @ApiPropertyOptional({ example: 'projects/ARGO/schemas/probe-result', description: 'schema the messages must follow' })
  @IsOptional()
  @IsString()
  schema?: string;

  @ApiPropertyOptional(RETENTION_DOC)
  @IsOptional()
  @IsStringOrNumber()
  messageRetentionDuration?: string | number;
}

/**
 * `PATCH .../topics/T` (pubsub-extensions 10): the fields to change. With `updateMask` (comma-separated field names)
 * only the named fields change, and a named field absent from the body goes back to its default.
 */
@JsonBody({ invalid: () => AmsError.badRequestBody(), emptyIsObject: true })
export class UpdateTopicDto {
  @ApiPropertyOptional(RETENTION_DOC)
  @IsOptional()
  @IsStringOrNumber()
  messageRetentionDuration?: string | number;

  @ApiPropertyOptional({ example: 'messageRetentionDuration', description: 'comma-separated names of the fields to change' })
  @IsOptional()
  @IsString()
  updateMask?: string;
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
  @ApiPropertyOptional({ example: '86400s', description: 'shown only when the topic has its own retention' })
  messageRetentionDuration?: string;
}

export class TopicPageDto {
  @ApiProperty({ type: [TopicDto] }) topics!: TopicDto[];
  @ApiProperty() nextPageToken!: string;
  @ApiProperty() totalSize!: number;
}

export class TopicSubscriptionsDto {
  @ApiProperty({ type: [String], example: ['/projects/ARGO/subscriptions/alerts'] }) subscriptions!: string[];
}
