import { applyDecorators, Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Action, Open } from '../auth/action.decorator.js';
import { type Caller, CallerParam, Context, type RequestContext, UrlProject } from '../auth/caller.js';
import { AmsError } from '../common/ams-error.js';
import { verb } from '../common/routes.js';
import type { ProjectRecord } from '../storage/ports/records.js';
import { MetricListDto } from './dto/metric.dto.js';
import { UsageReportDto, VaReportDto } from './dto/usage-report.dto.js';
import { MetricsService, type ReportQuery } from './metrics.service.js';

/** Query parameters: the first value wins when one is repeated (spec 1.3). */
const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

const reportQuery = (
  startDate: string | string[] | undefined,
  endDate: string | string[] | undefined,
  projects: string | string[] | undefined,
): ReportQuery => ({ startDate: first(startDate), endDate: first(endDate), projects: first(projects) });

/** The report window and project filter, shared by usageReport and va_metrics. */
const ReportQueries = (): MethodDecorator =>
  applyDecorators(
    ApiQuery({ name: 'start_date', type: String, required: false, example: '2024-03-01', description: 'default 1970-01-01' }),
    ApiQuery({ name: 'end_date', type: String, required: false, example: '2024-03-31', description: 'whole day; default today' }),
    ApiQuery({ name: 'projects', type: String, required: false, example: 'ARGO,ARGO-2', description: 'narrow to these projects' }),
  );

/** The metrics and reports of spec 3.8; the `:metrics` routes of projects, topics and subscriptions live here too. */
@Controller('v1')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('users/usageReport')
  @Open()
  @ApiTags('users')
  @ApiOperation({
    summary: 'Usage of the projects the caller administers, with the operational metrics of the service',
    description: 'Any user token; projects where the caller is project_admin count. 401 without a user token.',
  })
  @ReportQueries()
  @ApiOkResponse({ type: UsageReportDto })
  @ApiUnauthorizedResponse({ description: 'no user token (UNAUTHORIZED)' })
  usageReport(
    @Context() ctx: RequestContext,
    @Query('start_date') startDate?: string | string[],
    @Query('end_date') endDate?: string | string[],
    @Query('projects') projects?: string | string[],
  ): Promise<UsageReportDto> {
    // Open route that authenticates itself (spec 2.1); the service token is no user (spec 3.3).
    if (ctx.token !== 'known') throw AmsError.unauthorized();
    return this.metrics.usageReport(ctx.caller, reportQuery(startDate, endDate, projects));
  }

  @Get('metrics')
  @Action('ams:metrics')
  @ApiTags('metrics')
  @ApiOperation({ summary: "CPU and memory use of every API node (each node's latest sample; this node's is fresh)" })
  @ApiOkResponse({ type: MetricListDto })
  operational(): Promise<MetricListDto> {
    return this.metrics.operationalMetrics();
  }

  @Get('metrics/va_metrics')
  @Action('ams:vaMetrics')
  @ApiTags('metrics')
  @ApiOperation({ summary: 'Messages per project and resources created, over a window of days (all projects or those named)' })
  @ReportQueries()
  @ApiOkResponse({ type: VaReportDto })
  vaMetrics(
    @Query('start_date') startDate?: string | string[],
    @Query('end_date') endDate?: string | string[],
    @Query('projects') projects?: string | string[],
  ): Promise<VaReportDto> {
    return this.metrics.vaMetrics(reportQuery(startDate, endDate, projects));
  }

  @Get(`projects/${verb('project', 'metrics')}`)
  @Action('projects:metrics')
  @ApiTags('projects')
  @ApiOperation({ summary: 'Topics, subscriptions, per-member ACL counts and daily messages of a project' })
  @ApiOkResponse({ type: MetricListDto })
  project(@UrlProject() project: ProjectRecord): Promise<MetricListDto> {
    return this.metrics.projectMetrics(project);
  }

  @Get(`projects/:project/topics/${verb('topic', 'metrics')}`)
  @Action('topics:metrics')
  @ApiTags('topics')
  @ApiOperation({ summary: 'Subscriptions, messages, bytes, daily messages and publishing rate of a topic' })
  @ApiOkResponse({ type: MetricListDto })
  topic(@CallerParam() caller: Caller, @UrlProject() project: ProjectRecord, @Param('topic') name: string): Promise<MetricListDto> {
    return this.metrics.topicMetrics(caller, project, name);
  }

  @Get(`projects/:project/subscriptions/${verb('subscription', 'metrics')}`)
  @Action('subscriptions:metrics')
  @ApiTags('subscriptions')
  @ApiOperation({ summary: 'Messages and bytes returned by pulls of a subscription, and its consumption rate' })
  @ApiOkResponse({ type: MetricListDto })
  subscription(
    @CallerParam() caller: Caller,
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
  ): Promise<MetricListDto> {
    return this.metrics.subscriptionMetrics(caller, project, name);
  }
}
