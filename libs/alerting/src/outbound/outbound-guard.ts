import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { AppConfig } from '@kanshi/config';
import { OutboundPolicy, refusalMessage } from './outbound-policy';

/** An address a host name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to its addresses; the system resolver unless a test passes its own. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver (getaddrinfo, as a plain connection would use: /etc/hosts included). */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

/** A connection the policy refuses. Its message is safe to store and show: it names the address and the setting, nothing else. */
export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
  /** Stable, so a refusal is recognised across realms (errors from Node's sockets may not be `instanceof`). */
  readonly code = OUTBOUND_REFUSED;
}

export const OUTBOUND_REFUSED = 'ERR_KANSHI_OUTBOUND_REFUSED';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Checks every outbound connection of the notification senders against {@link OutboundPolicy}
 * on the address actually connected to: host names are resolved here and each address checked
 * at connect time (`lookup` for node:http, {@link addressesFor} before SMTP), so a name that
 * resolves to a public address when a channel is saved and to 127.0.0.1 when it is used
 * (DNS rebinding) is still refused.
 */
export class OutboundGuard {
  constructor(
    readonly policy: OutboundPolicy,
    private readonly resolver: Resolver = systemResolver,
  ) {}

  static fromConfig(config: AppConfig, resolver?: Resolver): OutboundGuard {
    return new OutboundGuard(OutboundPolicy.fromConfig(config), resolver);
  }

  /**
   * The addresses to connect to for `host` (a name or an address, IPv6 with or without
   * brackets), every one allowed. Throws {@link OutboundRefusedError} when any is refused (a
   * name that resolves to an internal address among public ones is suspect as a whole), or the
   * resolver's error.
   */
  async addressesFor(host: string): Promise<ResolvedAddress[]> {
    const bare = host.replace(/^\[|\]$/g, '');
    const family = isIP(bare);
    if (family !== 0) {
      const refusal = this.policy.refusal(bare);
      if (refusal) throw new OutboundRefusedError(refusalMessage(refusal));
      return [{ address: bare, family: family === 6 ? 6 : 4 }];
    }
    const addresses = [...(await this.resolver(bare))];
    if (addresses.length === 0) throw Object.assign(new Error(`${bare} has no address`), { code: 'ENOTFOUND' });
    if (this.policy.allowsHost(bare)) return addresses;
    for (const { address } of addresses) {
      const refusal = this.policy.refusal(address);
      if (refusal) throw new OutboundRefusedError(refusalMessage(refusal, bare));
    }
    return addresses;
  }

  /**
   * Why a destination saved now would be refused, or `null`: for checking a channel when it is
   * created or changed. A name that does not resolve now is not refused (the check is made
   * again at every connection).
   */
  async refusalFor(host: string): Promise<string | null> {
    try {
      await this.addressesFor(host);
      return null;
    } catch (error) {
      return error instanceof OutboundRefusedError ? error.message : null;
    }
  }

  /** A `lookup` for node:net, node:http and node:https: resolves through {@link addressesFor}, so each connection is checked. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    this.addressesFor(hostname).then(
      (addresses) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        const [first] = wanted;
        if (!first) {
          callback(Object.assign(new Error(`${hostname} has no IPv${String(family)} address`), { code: 'ENOTFOUND' }), '', 0);
          return;
        }
        if (options.all) callback(null, wanted.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
