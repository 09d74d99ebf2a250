import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHostAllowed, guardedLookup, isForbiddenAddress } from '../../src/push/address-guard.js';

describe('push address guard (pubsub-extensions 9)', () => {
  it('refuses loopback, link-local, private, CGNAT, metadata, unspecified, multicast and reserved addresses', () => {
    for (const address of [
      '127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.254',
      '169.254.169.254', '169.254.0.1', '0.0.0.0', '0.1.2.3', '224.0.0.1', '255.255.255.255', '192.0.0.192',
      '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'fd00:ec2::254', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
    ]) {
      assert.equal(isForbiddenAddress(address), true, address);
    }
  });

  it('lets public addresses through', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '192.169.0.1', '2001:db8::1', '2a00:1450::1', '::ffff:8.8.8.8']) {
      assert.equal(isForbiddenAddress(address), false, address);
    }
    assert.equal(isForbiddenAddress('example.org'), false, 'names are resolved before the check');
  });

  it('checks literal hosts and resolved names at config time, unless private addresses are allowed', async () => {
    assert.equal(await checkHostAllowed('127.0.0.1', false), '127.0.0.1');
    assert.equal(await checkHostAllowed('[::1]', false), '::1');
    assert.equal(await checkHostAllowed('localhost', false), '127.0.0.1');
    assert.equal(await checkHostAllowed('8.8.8.8', false), null);
    assert.equal(await checkHostAllowed('127.0.0.1', true), null);
    assert.equal(await checkHostAllowed('does-not-resolve.invalid', false), null, 'unresolvable names are checked at delivery');
  });

  it('refuses a forbidden resolution at connection time, and passes it when allowed', async () => {
    const resolve = (allow: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((done) =>
        guardedLookup(allow)('localhost', { family: 4 }, (err, address) => done({ err, address })),
      );
    const refused = await resolve(false);
    assert.match(refused.err?.message ?? '', /^push endpoint localhost resolves to 127\.0\.0\.1, a loopback, link-local, private or reserved address$/);
    const allowed = await resolve(true);
    assert.equal(allowed.err, null);
    assert.equal(allowed.address, '127.0.0.1');
  });
});
