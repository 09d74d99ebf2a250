import { Body, Controller, HttpCode, Delete, Get, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Action } from '../auth/action.decorator.js';
import { type Caller, CallerParam, UrlProject } from '../auth/caller.js';
import { AclDto, ModifyTopicAclDto } from '../common/dto/acl.dto.js';
import { pageQuery } from '../common/pagination.js';
import { verb } from '../common/routes.js';
import type { ProjectRecord } from '../storage/ports/records.js';
import {
  AttachSchemaDto,
  CreateTopicDto,
  PublishDto,
  PublishResultDto,
  TopicDto,
  TopicPageDto,
  TopicSubscriptionsDto,
  UpdateTopicDto,
} from './dto/topic.dto.js';
import { TopicsService } from './topics.service.js';

@ApiTags('topics')
@Controller('v1/projects/:project/topics')
export class TopicsController {
  constructor(private readonly topics: TopicsService) {}

  @Get()
  @Action('topics:list')
  @ApiOperation({ summary: 'Topics of the project, newest first (publishers see those whose ACL holds them)' })
  @ApiQuery({ name: 'pageSize', required: false })
  @ApiQuery({ name: 'pageToken', required: false })
  @ApiOkResponse({ type: TopicPageDto })
  list(
    @CallerParam() caller: Caller,
    @UrlProject() project: ProjectRecord,
    @Query('pageSize') pageSize?: string,
    @Query('pageToken') pageToken?: string,
  ): Promise<TopicPageDto> {
    return this.topics.list(caller, project, pageQuery(pageSize, pageToken));
  }

  @Put(':topic')
  @Action('topics:create')
  @ApiOperation({ summary: 'Create a topic (the body is optional)' })
  @ApiOkResponse({ type: TopicDto })
  create(@UrlProject() project: ProjectRecord, @Param('topic') name: string, @Body() body: CreateTopicDto): Promise<TopicDto> {
    return this.topics.create(project, name, body);
  }

  @Get(':topic')
  @Action('topics:show')
  @ApiOperation({ summary: 'A topic' })
  @ApiOkResponse({ type: TopicDto })
  show(@UrlProject() project: ProjectRecord, @Param('topic') name: string): Promise<TopicDto> {
    return this.topics.show(project, name);
  }

  @Patch(':topic')
  @Action('topics:update')
  @ApiOperation({ summary: 'Change a topic (extension, pubsub-extensions 10): its messageRetentionDuration' })
  @ApiOkResponse({ type: TopicDto })
  update(@UrlProject() project: ProjectRecord, @Param('topic') name: string, @Body() body: UpdateTopicDto): Promise<TopicDto> {
    return this.topics.update(project, name, body);
  }

  @Delete(':topic')
  @Action('topics:delete')
  @ApiOperation({ summary: 'Delete a topic and its messages; its subscriptions remain (empty body)' })
  @ApiOkResponse({ description: 'empty body' })
  delete(@UrlProject() project: ProjectRecord, @Param('topic') name: string): Promise<void> {
    return this.topics.delete(project, name);
  }

  @Post(verb('topic', 'publish'))
  @HttpCode(200)
  @Action('topics:publish')
  @ApiOperation({ summary: 'Publish messages; the answer lists their ids in order' })
  @ApiBody({ type: PublishDto })
  @ApiOkResponse({ type: PublishResultDto })
  publish(
    @CallerParam() caller: Caller,
    @UrlProject() project: ProjectRecord,
    @Param('topic') name: string,
    @Body() raw: unknown, // decoded by the service, after the topic and ACL checks (spec 4.1 order)
  ): Promise<PublishResultDto> {
    return this.topics.publish(caller, project, name, raw);
  }

  @Get(verb('topic', 'acl'))
  @Action('topics:acl')
  @ApiOperation({ summary: 'The users allowed to publish to a topic' })
  @ApiOkResponse({ type: AclDto })
  acl(@UrlProject() project: ProjectRecord, @Param('topic') name: string): Promise<AclDto> {
    return this.topics.showAcl(project, name);
  }

  @Post(verb('topic', 'modifyAcl'))
  @HttpCode(200)
  @Action('topics:modifyAcl')
  @ApiOperation({ summary: 'Replace the users allowed to publish (members of the project)' })
  @ApiOkResponse({ description: 'empty body' })
  modifyAcl(@UrlProject() project: ProjectRecord, @Param('topic') name: string, @Body() body: ModifyTopicAclDto): Promise<void> {
    return this.topics.modifyAcl(project, name, body.authorized_users);
  }

  @Post(verb('topic', 'attachSchema'))
  @HttpCode(200)
  @Action('topics:attachSchema')
  @ApiOperation({ summary: "Attach a schema to the topic; a body without 'schema' detaches it (empty body)" })
  @ApiOkResponse({ description: 'empty body' })
  attachSchema(@UrlProject() project: ProjectRecord, @Param('topic') name: string, @Body() body: AttachSchemaDto): Promise<void> {
    return this.topics.attachSchema(project, name, body);
  }

  @Post(verb('topic', 'detachSchema'))
  @HttpCode(200)
  @Action('topics:detachSchema')
  @ApiOperation({ summary: 'Detach the schema of the topic (empty body)' })
  @ApiOkResponse({ description: 'empty body' })
  detachSchema(@UrlProject() project: ProjectRecord, @Param('topic') name: string): Promise<void> {
    return this.topics.detachSchema(project, name);
  }

  @Get(':topic/subscriptions')
  @Action('subscriptions:listByTopic')
  @ApiOperation({ summary: 'The subscriptions of a topic' })
  @ApiOkResponse({ type: TopicSubscriptionsDto })
  subscriptions(@UrlProject() project: ProjectRecord, @Param('topic') name: string): Promise<TopicSubscriptionsDto> {
    return this.topics.subscriptionsOf(project, name);
  }
}
