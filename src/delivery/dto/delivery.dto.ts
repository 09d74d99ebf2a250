import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { JsonBody } from '../../common/json-body.js';
import { IsStringOrBoolean, IsStringOrNumber, IsWholeNumber } from '../../common/validators.js';

@JsonBody({ invalid: () => AmsError.invalid('Invalid Pull Parameters Arguments') })
export class PullDto {
  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'integer' }],
    example: '10',
    description: 'a string, as AMS clients send it; numbers are accepted too',
  })
  @IsOptional()
  @IsStringOrNumber()
  maxMessages?: string | number;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'boolean' }],
    example: 'false',
    description: 'only "false" waits for messages',
  })
  @IsOptional()
  @IsStringOrBoolean()
  returnImmediately?: string | boolean;
}

@JsonBody({ invalid: () => AmsError.invalid('Invalid ack parameter') })
export class AcknowledgeDto {
  @ApiProperty({ type: [String], example: ['projects/ARGO/subscriptions/alerts:7'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  ackIds?: string[];
}

export const INVALID_ACK_DEADLINE = 'Invalid ackDeadlineSeconds(needs value between 0 and 600) Arguments';

@JsonBody({ invalid: () => AmsError.invalid(INVALID_ACK_DEADLINE) })
export class ModifyAckDeadlineDto {
  @ApiPropertyOptional({ example: 60, minimum: 0, maximum: 600 })
  @IsOptional()
  @IsWholeNumber()
  ackDeadlineSeconds?: number;

  @ApiPropertyOptional({
    type: [String],
    description: 'extension, individual ack mode: change the leases of these deliveries instead (0 = nack, redeliver now)',
  })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  ackIds?: string[];
}

export class MessageOutDto {
  @ApiProperty({ example: '7' }) messageId!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) attributes?: Record<string, string>;
  @ApiProperty() data!: string;
  @ApiProperty({ example: '2024-03-01T10:00:05.12345Z' }) publishTime!: string;
}

export class ReceivedMessageDto {
  @ApiProperty({ example: 'projects/ARGO/subscriptions/alerts:7' }) ackId!: string;
  @ApiProperty({ type: MessageOutDto }) message!: MessageOutDto;
  @ApiPropertyOptional({ example: 1, description: 'individual ack mode only: 1 on first delivery, +1 per expiry or nack' })
  deliveryAttempt?: number;
}

export class PullResultDto {
  @ApiProperty({ type: [ReceivedMessageDto] }) receivedMessages!: ReceivedMessageDto[];
}
