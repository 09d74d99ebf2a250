import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { addressPolicy, ForbiddenAddressError, guardedLookup, UNREACHABLE } from './address-guard.js';

/** What came back from an outbound push or verification request. */
export interface OutboundResponse {
  readonly status: number;
  /** The body as text, at most MAX_BODY_BYTES of it. */
  readonly body: string;
}

/**
 * A request that got no HTTP answer: refused address, DNS, connection, TLS, timeout. `message` names the cause, for
 * the server log only; clients are told `clientReason`.
 */
export class OutboundError extends Error {
  readonly clientReason = UNREACHABLE;
  constructor(message: string) {
    super(message);
    this.name = 'OutboundError';
  }
}

/** The verification hash and receivers' answers are short; more is read and dropped. */
const MAX_BODY_BYTES = 64 * 1024;
/** Redirects followed; every hop goes through the same address check. */
const MAX_REDIRECTS = 3;
/** GET follows every redirect; a push POST follows only those that keep method and body (307, 308). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const BODY_KEEPING_REDIRECTS = new Set([307, 308]);

export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * Outbound HTTP of push delivery and endpoint verification, with node:http(s): every connection resolves its host
 * through the address guard (unless AMS_PUSH_ALLOW_PRIVATE), only https unless AMS_PUSH_ALLOW_HTTP, a timeout per
 * request (AMS_PUSH_TIMEOUT_MS, covering connect, send and the whole answer) and at most 3 redirects, each checked.
 */
@Injectable()
export class PushHttpClient implements OnApplicationShutdown {
  // Kept-alive connections: a receiver gets one connection per subscription batch stream, not one per batch. The
  // address guard runs on every new connection, which is where the address is chosen.
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;
  private readonly logger = new Logger(PushHttpClient.name);

  constructor(@Inject(AMS_CONFIG) private readonly config: AmsConfig) {
    const lookup = guardedLookup(addressPolicy(config.push)) as never;
    this.http = new HttpAgent({ keepAlive: true, lookup });
    this.https = new HttpsAgent({ keepAlive: true, lookup });
  }

  onApplicationShutdown(): void {
    this.http.destroy();
    this.https.destroy();
  }

  async send(outbound: OutboundRequest): Promise<OutboundResponse> {
    try {
      return await this.follow(outbound);
    } catch (err) {
      // The detail stays here: clients get OutboundError.clientReason (no address, port, errno or resolver text).
      const host = URL.canParse(outbound.url) ? new URL(outbound.url).host : '(invalid url)';
      this.logger.warn(`push ${outbound.method} to ${host} failed: ${(err as Error).message}`);
      throw err;
    }
  }

  private async follow(outbound: OutboundRequest): Promise<OutboundResponse> {
    let url = outbound.url;
    for (let hop = 0; ; hop++) {
      const response = await this.once({ ...outbound, url });
      const location = response.location;
      const follow =
        location !== undefined &&
        REDIRECTS.has(response.status) &&
        (outbound.method === 'GET' || BODY_KEEPING_REDIRECTS.has(response.status));
      if (!follow) return { status: response.status, body: response.body };
      if (hop >= MAX_REDIRECTS) throw new OutboundError(`stopped after ${MAX_REDIRECTS} redirects`);
      url = new URL(location, url).toString();
    }
  }

  private once(outbound: OutboundRequest): Promise<OutboundResponse & { location?: string }> {
    let target: URL;
    try {
      target = new URL(outbound.url);
    } catch {
      return Promise.reject(new OutboundError(`invalid url ${outbound.url}`));
    }
    const https = target.protocol === 'https:';
    if (!https && !(target.protocol === 'http:' && this.config.push.allowHttp)) {
      return Promise.reject(new OutboundError(`refused ${target.protocol} url: push needs https`));
    }
    // Literal addresses never reach a lookup function, so they are checked here.
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (addressPolicy(this.config.push).refuses(literal)) {
      return Promise.reject(new OutboundError(new ForbiddenAddressError(literal, literal).message));
    }
    const send = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        target,
        {
          method: outbound.method,
          headers: {
            ...outbound.headers,
            ...(outbound.body === undefined ? {} : { 'content-length': Buffer.byteLength(outbound.body) }),
          },
          agent: https ? this.https : this.http,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < MAX_BODY_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () => {
            clearTimeout(timer);
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
              location: typeof res.headers.location === 'string' ? res.headers.location : undefined,
            });
          });
          res.on('error', (err) => fail(err));
        },
      );
      const fail = (err: Error) => {
        clearTimeout(timer);
        req.destroy();
        reject(err instanceof OutboundError ? err : new OutboundError(err.message));
      };
      const timer = setTimeout(
        () => fail(new OutboundError(`timeout after ${this.config.push.timeoutMs} ms`)),
        this.config.push.timeoutMs,
      );
      req.on('error', fail);
      req.end(outbound.body);
    });
  }
}
