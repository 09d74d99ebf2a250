import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  MethodNotAllowedException,
  NotFoundException,
  PayloadTooLargeException,
  UnauthorizedException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { toAmsError } from '../../src/ams-exception.filter.js';
import { AmsError } from '../../src/common/ams-error.js';

/** A Fastify error as its content-type parser or body reader raises it. */
function fastifyError(statusCode: number, code: string): Error {
  return Object.assign(new Error(`${code} from fastify`), { statusCode, code });
}

const envelope = (err: AmsError) => err.toBody().error;

describe('toAmsError', () => {
  it('passes an AmsError through unchanged', () => {
    for (const err of [
      AmsError.notFound('Topic'),
      AmsError.internal('wrong ack'),
      AmsError.timeout('ack timeout'),
      AmsError.tooLarge('Message size is too large'),
      AmsError.unavailable('Storage backend is unavailable'),
    ]) {
      assert.equal(toAmsError(err), err);
    }
  });

  const cases: [string, unknown, { code: number; status: string; message: string }][] = [
    ['an unknown route (Nest)', new NotFoundException('Cannot GET /v1/nope'), { code: 404, status: 'NOT_FOUND', message: '404 page not found' }],
    ['an unknown route (Fastify)', fastifyError(404, 'FST_ERR_NOT_FOUND'), { code: 404, status: 'NOT_FOUND', message: '404 page not found' }],
    [
      'a body over the limit (Fastify)',
      fastifyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE'),
      { code: 413, status: 'INVALID_ARGUMENT', message: 'Request body is too large' },
    ],
    [
      'a body over the limit (Nest)',
      new PayloadTooLargeException(),
      { code: 413, status: 'INVALID_ARGUMENT', message: 'Request body is too large' },
    ],
    [
      'a validation failure',
      new BadRequestException(['topic must be a string']),
      { code: 400, status: 'INVALID_ARGUMENT', message: 'Invalid Request' },
    ],
    [
      'an unreadable body (Fastify)',
      fastifyError(400, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'),
      { code: 400, status: 'INVALID_ARGUMENT', message: 'Invalid Request' },
    ],
    [
      'an unsupported media type',
      new UnsupportedMediaTypeException(),
      { code: 415, status: 'INVALID_ARGUMENT', message: 'Invalid Request' },
    ],
    ['a framework 401', new UnauthorizedException(), { code: 401, status: 'UNAUTHORIZED', message: 'Invalid Request' }],
    ['a framework 403', new ForbiddenException(), { code: 403, status: 'FORBIDDEN', message: 'Invalid Request' }],
    ['a framework 405', new MethodNotAllowedException(), { code: 405, status: 'INVALID_ARGUMENT', message: 'Invalid Request' }],
    ['a 429', new HttpException('slow down', 429), { code: 429, status: 'TOO_MANY_REQUESTS', message: 'Invalid Request' }],
  ];
  for (const [what, thrown, expected] of cases) {
    it(`${what} -> ${expected.code} ${expected.status}`, () => {
      assert.deepEqual(envelope(toAmsError(thrown)), expected);
    });
  }

  const internal = { code: 500, status: 'INTERNAL_SERVER_ERROR', message: 'Internal Server Error' };
  const unplanned: [string, unknown][] = [
    ['a plain Error', new Error('SQLITE_BUSY: database is locked at /var/lib/ams/ams.sqlite')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'uuid')")],
    ['a framework 500', new HttpException('boom', 500)],
    ['a string', 'something broke'],
    ['null', null],
    ['undefined', undefined],
    ['a status that is not a number', { statusCode: '400' }],
    ['a 3xx status', { statusCode: 302 }],
  ];
  for (const [what, thrown] of unplanned) {
    it(`${what} -> 500 with a generic message (details stay in the log)`, () => {
      assert.deepEqual(envelope(toAmsError(thrown)), internal);
    });
  }
});
