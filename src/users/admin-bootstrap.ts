import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { newSecret } from '../auth/token-vault.js';
import { printAdminToken } from '../common/logger.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { UsersService } from './users.service.js';

/**
 * Creates the first service_admin on first start with an empty store (prints a generated token once), then, with push
 * enabled, the push worker user when it is missing. In this order: the admin is made only while the store is empty.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    private readonly users: UsersService,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bootstrapAdmin();
    if (this.config.push.enabled) {
      const created = await this.users.bootstrapPushWorker(this.config.push.workerUser, this.config.push.workerToken ?? newSecret());
      if (created) this.logger.log(`created push_worker user "${this.config.push.workerUser}"`);
    }
  }

  private async bootstrapAdmin(): Promise<void> {
    const token = this.config.adminToken ?? newSecret();
    const admin = await this.users.bootstrapAdmin(this.config.adminUser, token);
    if (admin === null) return;
    this.logger.log(`created service_admin user "${admin.name}"`);
    if (this.config.adminToken === null) {
      printAdminToken(admin.name, token);
    }
  }
}
