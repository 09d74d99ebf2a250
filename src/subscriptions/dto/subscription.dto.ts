import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { JsonBody, Nested } from '../../common/json-body.js';
import { IsStringOrBoolean, IsStringOrNumber, IsWholeNumber } from '../../common/validators.js';

export class AuthorizationHeaderInDto {
  @ApiPropertyOptional({ enum: ['autogen', 'disabled'] }) @IsOptional() @IsString() type?: string;
}

export class RetryPolicyInDto {
  @ApiPropertyOptional({ enum: ['linear', 'slowstart'] }) @IsOptional() @IsString() type?: string;
  @ApiPropertyOptional({ description: 'milliseconds between attempts (linear)', example: 3000 })
  @IsOptional()
  @IsWholeNumber()
  period?: number;
}

export class PushConfigInDto {
  @ApiPropertyOptional({ enum: ['http_endpoint', 'mattermost'] }) @IsOptional() @IsString() type?: string;
  @ApiPropertyOptional({ example: 'https://receiver.example.org/push' }) @IsOptional() @IsString() pushEndpoint?: string;
  @ApiPropertyOptional({ example: 1 }) @IsOptional() @IsWholeNumber() maxMessages?: number;

  @ApiPropertyOptional({ type: AuthorizationHeaderInDto })
  @IsOptional()
  @Nested(() => AuthorizationHeaderInDto)
  authorizationHeader?: AuthorizationHeaderInDto;

  @ApiPropertyOptional({ type: RetryPolicyInDto })
  @IsOptional()
  @Nested(() => RetryPolicyInDto)
  retryPolicy?: RetryPolicyInDto;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() base64Decode?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() mattermostUrl?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() mattermostUsername?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() mattermostChannel?: string;
}

const invalidSubscription = (): AmsError => AmsError.invalid('Invalid Subscription Arguments');

@JsonBody({ invalid: invalidSubscription })
export class CreateSubscriptionDto {
  @ApiProperty({ example: 'projects/ARGO/topics/probes' }) @IsOptional() @IsString() topic?: string;
  @ApiPropertyOptional({ example: 10, description: '0 or absent = 10' })
  @IsOptional()
  @IsWholeNumber()
  ackDeadlineSeconds?: number;

  @ApiPropertyOptional({ type: PushConfigInDto })
  @IsOptional()
  @Nested(() => PushConfigInDto)
  pushConfig?: PushConfigInDto;

  @ApiPropertyOptional({
    enum: ['cumulative', 'individual'],
    description: 'extension: individual = per-message leases and acknowledgements (pull only); default cumulative (AMS)',
  })
  @IsOptional()
  @IsString()
  ackMode?: string;
}

@JsonBody({ invalid: invalidSubscription })
export class ModifyPushConfigDto {
  @ApiPropertyOptional({ type: PushConfigInDto, description: 'absent or {} turns the subscription back to pull' })
  @IsOptional()
  @Nested(() => PushConfigInDto)
  pushConfig?: PushConfigInDto;
}

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

@JsonBody({ invalid: () => AmsError.invalid('Invalid Offset Arguments') })
export class ModifyOffsetDto {
  @ApiPropertyOptional({ example: 0 }) @IsOptional() @IsWholeNumber() offset?: number;
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

export class PushConfigOutDto {
  @ApiProperty() type!: string;
  @ApiProperty() pushEndpoint!: string;
  @ApiProperty() maxMessages!: number;
  @ApiProperty({ example: { type: 'autogen', value: '4551..' } }) authorizationHeader!: { type?: string; value?: string };
  @ApiProperty({ example: { type: 'linear', period: 3000 } }) retryPolicy!: { type?: string; period?: number };
  @ApiProperty() verificationHash!: string;
  @ApiProperty() verified!: boolean;
  @ApiProperty() mattermostUrl!: string;
  @ApiProperty() mattermostUsername!: string;
  @ApiProperty() mattermostChannel!: string;
  @ApiProperty() base64Decode!: boolean;
}

export class SubscriptionDto {
  @ApiProperty({ example: '/projects/ARGO/subscriptions/alerts' }) name!: string;
  @ApiProperty({ example: '/projects/ARGO/topics/probes' }) topic!: string;
  @ApiProperty({ type: PushConfigOutDto }) pushConfig!: PushConfigOutDto;
  @ApiProperty({ example: 10 }) ackDeadlineSeconds!: number;
  @ApiPropertyOptional({ enum: ['individual'], description: 'shown only for individual ack mode (extension)' })
  ackMode?: string;
  @ApiPropertyOptional() pushStatus?: string;
  @ApiProperty({ example: '2024-03-01T10:00:05Z' }) createdOn!: string;
}

export class SubscriptionPageDto {
  @ApiProperty({ type: [SubscriptionDto] }) subscriptions!: SubscriptionDto[];
  @ApiProperty() nextPageToken!: string;
  @ApiProperty() totalSize!: number;
}

export class OffsetsDto {
  @ApiProperty() max!: number;
  @ApiProperty() min!: number;
  @ApiProperty() current!: number;
}

export class OffsetDto {
  @ApiProperty() offset!: number;
}
