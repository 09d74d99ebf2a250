import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { prometheusContentType, Registry } from 'prom-client';
import { Open } from '../auth/action.decorator.js';
import { sameSecret } from '../auth/token-vault.js';
import { AmsError } from '../common/ams-error.js';
import { METRICS_SECURITY } from '../common/openapi-document.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 7235), else null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match === null ? null : match[1];
}

/**
 * Prometheus scrape endpoint, outside /v1 (it is no AMS API route). Open to the access guard, since Prometheus has no
 * AMS token: with AMS_METRICS_TOKEN set, the handler itself requires that token as a bearer token.
 */
@ApiTags('monitoring')
@Controller()
export class PrometheusController {
  constructor(
    private readonly registry: Registry,
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
  ) {}

  @Get('metrics')
  @Open([METRICS_SECURITY])
  @Header('Content-Type', prometheusContentType)
  @ApiOperation({
    summary: 'Prometheus metrics of this process (text exposition format)',
    description: 'With AMS_METRICS_TOKEN set, `Authorization: Bearer <token>` is required (401 otherwise).',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'metrics in the Prometheus text format', schema: { type: 'string' } })
  @ApiUnauthorizedResponse({ description: 'AMS_METRICS_TOKEN is set and the bearer token is missing or wrong' })
  async scrape(@Req() request: FastifyRequest): Promise<string> {
    const required = this.config.metricsToken;
    if (required !== null) {
      const given = bearerToken(request.headers.authorization);
      if (given === null || !sameSecret(given, required)) throw AmsError.unauthorized();
    }
    return this.registry.metrics();
  }
}
