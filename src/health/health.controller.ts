import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { hostname } from 'node:os';
import { Open } from '../auth/action.decorator.js';
import { Context, type RequestContext } from '../auth/caller.js';
import { AmsError } from '../common/ams-error.js';
import { HealthService } from './health.service.js';
import { VERSION } from '../common/version.js';

class PushServerDto {
  @ApiProperty({ example: 'ams-host:8080' }) endpoint!: string;
  @ApiProperty({ example: 'SERVING' }) status!: string;
}

class BackendDto {
  @ApiProperty({ example: 'mongodb', description: 'sqlite (embedded store), mongodb or kafka (kafka-mongo store)' }) name!: string;
  @ApiProperty() reachable!: boolean;
  @ApiProperty({ example: 1.25, description: 'round trip of a ping, milliseconds' }) latency_ms!: number;
  @ApiPropertyOptional({ description: 'why the ping failed' }) error?: string;
}

class StatusDto {
  @ApiProperty({ example: 'ok', description: '`unavailable` (a backend is down) only with details=true; without, 503' })
  status!: string;
  @ApiPropertyOptional({ type: [PushServerDto], description: 'push on: our push engine' }) push_servers?: PushServerDto[];
  @ApiPropertyOptional({ example: 'disabled', description: 'push off' }) push_functionality?: string;
  @ApiPropertyOptional({ example: 'embedded', description: 'details=true: the storage backend (AMS_STORE)' }) store?: string;
  @ApiPropertyOptional({ example: '0.1.0', description: 'details=true: the release' }) version?: string;
  @ApiPropertyOptional({ type: [BackendDto], description: 'details=true: each dependency of the store' }) backends?: BackendDto[];
}

class VersionDto {
  @ApiProperty() build_time!: string;
  @ApiProperty({ description: 'runtime of the service (the original reports its Go version here)' }) golang!: string;
  @ApiProperty() compiler!: string;
  @ApiProperty() os!: string;
  @ApiProperty() architecture!: string;
  @ApiPropertyOptional() release?: string;
  @ApiPropertyOptional() hostname?: string;
}

const STARTED = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const isAdminView = (ctx: RequestContext): boolean =>
  ctx.caller.user !== null && (ctx.caller.roles.has('service_admin') || ctx.caller.roles.has('admin_viewer'));

@ApiTags('status')
@Controller('v1')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('status')
  @Open()
  @ApiOperation({ summary: 'Service health; `details=true` needs a service_admin or admin_viewer token' })
  @ApiQuery({ name: 'details', required: false })
  @ApiOkResponse({ type: StatusDto })
  @ApiUnauthorizedResponse({ description: '`details=true` with a user token that is neither service_admin nor admin_viewer' })
  @ApiForbiddenResponse({ description: '`details=true` without a known user token' })
  async status(@Context() ctx: RequestContext, @Query('details') details?: string): Promise<StatusDto> {
    if (details === 'true') {
      // spec 3.8: the original swaps these two, and clients have been written against it. The service token is no
      // user, so the original does not find it: 403 as for an unknown token (spec 4.10).
      if (ctx.token !== 'known' || ctx.caller.user === null) throw AmsError.forbidden();
      if (!isAdminView(ctx)) throw AmsError.unauthorized();
    }
    return this.health.status(details === 'true');
  }

  @Get('version')
  @Open()
  @ApiOperation({ summary: 'Build information; `release` only for service_admin and admin_viewer' })
  @ApiOkResponse({ type: VersionDto })
  version(@Context() ctx: RequestContext): VersionDto {
    const body: VersionDto = {
      build_time: STARTED,
      golang: `node ${process.version}`,
      compiler: 'tsc',
      os: process.platform,
      architecture: process.arch,
      hostname: hostname(),
    };
    if (isAdminView(ctx)) body.release = VERSION;
    return body;
  }
}
