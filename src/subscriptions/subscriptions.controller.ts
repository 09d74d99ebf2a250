import { Body, Controller, HttpCode, Delete, Get, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Action } from '../auth/action.decorator.js';
import { type Caller, CallerParam, UrlProject } from '../auth/caller.js';
import { AclDto, ModifySubscriptionAclDto } from '../common/dto/acl.dto.js';
import { pageQuery } from '../common/pagination.js';
import { verb } from '../common/routes.js';
import type { ProjectRecord } from '../storage/ports/records.js';
import { DeliveryService } from '../delivery/delivery.service.js';
import { AcknowledgeDto, ModifyAckDeadlineDto, PullDto, PullResultDto } from '../delivery/dto/delivery.dto.js';
import {
  CreateSubscriptionDto,
  ModifyOffsetDto,
  ModifyPushConfigDto,
  OffsetDto,
  OffsetsDto,
  SubscriptionDto,
  SubscriptionPageDto,
  UpdateSubscriptionDto,
} from './dto/subscription.dto.js';
import { SubscriptionsService } from './subscriptions.service.js';

/** Fires when the client disconnects before its answer was sent, so a long-poll stops waiting. */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

@ApiTags('subscriptions')
@Controller('v1/projects/:project/subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly delivery: DeliveryService,
  ) {}

  @Get()
  @Action('subscriptions:list')
  @ApiOperation({ summary: 'Subscriptions of the project, newest first (consumers see those whose ACL holds them)' })
  @ApiQuery({ name: 'pageSize', required: false })
  @ApiQuery({ name: 'pageToken', required: false })
  @ApiOkResponse({ type: SubscriptionPageDto })
  list(
    @CallerParam() caller: Caller,
    @UrlProject() project: ProjectRecord,
    @Query('pageSize') pageSize?: string,
    @Query('pageToken') pageToken?: string,
  ): Promise<SubscriptionPageDto> {
    return this.subscriptions.list(caller, project, pageQuery(pageSize, pageToken));
  }

  @Put(':subscription')
  @Action('subscriptions:create')
  @ApiOperation({ summary: 'Create a subscription; it receives what is published from now on' })
  @ApiOkResponse({ type: SubscriptionDto })
  create(
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
    @Body() body: CreateSubscriptionDto,
  ): Promise<SubscriptionDto> {
    return this.subscriptions.create(project, name, body);
  }

  @Patch(':subscription')
  @Action('subscriptions:update')
  @ApiOperation({ summary: 'Change a subscription (extension, pubsub-extensions 10): its expirationPolicy' })
  @ApiOkResponse({ type: SubscriptionDto })
  update(
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
    @Body() body: UpdateSubscriptionDto,
  ): Promise<SubscriptionDto> {
    return this.subscriptions.update(project, name, body);
  }

  @Get(':subscription')
  @Action('subscriptions:show')
  @ApiOperation({ summary: 'A subscription (with pushStatus when push and verified)' })
  @ApiOkResponse({ type: SubscriptionDto })
  show(@UrlProject() project: ProjectRecord, @Param('subscription') name: string): Promise<SubscriptionDto> {
    return this.subscriptions.show(project, name);
  }

  @Delete(':subscription')
  @Action('subscriptions:delete')
  @ApiOperation({ summary: 'Delete a subscription (empty body, or a deactivation message for active push)' })
  @ApiOkResponse({ description: 'empty body' })
  delete(@UrlProject() project: ProjectRecord, @Param('subscription') name: string): Promise<{ message: string } | undefined> {
    return this.subscriptions.delete(project, name);
  }

  @Post(verb('subscription', 'pull'))
  @HttpCode(200)
  @Action('subscriptions:pull')
  @ApiOperation({
    summary:
      'Pull messages from the acknowledged offset on (the same window until acknowledged); individual ack mode: leased, disjoint messages',
  })
  @ApiBody({ type: PullDto })
  @ApiOkResponse({ type: PullResultDto })
  pull(
    @CallerParam() caller: Caller,
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
    @Body() raw: unknown, // decoded by the service, after the existence and ACL checks (spec 4.2 order)
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PullResultDto> {
    return this.delivery.pull(caller, project, name, raw, clientGone(reply));
  }

  @Post(verb('subscription', 'acknowledge'))
  @HttpCode(200)
  @Action('subscriptions:acknowledge')
  @ApiOperation({
    summary: 'Acknowledge everything up to the highest ackId given (individual ack mode: exactly the ackIds given)',
  })
  @ApiOkResponse({ description: '`{}`' })
  acknowledge(
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
    @Body() body: AcknowledgeDto,
  ): Promise<Record<string, never>> {
    return this.delivery.acknowledge(project, name, body.ackIds);
  }

  @Post(verb('subscription', 'modifyAckDeadline'))
  @HttpCode(200)
  @Action('subscriptions:modifyAckDeadline')
  @ApiOperation({
    summary:
      'Change the acknowledgement deadline, 0 to 600 seconds (empty body); with ackIds (individual ack mode) the leases of those messages',
  })
  @ApiOkResponse({ description: 'empty body' })
  modifyAckDeadline(
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
    @Body() body: ModifyAckDeadlineDto,
  ): Promise<void> {
    return this.delivery.modifyAckDeadline(project, name, body.ackDeadlineSeconds, body.ackIds);
  }

  @Post(verb('subscription', 'modifyPushConfig'))
  @HttpCode(200)
  @Action('subscriptions:modifyPushConfig')
  @ApiOperation({ summary: 'Set the push configuration; absent or {} turns the subscription back to pull' })
  @ApiOkResponse({ description: 'empty body' })
  modifyPushConfig(
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
    @Body() body: ModifyPushConfigDto,
  ): Promise<void> {
    return this.subscriptions.modifyPushConfig(project, name, body.pushConfig);
  }

  @Post(verb('subscription', 'verifyPushEndpoint'))
  @HttpCode(200)
  @Action('subscriptions:verifyPushEndpoint')
  @ApiOperation({
    summary: 'Verify the push endpoint: GET https://<host>/ams_verification_hash must answer 200 with the verificationHash',
  })
  @ApiOkResponse({ description: 'empty body' })
  verifyPushEndpoint(@UrlProject() project: ProjectRecord, @Param('subscription') name: string): Promise<void> {
    return this.subscriptions.verifyPushEndpoint(project, name);
  }

  @Get(verb('subscription', 'offsets'))
  @Action('subscriptions:offsets')
  @ApiOperation({ summary: 'Oldest, newest and current offset of a subscription' })
  @ApiOkResponse({ type: OffsetsDto })
  offsets(@UrlProject() project: ProjectRecord, @Param('subscription') name: string): Promise<OffsetsDto> {
    return this.subscriptions.offsets(project, name);
  }

  @Post(verb('subscription', 'modifyOffset'))
  @HttpCode(200)
  @Action('subscriptions:modifyOffset')
  @ApiOperation({ summary: 'Move the subscription to an offset between min and max; the next pull starts there' })
  @ApiOkResponse({ description: 'empty body' })
  modifyOffset(
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
    @Body() body: ModifyOffsetDto,
  ): Promise<void> {
    return this.subscriptions.modifyOffset(project, name, body.offset);
  }

  @Get(verb('subscription', 'timeToOffset'))
  @Action('subscriptions:timeToOffset')
  @ApiOperation({ summary: 'The first offset published at or after a time' })
  @ApiQuery({ name: 'time', example: '2019-09-02T13:39:11.100Z' })
  @ApiOkResponse({ type: OffsetDto })
  timeToOffset(
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
    @Query('time') time?: string,
  ): Promise<OffsetDto> {
    return this.subscriptions.timeToOffset(project, name, time);
  }

  @Get(verb('subscription', 'acl'))
  @Action('subscriptions:acl')
  @ApiOperation({ summary: 'The users allowed to pull from a subscription' })
  @ApiOkResponse({ type: AclDto })
  acl(@UrlProject() project: ProjectRecord, @Param('subscription') name: string): Promise<AclDto> {
    return this.subscriptions.showAcl(project, name);
  }

  @Post(verb('subscription', 'modifyAcl'))
  @HttpCode(200)
  @Action('subscriptions:modifyAcl')
  @ApiOperation({ summary: 'Replace the users allowed to pull (members of the project)' })
  @ApiOkResponse({ description: 'empty body' })
  modifyAcl(
    @UrlProject() project: ProjectRecord,
    @Param('subscription') name: string,
    @Body() body: ModifySubscriptionAclDto,
  ): Promise<void> {
    return this.subscriptions.modifyAcl(project, name, body.authorized_users);
  }
}
