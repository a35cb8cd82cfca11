import { CONFIG_VARIABLES, type AppConfig } from '@kanshi/config';
import { addressBytes, embeddedIpv4, inCidr, parseCidr, type AddressBytes, type Cidr } from './ip-address';

const ALLOWLIST_VARIABLE = CONFIG_VARIABLES.outboundAllowlist.name;

/** Ranges a notification may not reach unless allowlisted, each with what it is. */
const BLOCKED: readonly { readonly cidr: Cidr; readonly what: string }[] = [
  ['0.0.0.0/8', 'an unspecified ("this network") address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.169.254/32', 'the cloud metadata address (link-local)'],
  ['169.254.0.0/16', 'a link-local address'],
  ['10.0.0.0/8', 'a private address'],
  ['172.16.0.0/12', 'a private address'],
  ['192.168.0.0/16', 'a private address'],
  ['100.64.0.0/10', 'a carrier-grade NAT address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved or broadcast address'],
  ['::/128', 'an unspecified address'],
  ['::1/128', 'a loopback address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local address'],
  ['fc00::/7', 'a unique-local address'],
  ['ff00::/8', 'a multicast address'],
].map(([cidr = '', what = '']) => ({ cidr: parseCidr(cidr), what }));

/** Why an address may not be reached; none when it may. */
export interface Refusal {
  readonly address: string;
  readonly what: string;
}

/**
 * Where webhooks, Slack and SMTP may connect: anywhere but loopback, unspecified, link-local
 * (the cloud metadata address among them), private, carrier-grade NAT, unique-local, site-local,
 * multicast and reserved addresses, in either family and in the IPv6 forms that carry an IPv4
 * address; unless `KANSHI_OUTBOUND_ALLOWLIST` names the address's block or the host.
 */
export class OutboundPolicy {
  private readonly allowedBlocks: readonly Cidr[];
  private readonly allowedHosts: readonly string[];

  /** `allowlist`: addresses, CIDR blocks, host names and `*.domain` patterns. */
  constructor(allowlist: readonly string[] = []) {
    const entries = allowlist.map((e) => e.trim().toLowerCase()).filter(Boolean);
    this.allowedBlocks = entries.filter((e) => addressBytes(e.split('/')[0] ?? '') !== null).map(parseCidr);
    this.allowedHosts = entries.filter((e) => addressBytes(e.split('/')[0] ?? '') === null);
  }

  static fromConfig(config: AppConfig): OutboundPolicy {
    return new OutboundPolicy(config.values.outboundAllowlist ?? []);
  }

  /** True when the allowlist names the host (exactly, or under a `*.` pattern): any address it resolves to may be reached. */
  allowsHost(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    return this.allowedHosts.some((entry) => (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry));
  }

  /** Why `address` (an IP address in text form) may not be reached, or `null` when it may. Not an address at all is refused too. */
  refusal(address: string): Refusal | null {
    const bytes = addressBytes(address);
    if (!bytes) return { address, what: 'not an IP address' };
    if (this.allowed(bytes)) return null;
    const blocked = BLOCKED.find((b) => inCidr(bytes, b.cidr));
    if (blocked) return { address, what: blocked.what };
    const ipv4 = embeddedIpv4(bytes);
    if (ipv4 !== null) {
      const inner = this.refusal(ipv4);
      if (inner) return { address, what: `${inner.what} in IPv6 form (${ipv4})` };
    }
    return null;
  }

  private allowed(bytes: AddressBytes): boolean {
    const ipv4 = embeddedIpv4(bytes);
    const v4 = ipv4 === null ? null : addressBytes(ipv4);
    return this.allowedBlocks.some((cidr) => inCidr(bytes, cidr) || (v4 !== null && inCidr(v4, cidr)));
  }
}

/** The text a refused connection reports, naming the address, what it is and the setting that allows it. */
export function refusalMessage(refusal: Refusal, hostname?: string): string {
  const subject = hostname && hostname !== refusal.address ? `${hostname} resolves to ${refusal.address}, ${refusal.what}` : `${refusal.address} is ${refusal.what}`;
  return `refused: ${subject} (set ${ALLOWLIST_VARIABLE} to allow it)`;
}
