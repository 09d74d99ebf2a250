import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Action } from '../auth/action.decorator.js';
import { type Caller, CallerParam } from '../auth/caller.js';
import { verb } from '../common/routes.js';
import { UserDto } from '../users/dto/user.dto.js';
import { DeclineDto, RegisterDto, RegistrationDto, RegistrationListDto } from './dto/registration.dto.js';
import { RegistrationsService } from './registrations.service.js';

/** Query parameters: the first value wins when one is repeated, and an empty value does not filter (spec 1.3). */
const filterValue = (value: string | string[] | undefined): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return first === '' ? undefined : first;
};

@ApiTags('registrations')
@Controller('v1/registrations')
export class RegistrationsController {
  constructor(private readonly registrations: RegistrationsService) {}

  @Post()
  @HttpCode(200)
  @Action('registrations:newUser')
  @ApiOperation({ summary: 'Register a future user (pending until a service admin accepts or declines it)' })
  @ApiOkResponse({ type: RegistrationDto })
  register(@Body() body: RegisterDto): Promise<RegistrationDto> {
    return this.registrations.register(body);
  }

  @Get()
  @Action('registrations:list')
  @ApiOperation({ summary: 'Registrations in registration order (oldest first), filtered by exact matches' })
  @ApiQuery({ name: 'status', required: false, description: '`pending`, `accepted` or `declined`' })
  @ApiQuery({ name: 'name', required: false })
  @ApiQuery({ name: 'email', required: false })
  @ApiQuery({ name: 'organization', required: false })
  @ApiQuery({ name: 'activation_token', required: false })
  @ApiOkResponse({ type: RegistrationListDto })
  list(
    @Query('status') status?: string | string[],
    @Query('name') name?: string | string[],
    @Query('email') email?: string | string[],
    @Query('organization') organization?: string | string[],
    @Query('activation_token') activationToken?: string | string[],
  ): Promise<RegistrationListDto> {
    return this.registrations.list({
      status: filterValue(status),
      name: filterValue(name),
      email: filterValue(email),
      organization: filterValue(organization),
      activationToken: filterValue(activationToken),
    });
  }

  @Get(':uuid')
  @Action('registrations:show')
  @ApiOperation({ summary: 'A registration' })
  @ApiOkResponse({ type: RegistrationDto })
  show(@Param('uuid') uuid: string): Promise<RegistrationDto> {
    return this.registrations.show(uuid);
  }

  @Post(verb('uuid', 'accept'))
  @HttpCode(200)
  @Action('registrations:acceptNewUser')
  @ApiOperation({ summary: 'Accept a pending registration: creates the user; the answer carries its token' })
  @ApiOkResponse({ type: UserDto })
  accept(@CallerParam() caller: Caller, @Param('uuid') uuid: string): Promise<UserDto> {
    return this.registrations.accept(caller, uuid);
  }

  @Post(verb('uuid', 'decline'))
  @HttpCode(200)
  @Action('registrations:declineNewUser')
  @ApiOperation({ summary: 'Decline a pending registration, with an optional comment' })
  @ApiOkResponse({ description: '`{}`' })
  decline(@CallerParam() caller: Caller, @Param('uuid') uuid: string, @Body() body: DeclineDto): Promise<Record<string, never>> {
    return this.registrations.decline(caller, uuid, body);
  }

  @Delete(':uuid')
  @Action('registrations:delete')
  @ApiOperation({ summary: 'Delete a registration (empty body)' })
  @ApiOkResponse({ description: 'empty body' })
  delete(@Param('uuid') uuid: string): Promise<void> {
    return this.registrations.delete(uuid);
  }
}
