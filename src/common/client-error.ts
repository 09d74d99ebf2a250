import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AmsError } from './ams-error.js';

/**
 * Errors Node's HTTP parser raises before Fastify has a request: headers too large (431), a request that was not
 * received in time (408), a malformed request line or header, raw non-ASCII bytes in the path included (400). Fastify's
 * own answer has its envelope; this one has the AMS envelope like every other answer (spec 1.9).
 */
export function clientErrorAnswer(code: string | undefined): AmsError {
  if (code === 'HPE_HEADER_OVERFLOW') return new AmsError(431, 'INVALID_ARGUMENT', 'Request header fields too large');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return AmsError.timeout('Request timeout');
  return new AmsError(400, 'BAD_REQUEST', 'Invalid Request');
}

/** Fastify's `clientErrorHandler`: answers once on a socket nothing was written to, then closes it. */
export function amsClientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || socket.destroyed) {
    socket.destroy();
    return;
  }
  const answer = clientErrorAnswer(err.code);
  this.log.debug({ code: err.code, status: answer.code }, 'client error before routing');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(answer.toBody());
  socket.end(
    `HTTP/1.1 ${answer.code} ${STATUS_CODES[answer.code] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
