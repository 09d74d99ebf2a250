import { ApiProperty } from '@nestjs/swagger';
import { MetricListDto } from './metric.dto.js';

export class ProjectUsageDto {
  @ApiProperty({ example: 'ARGO' }) project!: string;
  @ApiProperty({ type: 'integer', example: 27, description: 'messages published in the window' }) message_count!: number;
  @ApiProperty({ example: 0.03, description: 'message_count per day of the window, rounded up to 2 decimals' })
  average_daily_messages!: number;
  @ApiProperty({ type: 'integer', example: 3, description: 'topics created in the window' }) topics_count!: number;
  @ApiProperty({ type: 'integer', example: 6, description: 'subscriptions created in the window' }) subscriptions_count!: number;
  @ApiProperty({ type: 'integer', example: 0, description: 'members of the project created in the window' }) users_count!: number;
}

export class ProjectsMetricsDto {
  @ApiProperty({ type: [ProjectUsageDto], description: 'projects with messages in the window' })
  projects!: ProjectUsageDto[];
  @ApiProperty({ type: 'integer', example: 27 }) total_message_count!: number;
  @ApiProperty({ example: 0.03, description: "sum of the projects' averages" }) average_daily_messages!: number;
}

/** The VA report (spec 3.8): message counts per project, and resources created in the window. */
export class VaReportDto {
  @ApiProperty({ type: ProjectsMetricsDto }) projects_metrics!: ProjectsMetricsDto;
  @ApiProperty({ type: 'integer', example: 0 }) total_users_count!: number;
  @ApiProperty({ type: 'integer', example: 3 }) total_topics_count!: number;
  @ApiProperty({ type: 'integer', example: 6 }) total_subscriptions_count!: number;
}

export class UsageReportDto {
  @ApiProperty({ type: VaReportDto }) va_metrics!: VaReportDto;
  @ApiProperty({ type: MetricListDto, description: 'CPU and memory use of the service node' })
  operational_metrics!: MetricListDto;
}
