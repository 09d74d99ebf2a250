import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { prometheusContentType, type Registry } from 'prom-client';
import { sameSecret } from '../auth/token-vault.js';
import { AmsError } from '../common/ams-error.js';
import { bearerToken } from '../metrics/prometheus.controller.js';

/** What the worker's HTTP server needs to answer. */
export interface WorkerHttpDeps {
  readonly registry: Registry;
  /** AMS_METRICS_TOKEN: required as a bearer token on `/metrics` when set. */
  readonly metricsToken: string | null;
  /** Whether the worker is serving (its dispatcher runs and the store answers its lease renewals). */
  readonly healthy: () => boolean;
}

/**
 * The separate push worker has no HTTP API, but it counts pushes in its own Prometheus registry and must be probed by
 * Kubernetes: this small server answers `GET /metrics` (the same bearer protection as the API's) and `GET /healthz`
 * (200 while serving, 503 otherwise). Anything else is a 404 in the AMS envelope.
 */
export async function startWorkerHttp(host: string, port: number, deps: WorkerHttpDeps): Promise<Server> {
  const server = createServer((req, res) => void answer(req, res, deps));
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

async function answer(req: IncomingMessage, res: ServerResponse, deps: WorkerHttpDeps): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  try {
    if (req.method === 'GET' && path === '/metrics') {
      const required = deps.metricsToken;
      if (required !== null) {
        const given = bearerToken(req.headers.authorization);
        if (given === null || !sameSecret(given, required)) return sendError(res, AmsError.unauthorized());
      }
      res.writeHead(200, { 'content-type': prometheusContentType });
      res.end(await deps.registry.metrics());
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const ok = deps.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }));
      return;
    }
    sendError(res, new AmsError(404, 'NOT_FOUND', '404 page not found'));
  } catch {
    sendError(res, AmsError.internal('Internal Server Error'));
  }
}

function sendError(res: ServerResponse, err: AmsError): void {
  res.writeHead(err.code, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(err.toBody()));
}
