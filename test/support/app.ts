import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createApp } from '../../src/app.factory.js';
import type { Clock } from '../../src/common/time.js';
import { type AmsConfig, loadConfig } from '../../src/config/config.js';
import { PublishSignal } from '../../src/topics/publish-signal.js';
import { backendEnv, dropBackendData } from './backends.js';
import { Client } from './client.js';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';

export interface RunningApp {
  readonly url: string;
  readonly config: AmsConfig;
  /** A client holding the bootstrap service_admin token. */
  readonly admin: Client;
  client(token?: string): Client;
  /** One of the app's providers (the push dispatcher, say), for tests that wait on what it does. */
  get<T>(type: abstract new (...args: never[]) => T): T;
  /**
   * Resolves when a pull of this app next starts waiting for publishes (a long poll, or its next round after a
   * wake-up), so a test publishes into the wait instead of sleeping first. Call it before what makes the pull wait.
   */
  nextLongPoll(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real service, configured as `npm start` configures it (createApp), on the backend AMS_STORE names, listening
 * on a free loopback port. Each call gets its own data directory unless one is given.
 */
export async function startApp(
  env: Record<string, string> = {},
  options: { clock?: Clock; dataDir?: string; logger?: Logger } = {},
): Promise<RunningApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ams-e2e-'));
  const backend = backendEnv(dataDir);
  const config = loadConfig({
    AMS_STORE: process.env.AMS_STORE,
    ...backend,
    AMS_DATA_DIR: dataDir,
    AMS_ADMIN_TOKEN: ADMIN_TOKEN,
    AMS_PORT: '0',
    ...env,
  });
  const app: NestFastifyApplication = await createApp(config, { clock: options.clock, logLevel: 'silent', logger: options.logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    config,
    admin: new Client(url, ADMIN_TOKEN),
    client: (token?: string) => new Client(url, token),
    get: (type) => app.get(type, { strict: false }),
    nextLongPoll: () =>
      new Promise<void>((resolve) => {
        const off = app.get(PublishSignal, { strict: false }).onWait(() => {
          off();
          resolve();
        });
      }),
    async close() {
      await app.close();
      if (options.dataDir === undefined) {
        rmSync(dataDir, { recursive: true, force: true });
        await dropBackendData(backend);
      }
    },
  };
}

let counter = 0;

/** A name no other test uses, so files can share one service. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
