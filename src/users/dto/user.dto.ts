import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { FreeText, JsonBody, Nested } from '../../common/json-body.js';

const invalidUser = (): AmsError => AmsError.invalid('Invalid User Arguments');

export class ProjectRolesDto {
  @ApiPropertyOptional({ example: 'ARGO', description: 'entries without a project are skipped' })
  @IsOptional()
  @IsString()
  project?: string;

  @ApiPropertyOptional({ example: ['consumer'], description: 'project_admin, publisher or consumer' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  roles?: string[];
}

class UserFieldsDto {
  @ApiPropertyOptional({ example: 'bob@example.org' }) @IsOptional() @IsString() @FreeText('short') email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @FreeText('short') first_name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @FreeText('short') last_name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @FreeText('short') organization?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @FreeText('long') description?: string;

  @ApiPropertyOptional({ type: [ProjectRolesDto] })
  @IsOptional()
  @IsArray()
  @Nested(() => ProjectRolesDto, { each: true })
  projects?: ProjectRolesDto[];

  @ApiPropertyOptional({ example: [], description: 'service roles; only a service_admin sets them' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  service_roles?: string[];
}

@JsonBody({ invalid: invalidUser })
export class CreateUserDto extends UserFieldsDto {}

@JsonBody({ invalid: invalidUser })
export class UpdateUserDto extends UserFieldsDto {
  @ApiPropertyOptional({ description: 'new name (rename)' }) @IsOptional() @IsString() @FreeText('short') name?: string;
}

/** Member create/update: only the URL project's entry of `projects` counts; names and service roles are ignored. */
@JsonBody({ invalid: invalidUser })
export class MemberDto extends UserFieldsDto {}

@JsonBody({ invalid: () => AmsError.badRequestBody() })
export class AddMemberDto {
  @ApiPropertyOptional({ example: ['publisher'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  roles?: string[];
}

export class UserProjectDto {
  @ApiProperty() project!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ type: [String], description: 'topics whose ACL holds the user' }) topics!: string[];
  @ApiProperty({ type: [String], description: 'subscriptions whose ACL holds the user' }) subscriptions!: string[];
}

export class UserDto {
  @ApiProperty() uuid!: string;
  @ApiPropertyOptional({ type: [UserProjectDto], description: 'omitted when empty' }) projects?: UserProjectDto[];
  @ApiProperty() name!: string;
  @ApiPropertyOptional() first_name?: string;
  @ApiPropertyOptional() last_name?: string;
  @ApiPropertyOptional() organization?: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ description: 'privileged views only' }) token?: string;
  @ApiProperty() email!: string;
  @ApiProperty({ type: [String] }) service_roles!: string[];
  @ApiProperty({ example: '2024-03-01T10:00:05Z' }) created_on!: string;
  @ApiProperty({ example: '2024-03-01T10:00:05Z' }) modified_on!: string;
  @ApiPropertyOptional() created_by?: string;
}

export class UserPageDto {
  @ApiProperty({ type: [UserDto] }) users!: UserDto[];
  @ApiProperty() nextPageToken!: string;
  @ApiProperty() totalSize!: number;
}
