import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { AmsAction } from './actions.js';

export const ACTION_KEY = 'ams:action';
export const OPEN_KEY = 'ams:open';

/** The AMS action a route performs; the access guard checks it against the role table. Routes without it are denied. */
export const Action = (action: AmsAction): MethodDecorator =>
  applyDecorators(SetMetadata(ACTION_KEY, action), ApiSecurity('x-api-key'), ApiSecurity('key'));

/** A route anyone may call (status, version, profile): the handler decides what a token, if any, may see. */
export const Open = (): MethodDecorator =>
  applyDecorators(SetMetadata(OPEN_KEY, true), ApiSecurity('x-api-key'), ApiSecurity('key'), ApiSecurity({}));
