import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hostname } from 'node:os';
import { type DestinationStream, pino, type Logger } from 'pino';
import { routeLabel } from './routes.js';

/**
 * One log stream (docs/operations.md, "Logs"): Fastify's pino logger writes every line, Nest's messages included
 * (PinoNestLogger), so stdout holds one JSON schema: `level` (a name), `time` (ISO 8601), `pid`, `hostname`, `msg`,
 * plus `reqId` on the lines of a request and `context` on Nest's.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    // Nothing logs request headers, but an error object may carry them: the tokens stay out whatever happens.
    redact: ['req.headers["x-api-key"]', 'req.headers.authorization', 'headers["x-api-key"]', 'headers.authorization'],
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** Nest's start-up chatter (one line per module and per mapped route): debug, not info. */
const START_UP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Nest's LoggerService over the pino logger: `new Logger('X').warn(...)` anywhere ends up as one pino line. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context last, and for errors a stack before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    if (typeof rest[0] === 'string' && rest[0] !== '') fields.stack = rest[0];
    let msg: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      msg = message.message;
    } else if (typeof message === 'object' && message !== null) {
      const { msg: text, ...rest } = message as { msg?: unknown };
      Object.assign(fields, rest);
      if (typeof text === 'string') msg = text;
    } else {
      msg = String(message);
    }
    const effective = level === 'info' && context !== undefined && START_UP_CONTEXTS.has(context) ? 'debug' : level;
    this.pino[effective](fields, msg);
  }
}

/**
 * The path of a request nobody routed, as the log may show it: no query string (it may hold `key=` in any spelling),
 * and everything after a `users:byToken` segment cut, matched case-insensitively after percent-decoding (the router
 * decodes `%3A`, so `/v1/users%3AbyToken/TOKEN` is the same request).
 */
export function loggablePath(url: string): string {
  const raw = url.split('?')[0].split('#')[0];
  let path = raw;
  for (let i = 0; i < 3; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      break;
    }
    if (decoded === path) break;
    path = decoded;
  }
  const at = path.toLowerCase().indexOf(':bytoken');
  return at === -1 ? path : `${path.slice(0, at)}:byToken/[redacted]`;
}

/**
 * One line per answered request (Fastify's own two lines are off): method, route pattern, status, duration and, through
 * the request's child logger, the request id. The route pattern, never the URL, so no token can reach the log; a request
 * nobody routed shows `route: null` and its loggablePath. Routes in `quiet` (probes, scrapes) log at debug.
 */
export function logRequests(fastify: FastifyInstance, quiet: readonly string[]): void {
  const quietRoutes = new Set(quiet);
  fastify.addHook('onResponse', async (request: FastifyRequest, reply) => {
    const pattern = request.routeOptions.url;
    const route = pattern === undefined || pattern === '' ? null : routeLabel(pattern);
    const line = {
      method: request.method,
      route,
      ...(route === null ? { path: loggablePath(request.url) } : {}),
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    request.log[route !== null && quietRoutes.has(route) ? 'debug' : 'info'](line, 'request');
  });
}

/**
 * The generated admin token, shown once. Written straight to stdout (whatever AMS_LOG_LEVEL is) as a line of the log
 * schema with `"event":"admin-token"`, so an operator finds it with `grep 'AMS admin token'` and a log shipper drops
 * it by that field before it reaches storage (docs/operations.md).
 */
export function printAdminToken(user: string, token: string): void {
  const line = {
    level: 'warn',
    time: new Date().toISOString(),
    pid: process.pid,
    hostname: hostname(),
    event: 'admin-token',
    user,
    msg: `AMS admin token for user ${user}: ${token} (shown once: store it now)`,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Node's process warnings as log lines of the same schema instead of free text on stderr. kafkajs on Node 24 schedules
 * timers with negative delays (TimeoutNegativeWarning, harmless: Node uses 1 ms): debug.
 */
export function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    const level = warning.name === 'TimeoutNegativeWarning' ? 'debug' : 'warn';
    logger[level]({ warning: warning.name }, warning.message);
  });
}
