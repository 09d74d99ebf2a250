import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { AmsAction } from './actions.js';

export const ACTION_KEY = 'ams:action';
export const OPEN_KEY = 'ams:open';

/** The AMS action a route performs; the access guard checks it against the role table. Routes without it are denied. */
export const Action = (action: AmsAction): MethodDecorator =>
  applyDecorators(SetMetadata(ACTION_KEY, action), ApiSecurity('x-api-key'), ApiSecurity('key'));

/**
 * A route anyone may call (status, version, profile): the handler decides what a token, if any, may see. `schemes`:
 * the OpenAPI security schemes it reads, when not the AMS token's (`GET /metrics` reads a bearer token).
 */
export const Open = (schemes: readonly string[] = ['x-api-key', 'key']): MethodDecorator =>
  applyDecorators(SetMetadata(OPEN_KEY, true), ...schemes.map((scheme) => ApiSecurity(scheme)), ApiSecurity({}));
