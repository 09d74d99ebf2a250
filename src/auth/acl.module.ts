import { Global, Module } from '@nestjs/common';
import { AclService } from './acl.service.js';

/** AclService for every module (topics, subscriptions: spec 2.4 ACLs). */
@Global()
@Module({ providers: [AclService], exports: [AclService] })
export class AclModule {}
