import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ipaddr from 'ipaddr.js';
import { AddressPolicy, checkHostAllowed, guardedLookup, isForbiddenAddress } from '../../src/push/address-guard.js';

const settings = (over: Partial<{ allowPrivate: boolean; allowCidrs: string[]; denyCidrs: string[] }> = {}) => ({
  allowPrivate: false,
  allowCidrs: [],
  denyCidrs: [],
  ...over,
});
/** A policy whose host has the given interface addresses (no real interface is consulted). */
const policyWith = (own: string[], over: Parameters<typeof settings>[0] = {}): AddressPolicy =>
  new AddressPolicy(settings(over), () => own.map((a) => [ipaddr.parse(a), a.includes(':') ? 128 : 32]));

describe('push address guard (pubsub-extensions 9, spec 8.12)', () => {
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

  it('refuses the rest of the IANA special-purpose registries: documentation, relay, AS112, AMT, discard, ...', () => {
    for (const address of [
      '192.0.2.2', '198.51.100.7', '203.0.113.9', '192.88.99.1', '192.31.196.1', '192.52.193.1', '192.175.48.1', '198.19.0.1',
      '2001:db8::1', '3fff::1', '100::1', '100:0:0:1::1', '::7', '::a00:1', '2001::1', '2001:2::1', '2001:20::1',
      '2620:4f:8000::1', '5f00::1', '64:ff9b:1::1', 'fec0::1',
      // 6to4 and NAT64 by the IPv4 address inside: 192.0.2.2, 10.0.0.1, 127.0.0.1
      '2002:c000:202::1', '2002:a00:1::', '64:ff9b::7f00:1', '64:ff9b::c000:202',
    ]) {
      assert.equal(isForbiddenAddress(address), true, address);
    }
  });

  it('lets public addresses through, 6to4 and NAT64 of public IPv4 included', () => {
    for (const address of [
      '8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '192.169.0.1', '2a00:1450::1', '::ffff:8.8.8.8',
      '2002:808:808::1', '64:ff9b::808:808',
    ]) {
      assert.equal(isForbiddenAddress(address), false, address);
    }
    assert.equal(isForbiddenAddress('example.org'), false, 'names are resolved before the check');
  });

  it("refuses the host's own interface addresses, in any IPv6 form", () => {
    const policy = policyWith(['93.184.216.34', '2a00:1450::7']);
    for (const address of ['93.184.216.34', '::ffff:93.184.216.34', '2002:5db8:d822::1', '64:ff9b::5db8:d822', '2a00:1450::7']) {
      assert.equal(policy.refuses(address), true, address);
    }
    assert.equal(policy.refuses('93.184.216.35'), false);
  });

  it('AMS_PUSH_ALLOW_CIDRS allows special blocks, AMS_PUSH_DENY_CIDRS refuses public ones and wins', () => {
    const policy = policyWith(['127.0.0.1'], { allowCidrs: ['127.0.0.1/32', '192.0.2.0/24'], denyCidrs: ['8.8.0.0/16', '192.0.2.9/32'] });
    assert.equal(policy.refuses('127.0.0.1'), false, 'allowed although loopback and own');
    assert.equal(policy.refuses('192.0.2.1'), false);
    assert.equal(policy.refuses('192.0.2.9'), true, 'deny wins over allow');
    assert.equal(policy.refuses('127.0.0.2'), true);
    assert.equal(policy.refuses('8.8.8.8'), true, 'denied although public');
    assert.equal(policy.refuses('64:ff9b::808:808'), true, 'denied through NAT64 too');
    assert.equal(policy.refuses('1.1.1.1'), false);
    const open = policyWith(['192.0.2.2'], { allowPrivate: true, denyCidrs: ['10.0.0.0/8'] });
    assert.equal(open.refuses('192.0.2.2'), false, 'AMS_PUSH_ALLOW_PRIVATE switches the guard off');
    assert.equal(open.refuses('10.1.1.1'), true, 'but not the deny list');
  });

  it('checks literal hosts and resolved names at config time, unless private addresses are allowed', async () => {
    const strict = settings();
    assert.equal(await checkHostAllowed('127.0.0.1', strict), '127.0.0.1');
    assert.equal(await checkHostAllowed('[::1]', strict), '::1');
    assert.equal(await checkHostAllowed('localhost', strict), '127.0.0.1');
    assert.equal(await checkHostAllowed('192.0.2.2', strict), '192.0.2.2');
    assert.equal(await checkHostAllowed('[2002:c000:202::1]', strict), '2002:c000:202::1');
    assert.equal(await checkHostAllowed('8.8.8.8', strict), null);
    assert.equal(await checkHostAllowed('127.0.0.1', settings({ allowPrivate: true })), null);
    assert.equal(await checkHostAllowed('127.0.0.1', settings({ allowCidrs: ['127.0.0.0/8'] })), null);
    assert.equal(await checkHostAllowed('does-not-resolve.invalid', strict), null, 'unresolvable names are checked at delivery');
  });

  it('refuses a forbidden resolution at connection time, and passes it when allowed', async () => {
    const resolve = (policy: AddressPolicy) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((done) =>
        guardedLookup(policy)('localhost', { family: 4 }, (err, address) => done({ err, address })),
      );
    const refused = await resolve(policyWith([]));
    assert.match(refused.err?.message ?? '', /^push endpoint localhost resolves to 127\.0\.0\.1, a special-purpose, own or denied address$/);
    const allowed = await resolve(policyWith([], { allowCidrs: ['127.0.0.1'] }));
    assert.equal(allowed.err, null);
    assert.equal(allowed.address, '127.0.0.1');
  });
});
