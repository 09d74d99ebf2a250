import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { STORED_SECRETS, type StoredSecrets } from '../storage/ports/stored-secrets.repository.js';
import { isSealedForm, LOOKUP_HASH_SCHEME, TokenVault } from './token-vault.js';

/** The scheme of push header values and activation tokens at rest: sealed (spec 8.11). */
const SEALED_SECRETS_SCHEME = 'sealed-v1';

/**
 * Brings the secrets of a store written by an older build to this build's scheme before anything is served (module
 * init runs before the admin bootstrap and before listening): lookup hashes re-derived as HMAC from the sealed tokens,
 * push authorization header values and activation tokens stored in clear sealed.
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
    const sealed = await this.secrets.sealClearSecrets(SEALED_SECRETS_SCHEME, {
      isSealed: isSealedForm,
      sealPushValue: (value) => this.vault.seal(value),
      sealActivationToken: (token) => this.vault.sealForLookup(token),
    });
    if (sealed > 0) this.logger.log(`sealed ${sealed} push authorization values and activation tokens stored in clear`);
    if (unopened > 0) {
      this.logger.warn(`${unopened} stored tokens do not open with this AMS_TOKEN_KEY; those users need a new token`);
    }
  }
}
