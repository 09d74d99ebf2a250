// What the benchmarks share: a keep-alive client of the service's API and a free loopback port.
import http from 'node:http';
import { createServer } from 'node:net';

/**
 * A client of the service on 127.0.0.1 with a token; set `port` before calling. `call` resolves to the parsed JSON
 * answer (null when empty) and rejects on anything but 200, naming the request.
 */
export function apiClient(token, maxSockets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const client = {
    port: undefined,
    call(method, path, body) {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const headers = { 'x-api-key': token, ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}) };
        const req = http.request({ host: '127.0.0.1', port: client.port, method, path, agent, headers }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`${method} ${path} -> ${res.statusCode} ${text.slice(0, 200)}`));
            else resolve(text === '' ? null : JSON.parse(text));
          });
        });
        req.on('error', reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
  return client;
}

/** A TCP port nothing listens on right now. */
export function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
