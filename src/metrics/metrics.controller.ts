import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Open } from '../auth/action.decorator.js';
import { Context, type RequestContext } from '../auth/caller.js';
import { AmsError } from '../common/ams-error.js';
import { UsageReportDto } from './dto/usage-report.dto.js';
import { MetricsService } from './metrics.service.js';

/** Query parameters: the first value wins when one is repeated (spec 1.3). */
const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

@ApiTags('users')
@Controller('v1')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('users/usageReport')
  @Open()
  @ApiOperation({
    summary: 'Usage of the projects the caller administers, with the operational metrics of the service',
    description: 'Any user token; projects where the caller is project_admin count. 401 without a user token.',
  })
  @ApiQuery({ name: 'start_date', type: String, required: false, example: '2024-03-01', description: 'default 1970-01-01' })
  @ApiQuery({ name: 'end_date', type: String, required: false, example: '2024-03-31', description: 'whole day; default today' })
  @ApiQuery({ name: 'projects', type: String, required: false, example: 'ARGO,ARGO-2', description: 'narrow to these projects' })
  @ApiOkResponse({ type: UsageReportDto })
  usageReport(
    @Context() ctx: RequestContext,
    @Query('start_date') startDate?: string | string[],
    @Query('end_date') endDate?: string | string[],
    @Query('projects') projects?: string | string[],
  ): Promise<UsageReportDto> {
    // Open route that authenticates itself (spec 2.1); the service token is no user (spec 3.3).
    if (ctx.token !== 'known') throw AmsError.unauthorized();
    return this.metrics.usageReport(ctx.caller, {
      startDate: first(startDate),
      endDate: first(endDate),
      projects: first(projects),
    });
  }
}
