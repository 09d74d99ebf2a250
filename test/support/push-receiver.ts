import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One request a receiver got. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** What the receiver answered; -1 when the sender had given up (closed the connection) before the answer. */
  readonly status: number;
  readonly at: number;
}

/** How the receiver answers a push (not a verification) request; default 200 at once. */
export interface Behaviour {
  /** Answer this status for the next N push requests, then 200. */
  failNext?: { count: number; status: number };
  /** Wait this long before answering each push request. */
  delayMs?: number;
  /** Status to answer (default 200). */
  status?: number;
}

/**
 * A real HTTP push endpoint on 127.0.0.1 for the push tests: it records every request, answers
 * `GET /ams_verification_hash` with `verificationHash` (or `verificationStatus`), and push requests per `behaviour`.
 */
export class PushReceiver {
  readonly requests: Received[] = [];
  verificationHash = '';
  verificationStatus = 200;
  behaviour: Behaviour = {};
  private server: Server | null = null;
  private waiters: (() => void)[] = [];

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  get url(): string {
    const { port } = this.server?.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  /** Push requests (POSTs) so far. */
  pushes(): Received[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  /** Successful pushes, bodies parsed. */
  accepted(): Received[] {
    return this.pushes().filter((r) => r.status === 200);
  }

  /** Resolves once `predicate` holds, checking after every request; rejects after `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 15_000, what = 'the expected pushes'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.requests.length} requests`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.server === null) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
    this.server = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let gone = false;
    res.on('close', () => {
      if (!res.writableFinished) gone = true;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let status: number;
    let answer = '';
    if (req.method === 'GET' && req.url === '/ams_verification_hash') {
      status = this.verificationStatus;
      answer = this.verificationHash;
    } else {
      const b = this.behaviour;
      if (b.delayMs) await new Promise((resolve) => setTimeout(resolve, b.delayMs));
      status = b.status ?? 200;
      if (b.failNext && b.failNext.count > 0) {
        b.failNext.count -= 1;
        status = b.failNext.status;
      }
    }
    if (gone || res.destroyed) {
      status = -1;
    } else {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(answer);
    }
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, status, at: Date.now() });
    for (const wake of this.waiters.splice(0)) wake();
  }
}
