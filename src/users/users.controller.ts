import { Body, Controller, HttpCode, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Action, Open } from '../auth/action.decorator.js';
import { type Caller, CallerParam, Context, type RequestContext } from '../auth/caller.js';
import { AmsError } from '../common/ams-error.js';
import { pageQuery } from '../common/pagination.js';
import { verb } from '../common/routes.js';
import { CreateUserDto, UpdateUserDto, UserDto, UserPageDto } from './dto/user.dto.js';
import { UsersService } from './users.service.js';

/** `details=true`; the Python client sends `details=True`. */
export const isTrue = (flag: string | undefined): boolean => flag?.toLowerCase() === 'true';

@ApiTags('users')
@Controller('v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('users')
  @Action('users:list')
  @ApiOperation({ summary: 'List users, newest first (paginated)' })
  @ApiQuery({ name: 'pageSize', required: false })
  @ApiQuery({ name: 'pageToken', required: false })
  @ApiQuery({ name: 'project', required: false, description: 'only members of this project' })
  @ApiQuery({ name: 'details', required: false, description: '`true` to include project memberships' })
  @ApiOkResponse({ type: UserPageDto })
  list(
    @Query('pageSize') pageSize?: string,
    @Query('pageToken') pageToken?: string,
    @Query('nextPageToken') nextPageToken?: string,
    @Query('project') project?: string,
    @Query('details') details?: string,
  ): Promise<UserPageDto> {
    // argo-ams-library sends `nextPageToken=` where the API names `pageToken` (spec 8.8).
    return this.users.list(pageQuery(pageSize, pageToken || nextPageToken), project, isTrue(details));
  }

  @Get('users/profile')
  @Open()
  @ApiOperation({ summary: 'The calling user, token included' })
  @ApiOkResponse({ type: UserDto })
  @ApiUnauthorizedResponse({ description: 'no user token (UNAUTHORIZED)' })
  profile(@Context() ctx: RequestContext): Promise<UserDto> {
    if (ctx.token !== 'known') throw AmsError.unauthorized();
    return this.users.profile(ctx.caller);
  }

  @Get('users::byToken/:token')
  @Action('users:byToken')
  @ApiOperation({ summary: 'The user holding a token' })
  @ApiOkResponse({ type: UserDto })
  byToken(@Param('token') token: string): Promise<UserDto> {
    return this.users.byToken(token);
  }

  @Get('users::byUUID/:uuid')
  @Action('users:byUUID')
  @ApiOperation({ summary: 'The user with this uuid (privileged view, with token)' })
  @ApiOkResponse({ type: UserDto })
  byUuid(@Param('uuid') uuid: string): Promise<UserDto> {
    return this.users.byUuid(uuid);
  }

  @Get('users/:user')
  @Action('users:show')
  @ApiOperation({ summary: 'A user (privileged view, with token)' })
  @ApiOkResponse({ type: UserDto })
  show(@Param('user') name: string): Promise<UserDto> {
    return this.users.show(name);
  }

  @Post('users/:user')
  @HttpCode(200)
  @Action('users:create')
  @ApiOperation({ summary: 'Create a user; the answer carries its token' })
  @ApiOkResponse({ type: UserDto })
  create(@CallerParam() caller: Caller, @Param('user') name: string, @Body() body: CreateUserDto): Promise<UserDto> {
    return this.users.create(caller, name, body);
  }

  @Put('users/:user')
  @Action('users:update')
  @ApiOperation({ summary: 'Update or rename a user; `projects` and `service_roles`, when present, replace' })
  @ApiOkResponse({ type: UserDto })
  update(@Param('user') name: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return this.users.update(name, body);
  }

  @Delete('users/:user')
  @Action('users:delete')
  @ApiOperation({ summary: 'Delete a user (empty body)' })
  @ApiOkResponse({ description: 'empty body' })
  delete(@Param('user') name: string): Promise<void> {
    return this.users.delete(name);
  }

  @Post(`users/${verb('user', 'refreshToken')}`)
  @HttpCode(200)
  @Action('users:refreshToken')
  @ApiOperation({ summary: 'Replace the token of a user; the old one stops working at once' })
  @ApiOkResponse({ type: UserDto })
  refreshToken(@Param('user') name: string): Promise<UserDto> {
    return this.users.refreshToken(name);
  }
}
