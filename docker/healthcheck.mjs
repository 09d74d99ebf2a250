// Container health: the API answers `GET /v1/version`, which needs no backend (liveness, not readiness: a replica
// whose MongoDB is away is alive and recovers by itself; `/v1/status` reports that). Speaks https when the service
// serves TLS itself (AMS_TLS_CERT_FILE), accepting its certificate, since the check only asks "is it answering".
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const tls = Boolean(process.env.AMS_TLS_CERT_FILE);
const request = tls ? httpsRequest : httpRequest;
const port = Number(process.env.AMS_PORT || 8080);

const req = request(
  { host: '127.0.0.1', port, path: '/v1/version', method: 'GET', timeout: 4000, rejectUnauthorized: false },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
req.end();
