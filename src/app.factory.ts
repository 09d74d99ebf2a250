import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { sendError } from './ams-exception.filter.js';
import { amsClientErrorHandler } from './common/client-error.js';
import { parseJsonBody } from './common/json-body.js';
import { createLogger, logRequests, PinoNestLogger } from './common/logger.js';
import { completeOpenApi, DOCUMENT_OPTIONS, METRICS_SECURITY, SWAGGER_UI_OPTIONS } from './common/openapi-document.js';
import { RouteTable } from './common/route-table.js';
import type { Clock } from './common/time.js';
import type { AmsConfig } from './config/config.js';
import { VERSION } from './common/version.js';
import { AmsMetrics } from './metrics/ams-metrics.js';
import { pullMayWait } from './metrics/series-cap.js';

export interface AppOptions {
  readonly clock?: Clock;
  /** pino level of the app's logger; defaults to the configured AMS_LOG_LEVEL. */
  readonly logLevel?: string;
  /** The process's logger (main.ts), so that its lines and the app's are one stream; else the app makes its own. */
  readonly logger?: Logger;
}

/** Builds the whole service, configured exactly as `npm start` runs it, without listening yet. */
export async function createApp(config: AmsConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const routes = new RouteTable();
  const logger = options.logger ?? createLogger(options.logLevel ?? config.logLevel);
  const server = serverTimeouts(config);
  const adapter = new FastifyAdapter({
    ...(config.tls === null ? { http: server } : { https: { cert: config.tls.cert, key: config.tls.key, ...server } }),
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    clientErrorHandler: amsClientErrorHandler,
    bodyLimit: config.bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    loggerInstance: logger,
    // Fastify's two lines per request (with the raw URL) off; logRequests writes one, without it.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 1000 },
    // The router rejects a malformed URL (400) or an over-long parameter (414) before any hook or handler runs.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('x-request-id', request.id);
      sendError(reply, request, error, routes);
    },
  });
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url));
  configureFastify(fastify, config);

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config, routes, options.clock), adapter, {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
  });
  app.enableCors({
    origin: true,
    allowedHeaders: ['X-Requested-With', 'Content-Type', 'x-api-key'],
    methods: ['OPTIONS', 'POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'HEAD'],
  });
  // Before app.init() registers the routes, so that every route (and the 404 handler) gets the hook.
  observeRequests(fastify, app.get(AmsMetrics));
  logRequests(fastify, config.logQuietRoutes);
  SwaggerModule.setup('docs', app, buildOpenApi(app), SWAGGER_UI_OPTIONS);
  await app.init();
  await fastify.ready();
  return app;
}

/**
 * Node's own limits on receiving a request (spec 8.12). They end when the request has arrived, so they never cut an
 * answer that takes long (a long poll). Node checks them every `connectionsCheckingInterval` (30 s by default): a
 * quarter of the headers timeout keeps a slow client's overstay short.
 */
function serverTimeouts(config: AmsConfig): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const { headersTimeoutMs, requestTimeoutMs } = config.http;
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(headersTimeoutMs / 4))),
  };
}

/** `:pull` waits up to AMS_PULL_MAX_WAIT_S without a byte on the wire, longer than the idle timeout may allow. */
const LONG_POLL_ROUTE = /::pull$/;

function configureFastify(fastify: FastifyInstance, config: AmsConfig): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.bodyLimit }, (_req, body, done) => {
    done(null, parseJsonBody(body as string));
  });
  // Bodies are JSON whatever the Content-Type (spec 1.3), so Fastify must not answer 415 to a malformed one.
  fastify.addHook('onRequest', async (request) => {
    delete request.headers['content-type'];
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  // The body has arrived: the idle timeout of this connection now also has to outlast a long poll's wait. Node sets it
  // back for the connection's next request (the keep-alive timeout, then the idle timeout).
  fastify.addHook('preHandler', async (request) => {
    if (LONG_POLL_ROUTE.test(request.routeOptions.url ?? '')) {
      request.raw.socket.setTimeout(config.http.idleTimeoutMs + config.pullMaxWaitSeconds * 1000);
    }
  });
  // Errors raised before a handler (body too large, unreadable body) reach Nest's exception layer, which app.init()
  // installs as Fastify's error handler, and so AmsExceptionFilter: the same envelope as the rest. No handler here,
  // since Nest's would replace it.
}

/**
 * Every answered API request into `ams_http_request_duration_seconds`, errors and 404s included: a Fastify hook sees them
 * all, where a Nest interceptor would miss the router's and the guard's refusals. `elapsedTime` runs from onRequest.
 */
function observeRequests(fastify: FastifyInstance, metrics: AmsMetrics): void {
  fastify.addHook('onResponse', async (request, reply) => {
    const seconds = reply.elapsedTime / 1000;
    metrics.observeRequest(request.routeOptions.url, request.method, reply.statusCode, seconds, pullMayWait(request.body));
  });
}

/** The OpenAPI document of the running controllers, with the AMS `:verb` paths spelled as clients call them. */
export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('AMS - messaging service')
    .setDescription(
      'The ARGO Messaging Service v1 API. Authenticate with the `x-api-key` header or the `key` query parameter.',
    )
    .setVersion(VERSION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'this service')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'x-api-key')
    .addApiKey({ type: 'apiKey', in: 'query', name: 'key' }, 'key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'AMS_METRICS_TOKEN, for GET /metrics only' }, METRICS_SECURITY)
    .build();
  return completeOpenApi(SwaggerModule.createDocument(app, config, DOCUMENT_OPTIONS));
}
