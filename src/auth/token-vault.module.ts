import { Global, Module } from '@nestjs/common';
import { TokenVault } from './token-vault.js';

/** The vault alone, for processes without the HTTP API and its guard (the push worker opens sealed push secrets). */
@Global()
@Module({ providers: [TokenVault], exports: [TokenVault] })
export class TokenVaultModule {}
