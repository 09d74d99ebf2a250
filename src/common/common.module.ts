import { Global, Module } from '@nestjs/common';
import { AclService } from './acl.service.js';

@Global()
@Module({ providers: [AclService], exports: [AclService] })
export class CommonModule {}
