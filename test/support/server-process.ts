import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from build/test/support/). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A port nothing listens on right now: bind port 0, read what the OS gave, let it go. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything written to stdout and stderr so far, interleaved as it arrived. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has ended. */
  exited(): Promise<number | null>;
}

/** Starts the built service (`node dist/main.js`) on a free loopback port with these AMS_* variables added. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    env: { ...process.env, AMS_HOST: '127.0.0.1', AMS_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, output: () => output, exited: () => exit };
}

/** Polls GET /v1/status until it answers 200; fails if the process exits first or after `timeoutMs`. */
export async function waitReady(server: ServerProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`the service exited during start:\n${server.output()}`);
    }
    try {
      const reply = await fetch(`http://127.0.0.1:${server.port}/v1/status`);
      await reply.arrayBuffer();
      if (reply.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the service was not ready after ${timeoutMs} ms:\n${server.output()}`);
}
