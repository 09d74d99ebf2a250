import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StoreUnavailableError } from './storage/ports/store-errors.js';
import { AmsError, type AmsStatus } from './common/ams-error.js';
import { RouteTable } from './common/route-table.js';

/** Marks "the router found no route", so the filter can tell 404 from 405. */
export const ROUTE_NOT_FOUND = 'ROUTE_NOT_FOUND';

const STATUS_OF: Record<number, AmsStatus> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'TIMEOUT',
  409: 'CONFLICT',
  413: 'INVALID_ARGUMENT',
  415: 'INVALID_ARGUMENT',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Whatever was thrown, as the AMS error a client should see. AmsErrors pass through; framework and Fastify errors map
 * by status; anything unplanned is a 500 whose details stay in the log.
 */
export function toAmsError(thrown: unknown): AmsError {
  if (thrown instanceof AmsError) return thrown;
  if (thrown instanceof StoreUnavailableError) return AmsError.unavailable('Backend unavailable');
  const status = statusOf(thrown);
  if (status === 413) return AmsError.tooLarge('Request body is too large');
  if (status === 404) return new AmsError(404, 'NOT_FOUND', '404 page not found');
  if (status !== null && status >= 400 && status < 500) {
    return new AmsError(status, STATUS_OF[status] ?? 'INVALID_ARGUMENT', 'Invalid Request');
  }
  return AmsError.internal('Internal Server Error');
}

function statusOf(thrown: unknown): number | null {
  if (thrown instanceof HttpException) return thrown.getStatus();
  const code = (thrown as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : null;
}

/** Sends the envelope `{"error":{"code","message","status"}}`; the only place error bodies are built. */
export function sendError(reply: FastifyReply, request: FastifyRequest, thrown: unknown, routes: RouteTable): void {
  let err = toAmsError(thrown);
  if (err.code === 404 && statusOf(thrown) === 404) {
    const allowed = routes.methodsOf(request.url.split('?')[0]);
    if (allowed.length > 0) {
      // The original answers 405 with an empty body; only the status is normative, so say it the AMS way, with the
      // `Allow` header HTTP asks for.
      void reply.header('allow', allowed.join(', '));
      err = AmsError.methodNotAllowed();
    }
  }
  if (err.code >= 500 && err.status === 'INTERNAL_SERVER_ERROR' && !(thrown instanceof AmsError)) {
    request.log.error({ err: thrown }, 'request failed');
  }
  void reply.status(err.code).header('content-type', 'application/json; charset=utf-8').send(err.toBody());
}

@Catch()
export class AmsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(AmsExceptionFilter.name);

  constructor(private readonly routes: RouteTable) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      this.logger.error(thrown);
      return;
    }
    const http = host.switchToHttp();
    sendError(http.getResponse<FastifyReply>(), http.getRequest<FastifyRequest>(), thrown, this.routes);
  }
}
