import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmsError } from '../../src/common/ams-error.js';
import type { PushConfigRecord } from '../../src/storage/ports/records.js';
import type { PushConfigInDto } from '../../src/push/dto/push-config.dto.js';
import { isEmptyPushConfig, pushConfigView, resolvePushConfig } from '../../src/push/push-config.js';

/** A secret generator whose outputs are recognisable and never repeat. */
function secrets(): { next: () => string; issued: string[] } {
  const issued: string[] = [];
  return {
    issued,
    next: () => {
      const secret = `secret-${issued.length + 1}`;
      issued.push(secret);
      return secret;
    },
  };
}

const input = (value: Record<string, unknown>): PushConfigInDto => value as PushConfigInDto;

const badRequest = (message: string) => (err: unknown) =>
  err instanceof AmsError && err.code === 400 && err.status === 'INVALID_ARGUMENT' && err.message === message;

const HTTP: PushConfigRecord = {
  type: 'http_endpoint',
  pushEndpoint: 'https://receiver.example.org/push',
  maxMessages: 5,
  authorizationHeader: { type: 'autogen', value: 'old-header' },
  retryPolicy: { type: 'linear', period: 2000 },
  verificationHash: 'old-hash',
  verified: true,
  mattermostUrl: '',
  mattermostUsername: '',
  mattermostChannel: '',
  base64Decode: true,
};

describe('resolvePushConfig: create (spec 4.6)', () => {
  for (const empty of [undefined, {}, { type: '', pushEndpoint: '', mattermostUrl: '' }]) {
    it(`${JSON.stringify(empty)} is a pull subscription`, () => {
      const gen = secrets();
      assert.equal(isEmptyPushConfig(empty as PushConfigInDto | undefined), true);
      assert.equal(resolvePushConfig(empty as PushConfigInDto | undefined, null, gen.next), null);
      assert.deepEqual(gen.issued, []);
    });
  }

  it('an http endpoint gets defaults, a fresh verification hash and an autogen header, unverified', () => {
    const gen = secrets();
    const config = resolvePushConfig(input({ type: 'http_endpoint', pushEndpoint: 'https://r.example.org/x' }), null, gen.next);
    assert.ok(config !== null);
    assert.equal(gen.issued.length, 2);
    assert.deepEqual(config, {
      type: 'http_endpoint',
      pushEndpoint: 'https://r.example.org/x',
      maxMessages: 1,
      authorizationHeader: { type: 'autogen', value: config.authorizationHeader.value },
      retryPolicy: { type: 'linear', period: 3000 },
      verificationHash: config.verificationHash,
      verified: false,
      mattermostUrl: '',
      mattermostUsername: '',
      mattermostChannel: '',
      base64Decode: false,
    });
    assert.deepEqual([config.authorizationHeader.value, config.verificationHash].sort(), gen.issued.slice().sort());
  });

  it('keeps the given batch size, retry policy and base64Decode', () => {
    const config = resolvePushConfig(
      input({
        type: 'http_endpoint',
        pushEndpoint: 'https://r.example.org:8443/x?y=1',
        maxMessages: 10,
        retryPolicy: { type: 'linear', period: 500 },
        base64Decode: true,
      }),
      null,
      secrets().next,
    );
    assert.equal(config?.maxMessages, 10);
    assert.deepEqual(config?.retryPolicy, { type: 'linear', period: 500 });
    assert.equal(config?.base64Decode, true);
  });

  const periods: [number | undefined, number][] = [
    [undefined, 3000],
    [0, 3000],
    [-5, 3000],
    [1, 1],
    [60000, 60000],
  ];
  for (const [period, stored] of periods) {
    it(`linear period ${String(period)} is stored as ${stored}`, () => {
      const config = resolvePushConfig(
        input({ type: 'http_endpoint', pushEndpoint: 'https://r.example.org', retryPolicy: { period } }),
        null,
        secrets().next,
      );
      assert.deepEqual(config?.retryPolicy, { type: 'linear', period: stored });
    });
  }

  it('slowstart keeps no period of its own (the default is shown, spec 8.8)', () => {
    const config = resolvePushConfig(
      input({ type: 'http_endpoint', pushEndpoint: 'https://r.example.org', retryPolicy: { type: 'slowstart', period: 10 } }),
      null,
      secrets().next,
    );
    assert.deepEqual(config?.retryPolicy, { type: 'slowstart', period: 3000 });
  });

  it('a disabled authorization header has no value', () => {
    const gen = secrets();
    const config = resolvePushConfig(
      input({ type: 'http_endpoint', pushEndpoint: 'https://r.example.org', authorizationHeader: { type: 'disabled' } }),
      null,
      gen.next,
    );
    assert.deepEqual(config?.authorizationHeader, { type: 'disabled', value: '' });
    assert.deepEqual(gen.issued, [config?.verificationHash]);
  });

  it('client header values are ignored; autogen makes its own', () => {
    const config = resolvePushConfig(
      input({
        type: 'http_endpoint',
        pushEndpoint: 'https://r.example.org',
        authorizationHeader: { type: 'autogen', value: 'chosen-by-client' },
      }),
      null,
      secrets().next,
    );
    assert.notEqual(config?.authorizationHeader.value, 'chosen-by-client');
  });

  it('an endpoint without a type is an http endpoint (argo-ams-library sends none)', () => {
    const config = resolvePushConfig(input({ pushEndpoint: 'https://r.example.org' }), null, secrets().next);
    assert.equal(config?.type, 'http_endpoint');
    assert.equal(config?.pushEndpoint, 'https://r.example.org');
    assert.throws(
      () => resolvePushConfig(input({ pushEndpoint: 'http://r.example.org' }), null, secrets().next),
      badRequest('Push endpoint should be addressed by a valid https url'),
    );
  });

  it('mattermost is verified at once, with no endpoint and no hash', () => {
    const config = resolvePushConfig(
      input({
        type: 'mattermost',
        pushEndpoint: 'https://ignored.example.org',
        mattermostUrl: 'https://mm.example.org/hooks/x',
        mattermostUsername: 'bot',
        mattermostChannel: 'alerts',
      }),
      null,
      secrets().next,
    );
    assert.equal(config?.type, 'mattermost');
    assert.equal(config?.pushEndpoint, '');
    assert.equal(config?.verificationHash, '');
    assert.equal(config?.verified, true);
    assert.equal(config?.mattermostUrl, 'https://mm.example.org/hooks/x');
    assert.equal(config?.mattermostUsername, 'bot');
    assert.equal(config?.mattermostChannel, 'alerts');
  });

  const rejected: [Record<string, unknown>, string][] = [
    [{ type: 'webhook', pushEndpoint: 'https://r.example.org' }, "Push configuration type can only be of 'http_endpoint' or 'mattermost'"],
    [{ mattermostUrl: 'https://mm.example.org' }, "Push configuration type can only be of 'http_endpoint' or 'mattermost'"],
    [{ type: 'http_endpoint' }, 'Push endpoint should be addressed by a valid https url'],
    [{ type: 'http_endpoint', pushEndpoint: 'http://r.example.org' }, 'Push endpoint should be addressed by a valid https url'],
    [{ type: 'http_endpoint', pushEndpoint: 'r.example.org/push' }, 'Push endpoint should be addressed by a valid https url'],
    [{ type: 'http_endpoint', pushEndpoint: 'ftp://r.example.org' }, 'Push endpoint should be addressed by a valid https url'],
    [
      { type: 'http_endpoint', pushEndpoint: 'https://r.example.org', retryPolicy: { type: 'exponential' } },
      "Retry policy can only be of 'linear' or 'slowstart' type",
    ],
    [
      { type: 'http_endpoint', pushEndpoint: 'https://r.example.org', authorizationHeader: { type: 'bearer' } },
      "Authorization header type can only be of 'autogen' or 'disabled' type",
    ],
    [{ type: 'mattermost' }, 'Field mattermostUrl cannot be empty'],
    [{ type: 'mattermost', mattermostUrl: '', mattermostChannel: 'x' }, 'Field mattermostUrl cannot be empty'],
  ];
  for (const [body, message] of rejected) {
    it(`${JSON.stringify(body)} -> 400 ${message}`, () => {
      assert.throws(() => resolvePushConfig(input(body), null, secrets().next), badRequest(message));
    });
  }
});

describe('resolvePushConfig: modify (spec 4.6)', () => {
  it('the same endpoint keeps its hash and verification; an omitted header type keeps type and value', () => {
    const gen = secrets();
    const config = resolvePushConfig(input({ type: 'http_endpoint', pushEndpoint: HTTP.pushEndpoint }), HTTP, gen.next);
    assert.equal(config?.verificationHash, 'old-hash');
    assert.equal(config?.verified, true);
    assert.deepEqual(config?.authorizationHeader, { type: 'autogen', value: 'old-header' });
    assert.deepEqual(gen.issued, []);
  });

  it('a new endpoint needs a new verification', () => {
    const gen = secrets();
    const config = resolvePushConfig(input({ type: 'http_endpoint', pushEndpoint: 'https://other.example.org' }), HTTP, gen.next);
    assert.equal(config?.pushEndpoint, 'https://other.example.org');
    assert.equal(config?.verified, false);
    assert.notEqual(config?.verificationHash, 'old-hash');
    assert.ok(gen.issued.includes(config?.verificationHash as string));
  });

  it('an explicit autogen mints a new header value on every call', () => {
    const gen = secrets();
    const body = input({ type: 'http_endpoint', pushEndpoint: HTTP.pushEndpoint, authorizationHeader: { type: 'autogen' } });
    const first = resolvePushConfig(body, HTTP, gen.next);
    const second = resolvePushConfig(body, first, gen.next);
    assert.notEqual(first?.authorizationHeader.value, 'old-header');
    assert.notEqual(second?.authorizationHeader.value, first?.authorizationHeader.value);
    assert.equal(second?.verificationHash, 'old-hash');
  });

  it('an omitted header type keeps a disabled header disabled', () => {
    const disabled: PushConfigRecord = { ...HTTP, authorizationHeader: { type: 'disabled', value: '' } };
    const config = resolvePushConfig(input({ type: 'http_endpoint', pushEndpoint: HTTP.pushEndpoint }), disabled, secrets().next);
    assert.deepEqual(config?.authorizationHeader, { type: 'disabled', value: '' });
  });

  it('maxMessages 0 keeps the previous batch size', () => {
    const config = resolvePushConfig(input({ type: 'http_endpoint', pushEndpoint: HTTP.pushEndpoint, maxMessages: 0 }), HTTP, secrets().next);
    assert.equal(config?.maxMessages, 5);
    const changed = resolvePushConfig(input({ type: 'http_endpoint', pushEndpoint: HTTP.pushEndpoint, maxMessages: 9 }), HTTP, secrets().next);
    assert.equal(changed?.maxMessages, 9);
  });

  it('{} turns a push subscription back to pull', () => {
    assert.equal(resolvePushConfig(input({}), HTTP, secrets().next), null);
    assert.equal(resolvePushConfig(undefined, HTTP, secrets().next), null);
  });

  it('base64Decode is whatever the modify says (not dropped, spec 5.2)', () => {
    const on = resolvePushConfig(input({ type: 'http_endpoint', pushEndpoint: HTTP.pushEndpoint, base64Decode: true }), { ...HTTP, base64Decode: false }, secrets().next);
    assert.equal(on?.base64Decode, true);
  });

  it('switching from http to mattermost is verified at once and drops the endpoint', () => {
    const config = resolvePushConfig(input({ type: 'mattermost', mattermostUrl: 'https://mm.example.org' }), HTTP, secrets().next);
    assert.equal(config?.verified, true);
    assert.equal(config?.pushEndpoint, '');
    assert.equal(config?.verificationHash, '');
  });
});

describe('pushConfigView (spec 3.0, 8.8)', () => {
  it('a pull subscription shows the zero-valued config', () => {
    assert.deepEqual(pushConfigView(null), {
      type: '',
      pushEndpoint: '',
      maxMessages: 0,
      authorizationHeader: {},
      retryPolicy: {},
      verificationHash: '',
      verified: false,
      mattermostUrl: '',
      mattermostUsername: '',
      mattermostChannel: '',
      base64Decode: false,
    });
  });

  it('shows every stored field of a push subscription', () => {
    assert.deepEqual(pushConfigView(HTTP), {
      type: 'http_endpoint',
      pushEndpoint: 'https://receiver.example.org/push',
      maxMessages: 5,
      authorizationHeader: { type: 'autogen', value: 'old-header' },
      retryPolicy: { type: 'linear', period: 2000 },
      verificationHash: 'old-hash',
      verified: true,
      mattermostUrl: '',
      mattermostUsername: '',
      mattermostChannel: '',
      base64Decode: true,
    });
  });

  it('a stored batch size of 0 shows as 1', () => {
    assert.equal(pushConfigView({ ...HTTP, maxMessages: 0 }).maxMessages, 1);
  });

  it('a disabled header shows its type only', () => {
    assert.deepEqual(pushConfigView({ ...HTTP, authorizationHeader: { type: 'disabled', value: '' } }).authorizationHeader, {
      type: 'disabled',
    });
  });

  it('slowstart still shows period, which the Python client needs', () => {
    assert.deepEqual(pushConfigView({ ...HTTP, retryPolicy: { type: 'slowstart', period: 3000 } }).retryPolicy, {
      type: 'slowstart',
      period: 3000,
    });
  });
});
