import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { SecretsMigration } from './secrets-migration.js';
import { TokenVaultModule } from './token-vault.module.js';

@Global()
@Module({
  imports: [TokenVaultModule],
  providers: [SecretsMigration, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TokenVaultModule],
})
export class AuthModule {}
