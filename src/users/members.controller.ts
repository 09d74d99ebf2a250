import { Body, Controller, HttpCode, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Action } from '../auth/action.decorator.js';
import { type Caller, CallerParam, UrlProject } from '../auth/caller.js';
import { pageQuery } from '../common/pagination.js';
import { verb } from '../common/routes.js';
import type { ProjectRecord } from '../storage/ports/records.js';
import { AddMemberDto, MemberDto, UserDto, UserPageDto } from './dto/user.dto.js';
import { isTrue } from './users.controller.js';
import { UsersService } from './users.service.js';

@ApiTags('project members')
@Controller('v1/projects/:project/members')
export class MembersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Action('projects:listUsers')
  @ApiOperation({ summary: 'Members of the project, newest first (paginated)' })
  @ApiQuery({ name: 'pageSize', required: false })
  @ApiQuery({ name: 'pageToken', required: false })
  @ApiQuery({ name: 'details', required: false })
  @ApiOkResponse({ type: UserPageDto })
  list(
    @CallerParam() caller: Caller,
    @UrlProject() project: ProjectRecord,
    @Query('pageSize') pageSize?: string,
    @Query('pageToken') pageToken?: string,
    @Query('details') details?: string,
  ): Promise<UserPageDto> {
    return this.users.listMembers(caller, project, pageQuery(pageSize, pageToken), isTrue(details));
  }

  @Get(':user')
  @Action('projects:showUser')
  @ApiOperation({ summary: 'A member of the project' })
  @ApiOkResponse({ type: UserDto })
  show(@CallerParam() caller: Caller, @UrlProject() project: ProjectRecord, @Param('user') name: string): Promise<UserDto> {
    return this.users.showMember(caller, project, name);
  }

  @Post(':user')
  @HttpCode(200)
  @Action('projects:createUser')
  @ApiOperation({ summary: 'Create a user who is a member of this project; the answer carries its token' })
  @ApiOkResponse({ type: UserDto })
  create(
    @CallerParam() caller: Caller,
    @UrlProject() project: ProjectRecord,
    @Param('user') name: string,
    @Body() body: MemberDto,
  ): Promise<UserDto> {
    return this.users.createMember(caller, project, name, body);
  }

  @Put(':user')
  @Action('projects:updateUser')
  @ApiOperation({ summary: "Replace a member's roles in this project" })
  @ApiOkResponse({ type: UserDto })
  update(
    @CallerParam() caller: Caller,
    @UrlProject() project: ProjectRecord,
    @Param('user') name: string,
    @Body() body: MemberDto,
  ): Promise<UserDto> {
    return this.users.updateMember(caller, project, name, body);
  }

  @Post(verb('user', 'add'))
  @HttpCode(200)
  @Action('projects:addUser')
  @ApiOperation({ summary: 'Add an existing user to this project' })
  @ApiOkResponse({ type: UserDto })
  add(
    @CallerParam() caller: Caller,
    @UrlProject() project: ProjectRecord,
    @Param('user') name: string,
    @Body() body: AddMemberDto,
  ): Promise<UserDto> {
    return this.users.addMember(caller, project, name, body);
  }

  @Post(verb('user', 'remove'))
  @HttpCode(200)
  @Action('projects:removeUser')
  @ApiOperation({ summary: 'Remove a user from this project' })
  @ApiOkResponse({ description: '`{}`' })
  remove(@UrlProject() project: ProjectRecord, @Param('user') name: string): Promise<Record<string, never>> {
    return this.users.removeMember(project, name);
  }
}
