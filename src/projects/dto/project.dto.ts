import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { AmsError } from '../../common/ams-error.js';
import { FreeText, JsonBody } from '../../common/json-body.js';

@JsonBody({ invalid: () => AmsError.invalid('Invalid Project Arguments') })
export class CreateProjectDto {
  @ApiPropertyOptional({ example: 'monitoring probes of site A' })
  @IsOptional()
  @IsString()
  @FreeText('long')
  description?: string;
}

@JsonBody({ invalid: () => AmsError.badRequestBody() })
export class UpdateProjectDto {
  @ApiPropertyOptional({ description: 'new name (rename)' })
  @IsOptional()
  @IsString()
  @FreeText('short')
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @FreeText('long')
  description?: string;
}

export class ProjectDto {
  @ApiProperty({ example: 'ARGO' }) name!: string;
  @ApiProperty({ example: '2024-03-01T10:00:05Z' }) created_on!: string;
  @ApiProperty({ example: '2024-03-01T10:00:05Z' }) modified_on!: string;
  @ApiPropertyOptional({ description: 'name of the creating user' }) created_by?: string;
  @ApiPropertyOptional() description?: string;
}

export class ProjectListDto {
  @ApiPropertyOptional({ type: [ProjectDto], description: 'absent when there are no projects (as the original)' })
  projects?: ProjectDto[];
}
