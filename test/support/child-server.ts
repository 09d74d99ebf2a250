import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { backendEnv } from './backends.js';

/**
 * Child processes of the built service, for tests at process level (restart, logging, real clients): the caller picks
 * every AMS_* setting, port included, and gets the output, the exit code and the signal.
 */

/** The repository root (this file runs from build/test/support/). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The built service, as `npm start` runs it (scripts/test.sh builds dist/ before any test runs). */
export const MAIN_JS = fileURLToPath(new URL('../../../dist/main.js', import.meta.url));

/** The built push worker, as `npm run start:push` runs it. */
export const PUSH_MAIN_JS = fileURLToPath(new URL('../../../dist/push-main.js', import.meta.url));

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

export interface ChildServer {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  stdout(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running, then wait for the exit. */
  kill(): Promise<void>;
}

/** The one AMS_* variable a test run passes on to child servers: which backend. */
const INHERITED = /^AMS_STORE$/;

/**
 * Starts `node dist/main.js` with the given AMS_* variables on top of this process's environment. Of this process's own
 * AMS_* variables only the backend choice is kept, so the caller decides the rest of the configuration.
 */
export function spawnServer(env: Record<string, string>, script: string = MAIN_JS): ChildServer {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AMS_') || INHERITED.test(key)),
  );
  // On kafka-mongo the data directory names the database and topic prefix, so a restart finds its data again.
  const backend = env.AMS_DATA_DIR === undefined ? {} : backendEnv(env.AMS_DATA_DIR);
  const child = spawn(process.execPath, [script], {
    env: { ...base, ...backend, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    child,
    url: `http://${env.AMS_HOST ?? '127.0.0.1'}:${env.AMS_PORT ?? '8080'}`,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    async kill() {
      if (!ended) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The end of a child's standard output (the JSON log), where a fatal start-up error is. */
const lastLines = (text: string): string => text.trim().split('\n').slice(-5).join('\n');

/**
 * A server on a port chosen free just before: if another process took the port in between (an outgoing connection
 * can get it as its ephemeral port), the server exits with EADDRINUSE, and it is started again on another port.
 */
export async function startOnFreePort(env: Record<string, string>, script: string = MAIN_JS): Promise<ChildServer> {
  for (let attempt = 1; ; attempt++) {
    const server = spawnServer({ ...env, AMS_PORT: String(await freePort()) }, script);
    try {
      await waitUntilReady(server);
      return server;
    } catch (err) {
      await server.kill();
      if (attempt === 3 || !/EADDRINUSE/.test(server.stdout() + server.stderr())) throw err;
    }
  }
}

/**
 * Polls GET /v1/status every 50 ms until it answers 200; fails early if the process exits, and after `timeoutMs`.
 */
export async function waitUntilReady(server: ChildServer, timeoutMs = 30_000): Promise<void> {
  let exited = false;
  void server.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the server exited before it was ready:\n${server.stderr()}${lastLines(server.stdout())}`);
    try {
      const reply = await fetch(`${server.url}/v1/status`);
      await reply.arrayBuffer();
      if (reply.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the server was not ready after ${timeoutMs} ms:\n${server.stderr()}`);
}
