import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { SecretsMigration } from './secrets-migration.js';
import { TokenVault } from './token-vault.js';

@Global()
@Module({
  providers: [TokenVault, SecretsMigration, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TokenVault],
})
export class AuthModule {}
