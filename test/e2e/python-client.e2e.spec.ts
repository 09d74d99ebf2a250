import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ChildServer, freePort, ROOT, spawnServer } from '../support/child-server.js';

/**
 * The real Python client, argo-ams-library from PyPI, against the built service over TLS: what AMS users run.
 * The client only speaks https, so the service serves a throw-away certificate that the client is told to trust.
 */
const VENV = join(ROOT, '.tmp', 'pyenv');
const PYTHON = join(VENV, 'bin', 'python');
const LIBRARY = 'argo-ams-library==1.0.0';
const TOKEN = 'python-client-admin-token';

function ensureClient(): void {
  if (existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import argo_ams_library']).status === 0) return;
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', LIBRARY], { stdio: 'inherit' });
}

function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  return { cert, key };
}

function statusOverTls(port: number, ca: Buffer): Promise<number> {
  return new Promise((done) => {
    const req = request({ host: 'localhost', port, path: '/v1/status', ca }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', () => done(0));
    req.end();
  });
}

describe('argo-ams-library (Python) against the service', () => {
  let dir: string;
  let server: ChildServer;
  let port: number;
  let cert: string;

  before(async () => {
    ensureClient();
    dir = mkdtempSync(join(tmpdir(), 'ams-python-'));
    const pair = selfSignedCertificate(dir);
    cert = pair.cert;
    port = await freePort();
    server = spawnServer({
      AMS_HOST: '127.0.0.1',
      AMS_PORT: String(port),
      AMS_DATA_DIR: join(dir, 'data'),
      AMS_ADMIN_TOKEN: TOKEN,
      AMS_TLS_CERT_FILE: pair.cert,
      AMS_TLS_KEY_FILE: pair.key,
      AMS_LOG_LEVEL: 'warn',
    });
    const ca = readFileSync(cert);
    for (let i = 0; i < 150 && (await statusOverTls(port, ca)) !== 200; i++) {
      assert.equal(server.child.exitCode, null, `the service exited during start:\n${server.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the whole client flow: projects, users, topics, subscriptions, publish, pull, ack, offsets, push config', () => {
    const run = spawnSync(PYTHON, [join(ROOT, 'test', 'compat', 'ams_library_flow.py'), `localhost:${port}`, TOKEN], {
      env: { ...process.env, REQUESTS_CA_BUNDLE: cert },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /python client flow passed/);
  });

  it("runs the README's example as written, trusting the certificate through verify= (only endpoint and token differ)", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /```python\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, 'the README has a ```python example');
    const prints = /It prints `([^`]+)`/.exec(readme.slice(readme.indexOf('```python')))?.[1];
    assert.ok(prints, 'the README says what the example prints');
    const script = join(dir, 'example.py');
    writeFileSync(script, example.replace('localhost:8443', `localhost:${port}`).replace('change-me-admin-token', TOKEN));
    const env: Record<string, string | undefined> = { ...process.env, AMS_CA: cert };
    delete env.REQUESTS_CA_BUNDLE;
    const run = spawnSync(PYTHON, [script], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.equal(run.stdout.trim(), prints);
  });
});
