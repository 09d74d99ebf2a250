import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { hostname } from 'node:os';
import { Open } from '../auth/action.decorator.js';
import { Context, type RequestContext } from '../auth/caller.js';
import { AmsError } from '../common/ams-error.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { PUSH_WORKER_LEASE_PREFIX } from '../push/push-dispatcher.js';
import { JOB_LEASES, type JobLeaseStore } from '../storage/ports/job-lease-store.repository.js';
import { MESSAGE_LOG, type MessageLog } from '../storage/ports/message-log.repository.js';
import { PROJECTS, type ProjectStore } from '../storage/ports/project-store.repository.js';
import { USERS, type UserStore } from '../storage/ports/user-store.repository.js';
import { StoreUnavailableError } from '../storage/ports/store-errors.js';
import { VERSION } from './version.js';

class PushServerDto {
  @ApiProperty({ example: 'ams-host:8080' }) endpoint!: string;
  @ApiProperty({ example: 'SERVING' }) status!: string;
}

class StatusDto {
  @ApiProperty({ example: 'ok' }) status!: string;
  @ApiPropertyOptional({ type: [PushServerDto], description: 'push on: our push engine' }) push_servers?: PushServerDto[];
  @ApiPropertyOptional({ example: 'disabled', description: 'push off' }) push_functionality?: string;
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
  constructor(
    @Inject(PROJECTS) private readonly projectStore: ProjectStore,
    @Inject(USERS) private readonly userStore: UserStore,
    @Inject(MESSAGE_LOG) private readonly log: MessageLog,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    @Inject(JOB_LEASES) private readonly leases: JobLeaseStore,
  ) {}

  /** Inline delivery serves with this process; external workers are serving while one renews its heartbeat lease. */
  private async pushServerStatus(): Promise<string> {
    if (this.config.push.worker === 'inline') return 'SERVING';
    const now = new Date();
    const live = (await this.leases.list(PUSH_WORKER_LEASE_PREFIX)).some((lease) => lease.expiresAt > now);
    return live ? 'SERVING' : 'Push server is currently unavailable';
  }

  /** 503 naming the dependency that does not answer, so an operator (or a readiness probe) sees which one. */
  private async checkBackends(): Promise<void> {
    const results = await Promise.allSettled([this.projectStore.ping(), this.log.ping()]);
    const down = results.flatMap((r) =>
      r.status === 'rejected' ? [r.reason instanceof StoreUnavailableError ? r.reason.backend : 'storage'] : [],
    );
    if (down.length > 0) throw AmsError.unavailable(`Backend unavailable: ${[...new Set(down)].join(', ')}`);
  }

  @Get('status')
  @Open()
  @ApiOperation({ summary: 'Service health; `details=true` needs a service_admin or admin_viewer token' })
  @ApiQuery({ name: 'details', required: false })
  @ApiOkResponse({ type: StatusDto })
  async status(@Context() ctx: RequestContext, @Query('details') details?: string): Promise<StatusDto> {
    if (details === 'true') {
      // spec 3.8: the original swaps these two, and clients have been written against it. The service token is no
      // user, so the original does not find it: 403 as for an unknown token (spec 4.10).
      if (ctx.token !== 'known' || ctx.caller.user === null) throw AmsError.forbidden();
      if (!isAdminView(ctx)) throw AmsError.unauthorized();
    }
    await this.checkBackends();
    if (!this.config.push.enabled) return { status: 'ok', push_functionality: 'disabled' };
    // spec 3.8: one entry for our push engine; `warning` when the push worker user is missing (push calls give 500).
    const worker = await this.userStore.userByName(this.config.push.workerUser);
    const ready = worker !== null && worker.serviceRoles.includes('push_worker');
    const status = await this.pushServerStatus();
    return { status: ready ? 'ok' : 'warning', push_servers: [{ endpoint: this.config.push.origin, status }] };
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
