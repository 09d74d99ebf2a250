import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { Nested } from '../../common/json-body.js';
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
