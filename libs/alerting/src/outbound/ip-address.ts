import { isIPv4, isIPv6 } from 'node:net';

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type AddressBytes = readonly number[];

/** The bytes of an IPv4 or IPv6 address in text form (IPv6 with `::` and a trailing dotted quad); `null` for anything else. */
export function addressBytes(text: string): AddressBytes | null {
  const address = text.replace(/^\[|\]$/g, '');
  if (isIPv4(address)) return address.split('.').map(Number);
  if (!isIPv6(address) || address.includes('%')) return null;
  let groups = address;
  let tail: number[] = [];
  const lastColon = groups.lastIndexOf(':');
  const last = groups.slice(lastColon + 1);
  if (isIPv4(last)) {
    tail = last.split('.').map(Number);
    groups = `${groups.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = groups.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - left.length - right.length;
  const words = [...left, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...right].map((w) => parseInt(w, 16));
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** A CIDR block: its network bytes and prefix length. */
export interface Cidr {
  readonly bytes: AddressBytes;
  readonly prefix: number;
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (a /32 or /128). Throws on anything else. */
export function parseCidr(text: string): Cidr {
  const [address = '', prefixText] = text.split('/');
  const bytes = addressBytes(address);
  if (!bytes) throw new Error(`"${text}" is not an address or CIDR block`);
  const prefix = prefixText === undefined ? bytes.length * 8 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) throw new Error(`"${text}": the prefix length must be 0 to ${bytes.length * 8}`);
  return { bytes, prefix };
}

/** True when `bytes` lies in the block (addresses of the other family never do). */
export function inCidr(bytes: AddressBytes, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.prefix; bit += 8) {
    const mask = cidr.prefix - bit >= 8 ? 0xff : (0xff << (8 - (cidr.prefix - bit))) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((cidr.bytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

/** IPv6 prefixes whose last 32 bits are an IPv4 address a connection may end up at. */
const EMBEDDING_IPV4: readonly Cidr[] = [
  parseCidr('::ffff:0:0/96'), // IPv4-mapped
  parseCidr('::/96'), // IPv4-compatible (deprecated, still routed by some stacks)
  parseCidr('64:ff9b::/96'), // NAT64, well-known prefix
];

/** The IPv4 address an IPv6 address carries (mapped, compatible or NAT64 form), as text; `null` when none. */
export function embeddedIpv4(bytes: AddressBytes): string | null {
  if (bytes.length !== 16 || !EMBEDDING_IPV4.some((cidr) => inCidr(bytes, cidr))) return null;
  return bytes.slice(12).join('.');
}
