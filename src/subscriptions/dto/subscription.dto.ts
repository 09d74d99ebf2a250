import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { JsonBody, Nested } from '../../common/json-body.js';
import { IsWholeNumber } from '../../common/validators.js';
import { PushConfigInDto, PushConfigOutDto } from '../../push/dto/push-config.dto.js';

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
