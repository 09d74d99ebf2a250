import { Module } from '@nestjs/common';
import { AdminBootstrap } from './admin-bootstrap.js';
import { MembersController } from './members.controller.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  controllers: [UsersController, MembersController],
  providers: [UsersService, AdminBootstrap],
  exports: [UsersService],
})
export class UsersModule {}
