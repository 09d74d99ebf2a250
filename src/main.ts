import 'reflect-metadata';
import type { Logger } from 'pino';
import { createApp } from './app.factory.js';
import { createLogger, logProcessWarnings } from './common/logger.js';
import { loadConfigOrExit, warnUnknownVariables } from './config/config.js';
import { backendTargets, waitForBackends } from './storage/backend-wait.js';

async function main(logger: Logger): Promise<void> {
  const config = loadConfigOrExit(process.env);
  logger.level = config.logLevel;
  logProcessWarnings(logger);
  warnUnknownVariables(process.env, logger);
  await waitForBackends(backendTargets(config), config.startupTimeoutSeconds, logger);
  const app = await createApp(config, { logger });
  closeOnSignals(app);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ host: config.host, port: config.port, store: config.store }, 'AMS listening');
}

/**
 * Graceful shutdown on SIGTERM (how Kubernetes stops a pod) and SIGINT: stop accepting connections, let requests in
 * flight finish (long polls answer at once with what they have), flush in-memory counters, release leases, close the
 * stores, then exit 0. A second signal exits at once.
 */
function closeOnSignals(app: Awaited<ReturnType<typeof createApp>>): void {
  const log = app.getHttpAdapter().getInstance().log;
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(1);
    }
    closing = true;
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

const logger = createLogger('info');
main(logger).catch((err: unknown) => {
  logger.fatal(`AMS failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
