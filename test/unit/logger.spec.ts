import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loggablePath, PinoNestLogger } from '../../src/common/logger.js';
import { capturedLogger } from '../support/log-lines.js';

describe('loggablePath: no token of an unrouted request reaches the log', () => {
  const cases: [string, string][] = [
    ['/v1/projects?key=T0KEN', '/v1/projects'],
    ['/v1/projects?%6bey=T0KEN', '/v1/projects'],
    ['/v1/projects?KEY=T0KEN&x=1', '/v1/projects'],
    ['/v1/projects?key[]=T0KEN', '/v1/projects'],
    ['/v1/users:byToken/T0KEN', '/v1/users:byToken/[redacted]'],
    ['/v1/users:bytoken/T0KEN', '/v1/users:byToken/[redacted]'],
    ['/v1/users%3AbyToken/T0KEN', '/v1/users:byToken/[redacted]'],
    ['/v1/users%253abyToken/T0KEN?key=x', '/v1/users:byToken/[redacted]'],
    ['/v1/users%3ABYTOKEN/T0KEN/more', '/v1/users:byToken/[redacted]'],
    ['/v1/%zz/bad', '/v1/%zz/bad'],
    ['/v1/projects/p1/topics', '/v1/projects/p1/topics'],
  ];
  for (const [url, expected] of cases) {
    it(url, () => {
      const path = loggablePath(url);
      assert.equal(path, expected);
      assert.equal(path.includes('T0KEN'), false);
    });
  }
});

describe('one log schema for Nest and Fastify', () => {
  it('writes level names, ISO times and the message', () => {
    const { logger, lines } = capturedLogger('info');
    logger.info({ a: 1 }, 'hello');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, 'info');
    assert.match(String(lines[0].time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(lines[0].msg, 'hello');
    assert.equal(lines[0].a, 1);
  });

  it("Nest's messages go through pino with their context; route mapping and module loading at debug", () => {
    const { logger, lines } = capturedLogger('info');
    const nest = new PinoNestLogger(logger);
    nest.log('Mapped {/v1/projects, GET} route', 'RouterExplorer');
    nest.log('AppModule dependencies initialized', 'InstanceLoader');
    nest.log('created service_admin user "admin"', 'AdminBootstrap');
    nest.warn({ backend: 'mongodb', msg: 'mongodb unreachable' }, 'Health');
    nest.error('boom', 'Error: boom\n    at x', 'Somewhere');
    assert.deepEqual(
      lines.map((l) => [l.level, l.context, l.msg]),
      [
        ['info', 'AdminBootstrap', 'created service_admin user "admin"'],
        ['warn', 'Health', 'mongodb unreachable'],
        ['error', 'Somewhere', 'boom'],
      ],
    );
    assert.equal(lines[1].backend, 'mongodb');
    assert.match(String(lines[2].stack), /at x/);
    const debug = capturedLogger('debug');
    new PinoNestLogger(debug.logger).log('Mapped {/v1/projects, GET} route', 'RouterExplorer');
    assert.deepEqual(debug.lines.map((l) => [l.level, l.context]), [['debug', 'RouterExplorer']]);
  });
});
