import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { loadConfigOrExit } from './config/config.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const app = await createApp(config);
  closeOnSignals(app);
  await app.listen({ host: config.host, port: config.port });
  app.getHttpAdapter().getInstance().log.info({ host: config.host, port: config.port, store: config.store }, 'AMS listening');
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

main().catch((err: unknown) => {
  process.stderr.write(`AMS failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
