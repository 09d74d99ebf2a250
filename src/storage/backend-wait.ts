import kafkajs from 'kafkajs';
import mongoose from 'mongoose';
import type { AmsConfig } from '../config/config.js';
import type { BackendName } from './ports/backend-probe.repository.js';

/** A server the store needs before it can start, named as the operator configured it. */
export interface BackendTarget {
  readonly backend: BackendName;
  /** The AMS_* variable that names it. */
  readonly variable: string;
  /** Where it is looked for (hosts only: never credentials or options). */
  readonly address: string;
  /** One attempt to reach it, giving up after `timeoutMs`. */
  reach(timeoutMs: number): Promise<void>;
}

export interface StartupLog {
  warn(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
}

/** The hosts of a MongoDB URI, without user, password, database or options. */
export function mongoHosts(uri: string): string {
  const authority = uri.replace(/^mongodb(\+srv)?:\/\//, '').split(/[/?]/)[0];
  return authority.slice(authority.lastIndexOf('@') + 1);
}

/** The servers of the configured store; the embedded store needs none. */
export function backendTargets(config: AmsConfig): BackendTarget[] {
  const targets: BackendTarget[] = [];
  if (config.mongo !== null) {
    const uri = config.mongo.uri;
    targets.push({
      backend: 'mongodb',
      variable: 'AMS_MONGODB_URI',
      address: mongoHosts(uri),
      reach: async (timeoutMs) => {
        const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
        try {
          await client.connect();
          await client.db('admin').command({ ping: 1 });
        } finally {
          await client.close().catch(() => undefined);
        }
      },
    });
  }
  if (config.kafka !== null) {
    const brokers = [...config.kafka.brokers];
    targets.push({
      backend: 'kafka',
      variable: 'AMS_KAFKA_BROKERS',
      address: brokers.join(','),
      reach: async (timeoutMs) => {
        const admin = new kafkajs.Kafka({
          clientId: 'ams-startup',
          brokers,
          connectionTimeout: timeoutMs,
          requestTimeout: timeoutMs,
          retry: { retries: 0 },
          logLevel: kafkajs.logLevel.NOTHING,
        }).admin();
        try {
          await admin.connect();
          await admin.describeCluster();
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
      },
    });
  }
  return targets;
}

export class StartupTimeoutError extends Error {
  constructor(readonly target: BackendTarget, seconds: number, cause: string) {
    super(`${target.backend} not reachable at ${target.address} (${target.variable}) within ${seconds} s (AMS_STARTUP_TIMEOUT_S): ${cause}`);
    this.name = 'StartupTimeoutError';
  }
}

/** Longest single attempt and pause between attempts: a retry line every few seconds, not a flood. */
const ATTEMPT_MS = 2000;
const PAUSE_MS = 1000;

/**
 * Waits until every backend answers, one warning line per failed attempt naming the variable and the address, and
 * gives up with StartupTimeoutError after AMS_STARTUP_TIMEOUT_S. Run before the app is built, so the drivers' own
 * start-up retries (and their stack traces) never come into play while a backend is simply not there yet.
 */
export async function waitForBackends(targets: readonly BackendTarget[], timeoutSeconds: number, log: StartupLog): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (const target of targets) {
    const where = { backend: target.backend, variable: target.variable, address: target.address };
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      let cause: string;
      try {
        await target.reach(Math.max(100, Math.min(ATTEMPT_MS, remaining)));
        if (attempt > 1) log.info(where, `${target.backend} reachable at ${target.address}`);
        break;
      } catch (err) {
        cause = err instanceof Error ? err.message : String(err);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new StartupTimeoutError(target, timeoutSeconds, cause);
      log.warn(
        { ...where, attempt, error: cause },
        `${target.backend} not reachable at ${target.address} (${target.variable}); retrying, ${Math.ceil(left / 1000)} s left`,
      );
      await new Promise((resolve) => setTimeout(resolve, Math.min(PAUSE_MS, left)));
    }
  }
}
