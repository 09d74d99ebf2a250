import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';

/**
 * Outbound safety for push (pubsub-extensions 9): push endpoints must not reach the service's own network. Refused
 * unless AMS_PUSH_ALLOW_PRIVATE=true: loopback, link-local (cloud metadata at 169.254.169.254 included), private,
 * carrier-grade NAT, unspecified, multicast and reserved ranges, IPv4 and IPv6, and IPv4 inside IPv6 (::ffff:a.b.c.d).
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments (192.0.0.192 is Oracle Cloud metadata)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 can reach any IPv4 address, private ones included
  ['fd00:ec2::254', 128], // AWS metadata over IPv6 (inside fc00::/7 already; named for the reader)
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** Whether a literal IP address is one push must not reach. Not an IP at all -> false (names are resolved first). */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return FORBIDDEN.check(mapped[1], 'ipv4');
  return FORBIDDEN.check(address, 'ipv6');
}

/** The error a refused address gives; its message becomes the push status or the 400 at config time. */
export class ForbiddenAddressError extends Error {
  readonly code = 'EPUSHADDRESS';
  constructor(host: string, address: string) {
    super(`push endpoint ${host} resolves to ${address}, a loopback, link-local, private or reserved address`);
    this.name = 'ForbiddenAddressError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) requests that resolves as usual and refuses forbidden addresses, so the check applies to
 * the address actually connected to (no window between checking a name and connecting to what it resolves to).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = allowPrivate ? undefined : list.find((a) => isForbiddenAddress(a.address));
      if (refused !== undefined) return callback(new ForbiddenAddressError(hostname, refused.address), []);
      if ((options as { all?: boolean }).all) return callback(null, list);
      const first = list[0];
      if (first === undefined) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Config-time check of a push URL's host: a literal forbidden address, or a name that resolves to one, is refused. A
 * name that does not resolve (yet) passes: delivery checks again on every connection and reports the failure.
 */
export async function checkHostAllowed(host: string, allowPrivate: boolean, timeoutMs = 2000): Promise<string | null> {
  if (allowPrivate) return null;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) return isForbiddenAddress(bare) ? bare : null;
  const addresses = await new Promise<LookupAddress[]>((resolve) => {
    const timer = setTimeout(() => resolve([]), timeoutMs);
    dnsLookup(bare, { all: true }, (err, found) => {
      clearTimeout(timer);
      resolve(err ? [] : found);
    });
  });
  return addresses.find((a) => isForbiddenAddress(a.address))?.address ?? null;
}
