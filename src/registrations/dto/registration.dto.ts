import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { FreeText, JsonBody } from '../../common/json-body.js';

/** `POST /registrations`: the future user's fields (spec 3.4). `name` must be a valid user name. */
@JsonBody({ invalid: () => AmsError.invalid('Invalid User Arguments') })
export class RegisterDto {
  @ApiPropertyOptional({ example: 'new-user', description: 'the future user name: `^[a-zA-Z0-9_-]+$`' })
  @IsOptional()
  @IsString()
  @FreeText('short')
  name?: string;

  @ApiPropertyOptional({ example: 'Ada' }) @IsOptional() @IsString() @FreeText('short') first_name?: string;
  @ApiPropertyOptional({ example: 'Lovelace' }) @IsOptional() @IsString() @FreeText('short') last_name?: string;
  @ApiPropertyOptional({ example: 'ada@example.org' }) @IsOptional() @IsString() @FreeText('short') email?: string;
  @ApiPropertyOptional({ example: 'ACME' }) @IsOptional() @IsString() @FreeText('short') organization?: string;
  @ApiPropertyOptional({ example: 'wants to publish probe results' })
  @IsOptional()
  @IsString()
  @FreeText('long')
  description?: string;
}

/** `POST /registrations/{uuid}:decline`: a JSON object is required (an empty body is a 400), `comment` optional. */
@JsonBody({ invalid: () => AmsError.badRequestBody() })
export class DeclineDto {
  @ApiPropertyOptional({ example: 'unknown organization', description: 'shown as `decline_comment`' })
  @IsOptional()
  @IsString()
  @FreeText('long')
  comment?: string;
}

export class RegistrationDto {
  @ApiProperty() uuid!: string;
  @ApiProperty() name!: string;
  @ApiProperty() first_name!: string;
  @ApiProperty() last_name!: string;
  @ApiProperty() organization!: string;
  @ApiProperty() description!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['pending', 'accepted', 'declined'] }) status!: string;
  @ApiPropertyOptional({ description: 'declined registrations with a comment' }) decline_comment?: string;
  @ApiPropertyOptional({
    description: '64 hex characters; pending registrations only (cleared when the registration is accepted or declined)',
  })
  activation_token?: string;

  @ApiProperty({ example: '2024-03-01T10:00:05Z' }) registered_at!: string;
  @ApiPropertyOptional({ description: 'name of the user who accepted or declined; absent for the service token' })
  modified_by?: string;

  @ApiPropertyOptional({ example: '2024-03-01T10:00:05Z', description: 'when it was accepted or declined' })
  modified_at?: string;
}

export class RegistrationListDto {
  @ApiProperty({ type: [RegistrationDto] }) user_registrations!: RegistrationDto[];
}
