import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { STORED_SECRETS, type StoredSecrets } from '../storage/ports/stored-secrets.repository.js';
import { LOOKUP_HASH_SCHEME, TokenVault } from './token-vault.js';

/**
 * Brings the secrets of a store written by an older build to this build's scheme before anything is served (module
 * init runs before the admin bootstrap and before listening): lookup hashes re-derived as HMAC from the sealed tokens.
 */
@Injectable()
export class SecretsMigration implements OnModuleInit {
  private readonly logger = new Logger(SecretsMigration.name);

  constructor(
    @Inject(STORED_SECRETS) private readonly secrets: StoredSecrets,
    @Inject(TokenVault) private readonly vault: TokenVault,
  ) {}

  async onModuleInit(): Promise<void> {
    const { rehashed, unopened } = await this.secrets.rehashUserTokens(LOOKUP_HASH_SCHEME, (sealed) =>
      this.vault.lookupHashOfSealed(sealed),
    );
    if (rehashed > 0) this.logger.log(`re-derived ${rehashed} token lookup hashes as ${LOOKUP_HASH_SCHEME}`);
    if (unopened > 0) {
      this.logger.warn(`${unopened} stored tokens do not open with this AMS_TOKEN_KEY; those users need a new token`);
    }
  }
}
