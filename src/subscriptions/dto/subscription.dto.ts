import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { JsonBody, Nested } from '../../common/json-body.js';
import { IsWholeNumber } from '../../common/validators.js';

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

@JsonBody({ invalid: () => AmsError.invalid('Invalid Offset Arguments') })
export class ModifyOffsetDto {
  @ApiPropertyOptional({ example: 0 }) @IsOptional() @IsWholeNumber() offset?: number;
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
