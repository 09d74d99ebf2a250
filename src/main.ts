import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const app = await createApp(config);
  await app.listen({ host: config.host, port: config.port });
  app.getHttpAdapter().getInstance().log.info({ host: config.host, port: config.port, store: config.store }, 'AMS listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`AMS failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
