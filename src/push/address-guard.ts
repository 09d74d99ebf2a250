import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

/**
 * Outbound safety for push (pubsub-extensions 9, spec 8.12): push endpoints must not reach the service's own network.
 * Refused: every block of the IANA IPv4 and IPv6 special-purpose address registries (RFC 6890 and later entries), the
 * multicast and site-local blocks, and every address of the host's own interfaces, where every service bound to
 * 0.0.0.0 listens (AMS included). IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:0:0/96, 6to4 2002::/16,
 * NAT64 64:ff9b::/96) are judged by that IPv4 address, since that is where the packets end up.
 *
 * Operators adjust it: AMS_PUSH_DENY_CIDRS refuses even public blocks and wins over everything; AMS_PUSH_ALLOW_CIDRS
 * allows blocks even if special; AMS_PUSH_ALLOW_PRIVATE=true switches the special-purpose and own-address checks off.
 */
const SPECIAL_IPV4 = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // private
  '100.64.0.0/10', // shared address space (carrier-grade NAT)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata services
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments (192.0.0.192 is Oracle Cloud metadata)
  '192.0.2.0/24', // documentation (TEST-NET-1)
  '192.31.196.0/24', // AS112-v4
  '192.52.193.0/24', // AMT
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16', // private
  '192.175.48.0/24', // direct delegation AS112 service
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation (TEST-NET-2)
  '203.0.113.0/24', // documentation (TEST-NET-3)
  '224.0.0.0/4', // multicast (its own registry)
  '240.0.0.0/4', // reserved
  '255.255.255.255/32', // limited broadcast
] as const;

const SPECIAL_IPV6 = [
  '::/96', // unspecified, loopback and the deprecated IPv4-compatible addresses
  '64:ff9b:1::/48', // local-use IPv4/IPv6 translation
  '100::/64', // discard-only
  '100:0:0:1::/64', // dummy prefix
  '2001::/23', // IETF protocol assignments (Teredo, benchmarking, ORCHID, AMT, ...)
  '2001:db8::/32', // documentation
  '2620:4f:8000::/48', // direct delegation AS112 service
  '3fff::/20', // documentation
  '5f00::/16', // segment routing SIDs
  'fc00::/7', // unique local (fd00:ec2::254 is AWS metadata)
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local
  'ff00::/8', // multicast
] as const;

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** `address/prefix` blocks; a bare address is a block of one. */
const parseCidrs = (cidrs: readonly string[]): Cidr[] =>
  cidrs.map((c) => {
    if (c.includes('/')) return ipaddr.parseCIDR(c);
    const address = ipaddr.parse(c);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  });
const SPECIAL = parseCidrs([...SPECIAL_IPV4, ...SPECIAL_IPV6]);

/** The IPv4 address an IPv6 address delivers to (mapped, 6to4, NAT64 well-known prefix), else the address itself. */
function effective(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv4') return address;
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  const p = v6.parts;
  const ipv4 = (high: number, low: number): ipaddr.IPv4 => new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]);
  if (p[0] === 0x2002) return ipv4(p[1], p[2]);
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) return ipv4(p[6], p[7]);
  return v6;
}

const within = (address: ipaddr.IPv4 | ipaddr.IPv6, cidrs: readonly Cidr[]): boolean =>
  cidrs.some(([network, prefix]) => network.kind() === address.kind() && address.match(network, prefix));

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // ipaddr.js also reads "1", "0x7f.1" and other classful IPv4 spellings; only dotted quads and IPv6 are addresses here.
  if (!ipaddr.IPv4.isValidFourPartDecimal(bare) && !ipaddr.IPv6.isValid(bare)) return null;
  return effective(ipaddr.parse(bare));
}

/** Whether an address is in the special-purpose registries. Not an IP at all -> false (names are resolved first). */
export function isForbiddenAddress(address: string): boolean {
  const parsed = parseAddress(address);
  return parsed !== null && within(parsed, SPECIAL);
}

/** Every address of this host's interfaces, read when asked: addresses come and go (DHCP, containers). */
function ownAddresses(): Cidr[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => parseAddress(i.address))
    .filter((a): a is ipaddr.IPv4 | ipaddr.IPv6 => a !== null)
    .map((a) => [a, a.kind() === 'ipv4' ? 32 : 128]);
}

/** The settings of PushConfig the policy reads. */
export interface AddressPolicySettings {
  readonly allowPrivate: boolean;
  readonly allowCidrs: readonly string[];
  readonly denyCidrs: readonly string[];
}

/** Where push may connect, from the operator's settings; `own` lists the host's addresses (tests pass their own). */
export class AddressPolicy {
  private readonly allow: Cidr[];
  private readonly deny: Cidr[];

  constructor(
    private readonly settings: AddressPolicySettings,
    private readonly own: () => Cidr[] = ownAddresses,
  ) {
    this.allow = parseCidrs(settings.allowCidrs);
    this.deny = parseCidrs(settings.denyCidrs);
  }

  /** Whether push must not connect to this literal address. Names are not addresses: resolve them first. */
  refuses(address: string): boolean {
    const parsed = parseAddress(address);
    if (parsed === null) return false;
    if (within(parsed, this.deny)) return true;
    if (within(parsed, this.allow) || this.settings.allowPrivate) return false;
    return within(parsed, SPECIAL) || within(parsed, this.own());
  }
}

const POLICIES = new WeakMap<AddressPolicySettings, AddressPolicy>();

/** One policy per configuration object (the CIDR lists are parsed once). */
export function addressPolicy(settings: AddressPolicySettings): AddressPolicy {
  let policy = POLICIES.get(settings);
  if (policy === undefined) {
    policy = new AddressPolicy(settings);
    POLICIES.set(settings, policy);
  }
  return policy;
}

/**
 * The error a refused address gives. Its message names host and address for the server log; clients only ever see
 * UNREACHABLE (verification, pushStatus) or the config-time refusal, which names what they sent.
 */
export class ForbiddenAddressError extends Error {
  readonly code = 'EPUSHADDRESS';
  constructor(host: string, address: string) {
    super(`push endpoint ${host} resolves to ${address}, a special-purpose, own or denied address`);
    this.name = 'ForbiddenAddressError';
  }
}

/**
 * What a client is told when an outbound request got no HTTP answer, whatever the cause: an address, a port, an errno
 * or resolver text would let a project admin map the service's network (refused vs. timed out is a port scan).
 */
export const UNREACHABLE = 'endpoint unreachable';

/** The config-time 400: names the host as the client wrote it, never what it resolved to. */
export const refusedPushTarget = (host: string): string =>
  `Push endpoint must not address a loopback, link-local, private, reserved or special-purpose network, or this service's host (${host})`;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) requests that resolves as usual and refuses forbidden addresses, so the check applies to
 * the address actually connected to (no window between checking a name and connecting to what it resolves to).
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => policy.refuses(a.address));
      if (refused !== undefined) return callback(new ForbiddenAddressError(hostname, refused.address), []);
      if ((options as { all?: boolean }).all) return callback(null, list);
      const first = list[0];
      if (first === undefined) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Config-time check of a push URL's host: the refused address a literal host is, or a name resolves to, else null. A
 * name that does not resolve (yet) passes: delivery checks again on every connection and reports the failure.
 */
export async function checkHostAllowed(host: string, settings: AddressPolicySettings, timeoutMs = 2000): Promise<string | null> {
  const policy = addressPolicy(settings);
  const bare = host.replace(/^\[|\]$/g, '');
  // URL parsing has already turned numeric IPv4 spellings (2130706433, 0x7f.1) into dotted quads.
  if (parseAddress(bare) !== null) return policy.refuses(bare) ? bare : null;
  const addresses = await new Promise<LookupAddress[]>((resolve) => {
    const timer = setTimeout(() => resolve([]), timeoutMs);
    dnsLookup(bare, { all: true }, (err, found) => {
      clearTimeout(timer);
      resolve(err ? [] : found);
    });
  });
  return addresses.find((a) => policy.refuses(a.address))?.address ?? null;
}
