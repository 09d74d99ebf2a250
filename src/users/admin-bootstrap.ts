import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { newSecret } from '../auth/token-vault.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { UsersService } from './users.service.js';

/** Creates the first service_admin on first start with an empty store; prints a generated token once. */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    private readonly users: UsersService,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const token = this.config.adminToken ?? newSecret();
    const admin = await this.users.bootstrapAdmin(this.config.adminUser, token);
    if (admin === null) return;
    this.logger.log(`created service_admin user "${admin.name}"`);
    if (this.config.adminToken === null) {
      // Printed on stdout, not through the logger, so it is shown once and never lands in log pipelines.
      process.stdout.write(`AMS admin token for "${admin.name}": ${token}\n`);
    }
  }
}
