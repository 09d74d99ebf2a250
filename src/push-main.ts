import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { createLogger, logProcessWarnings, PinoNestLogger } from './common/logger.js';
import { type AmsConfig, loadConfigOrExit, warnUnknownVariables } from './config/config.js';
import { backendTargets, waitForBackends } from './storage/backend-wait.js';
import kafkajs from 'kafkajs';
import { PushDispatcher } from './push/push-dispatcher.js';
import { PUSH_NOTICE_PATTERN } from './push/push-notices.js';
import { PushWorkerModule } from './push/push-worker.module.js';
import { startWorkerHttp } from './push/worker-http.js';
import { Registry } from 'prom-client';

/**
 * `npm run start:push`: a push worker without the HTTP API. It delivers the push subscriptions whose leases it holds
 * and listens for push notices (AMS_PUSH_NOTICES: tcp on AMS_PUSH_NOTICE_LISTEN, or kafka); without notices it still
 * reconciles from the store every AMS_PUSH_RECONCILE_MS.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  if (!config.push.enabled) {
    process.stderr.write('invalid configuration: AMS_PUSH_ENABLED is false, a push worker has nothing to do\n');
    process.exit(2);
  }
  const pino = createLogger(config.logLevel);
  logProcessWarnings(pino);
  warnUnknownVariables(process.env, pino);
  await waitForBackends(backendTargets(config), config.startupTimeoutSeconds, pino);
  const logger = new PinoNestLogger(pino);
  const module = PushWorkerModule.forConfig(config);
  const listener = noticeListener(config);
  let app: INestApplicationContext;
  if (listener === null) {
    app = await NestFactory.createApplicationContext(module, { logger });
    app.enableShutdownHooks();
    await app.init();
  } else {
    if (config.push.notices === 'kafka') await ensureNoticeTopic(config);
    const service = await NestFactory.createMicroservice<MicroserviceOptions>(module, { ...listener, logger });
    service.enableShutdownHooks();
    await service.listen();
    app = service;
  }
  const dispatcher = app.get(PushDispatcher);
  if (config.push.workerPort !== null) {
    const http = await startWorkerHttp(config.host, config.push.workerPort, {
      registry: app.get(Registry),
      metricsToken: config.metricsToken,
      healthy: () => dispatcher.healthy(),
    });
    process.once('exit', () => http.close());
  }
  const where = config.push.workerPort === null ? '' : `, /metrics and /healthz on ${config.host}:${config.push.workerPort}`;
  pino.info(`AMS push worker ${dispatcher.holder} running (store ${config.store}, notices ${config.push.notices}${where})`);
}

const { Kafka, logLevel } = kafkajs;

function noticeListener(config: AmsConfig): MicroserviceOptions | null {
  const push = config.push;
  if (push.notices === 'tcp' && push.noticeListen !== null) {
    return { transport: Transport.TCP, options: { host: push.noticeListen.host, port: push.noticeListen.port } };
  }
  if (push.notices === 'kafka' && config.kafka !== null) {
    return {
      transport: Transport.KAFKA,
      options: {
        client: { clientId: 'ams-push-worker', brokers: [...config.kafka.brokers], logLevel: 1 },
        // A group of its own per worker: every worker gets every notice (a broadcast, not a work queue).
        consumer: { groupId: `ams-push-worker-${randomUUID()}` },
        subscribe: { fromBeginning: false },
        run: { autoCommit: true },
      },
    };
  }
  return null;
}

/** The notices topic must exist before a consumer subscribes to it; brokers may not create topics on demand. */
async function ensureNoticeTopic(config: AmsConfig): Promise<void> {
  if (config.kafka === null) return;
  const admin = new Kafka({ clientId: 'ams-push-worker-admin', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(PUSH_NOTICE_PATTERN)) {
      await admin.createTopics({
        topics: [{ topic: PUSH_NOTICE_PATTERN, numPartitions: 1, replicationFactor: config.kafka.replicationFactor }],
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  createLogger('fatal').fatal(`AMS push worker failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
