import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { JsonBody, Nested } from '../../common/json-body.js';
import { IsStringOrNumber, IsWholeNumber } from '../../common/validators.js';
import { PushConfigInDto, PushConfigOutDto } from '../../push/dto/push-config.dto.js';

const invalidSubscription = (): AmsError => AmsError.invalid('Invalid Subscription Arguments');

/** pubsub-extensions 7: delete the subscription after `ttl` without a pull, acknowledge or push delivery. */
export class ExpirationPolicyDto {
  @ApiPropertyOptional({
    example: '2678400s',
    oneOf: [{ type: 'string', pattern: '^[0-9]+s$' }, { type: 'integer' }],
    description: 'at least 86400s (one day), as "Ns" or whole seconds; absent: never expires',
  })
  @IsOptional()
  @IsStringOrNumber()
  ttl?: string | number;
}

export class ExpirationPolicyOutDto {
  @ApiProperty({ example: '2678400s' }) ttl!: string;
}

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

  @ApiPropertyOptional({ type: ExpirationPolicyDto, description: 'extension (pubsub-extensions 7); absent: never expires' })
  @IsOptional()
  @Nested(() => ExpirationPolicyDto)
  expirationPolicy?: ExpirationPolicyDto;
}

/**
 * `PATCH .../subscriptions/S` (pubsub-extensions 10): the fields to change. With `updateMask` (comma-separated field
 * names) only the named fields change, and a named field absent from the body goes back to its default.
 */
@JsonBody({ invalid: invalidSubscription, emptyIsObject: true })
export class UpdateSubscriptionDto {
  @ApiPropertyOptional({ type: ExpirationPolicyDto })
  @IsOptional()
  @Nested(() => ExpirationPolicyDto)
  expirationPolicy?: ExpirationPolicyDto;

  @ApiPropertyOptional({ example: 'expirationPolicy', description: 'comma-separated names of the fields to change' })
  @IsOptional()
  @IsString()
  updateMask?: string;
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

export class SubscriptionDto {
  @ApiProperty({ example: '/projects/ARGO/subscriptions/alerts' }) name!: string;
  @ApiProperty({ example: '/projects/ARGO/topics/probes' }) topic!: string;
  @ApiProperty({ type: PushConfigOutDto }) pushConfig!: PushConfigOutDto;
  @ApiProperty({ example: 10 }) ackDeadlineSeconds!: number;
  @ApiPropertyOptional({ enum: ['individual'], description: 'shown only for individual ack mode (extension)' })
  ackMode?: string;
  @ApiPropertyOptional() pushStatus?: string;
  @ApiProperty({ example: '2024-03-01T10:00:05Z' }) createdOn!: string;
  @ApiPropertyOptional({ type: ExpirationPolicyOutDto, description: 'shown only when set (extension)' })
  expirationPolicy?: ExpirationPolicyOutDto;
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
