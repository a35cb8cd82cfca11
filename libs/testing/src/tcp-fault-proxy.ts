import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * What a cut does to connections made while it lasts: `refuse` accepts and resets each at once
 * (a server that is down: the client fails fast and retries), `blackhole` holds each open and
 * answers nothing (a partition or a frozen server: the client waits on its own timeouts).
 */
export type CutMode = 'refuse' | 'blackhole';

export interface TcpFaultProxyOptions {
  /** Where connections are forwarded: the real server. */
  readonly targetHost: string;
  readonly targetPort: number;
  /** Most connections (forwarded or held) at once; more are reset. Default 256. */
  readonly maxConnections?: number;
}

/** One client connection and, when forwarded, its connection to the server. */
interface Link {
  readonly client: Socket;
  readonly server?: Socket;
}

/**
 * A TCP proxy on an ephemeral loopback port that forwards to a real server and can fail on
 * demand, to prove that an app rides out an outage of a dependency without stopping that
 * dependency for everyone else using it. {@link cut} drops every connection and refuses or
 * black-holes new ones until {@link restore}; black-holed connections are reset at
 * {@link restore}, so a client without a timeout sees them fail then and connects afresh.
 *
 * @example
 * ```ts
 * const postgres = await TcpFaultProxy.start({ targetHost: '127.0.0.1', targetPort: 5432 });
 * const url = postgres.proxiedUrl('postgres://postgres@127.0.0.1:5432/kanshi_test');
 * postgres.cut();      // every connection reset, new ones refused
 * postgres.restore();  // through again
 * await postgres.close();
 * ```
 */
export class TcpFaultProxy {
  private readonly links = new Set<Link>();
  private mode: CutMode | undefined;
  private closed = false;
  /** The port listened on (kept after close, for a test that the port refuses then). */
  readonly port: number;

  private constructor(
    private readonly server: Server,
    private readonly options: TcpFaultProxyOptions,
  ) {
    this.port = (server.address() as AddressInfo).port;
    server.on('connection', (client) => this.accept(client));
  }

  /** Starts listening on 127.0.0.1 on a free port; resolves once it accepts connections. */
  static async start(options: TcpFaultProxyOptions): Promise<TcpFaultProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new TcpFaultProxy(server, options);
  }

  /** `undefined` while connections go through, else how new ones are treated. */
  get cutMode(): CutMode | undefined {
    return this.mode;
  }

  /** Connections open now: forwarded ones while through, held ones while black-holed. */
  get connections(): number {
    return this.links.size;
  }

  /** `url` (a `postgres://` or `redis://` URL of the target) pointed at the proxy instead. */
  proxiedUrl(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Drops every connection (each side is reset) and refuses or black-holes new ones. */
  cut(mode: CutMode = 'refuse'): void {
    this.mode = mode;
    for (const link of [...this.links]) this.drop(link);
  }

  /** Lets new connections through again; connections held by a black hole are reset. */
  restore(): void {
    this.mode = undefined;
    for (const link of [...this.links]) if (!link.server) this.drop(link);
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cut('refuse');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.closed || this.mode === 'refuse' || this.links.size >= (this.options.maxConnections ?? 256)) {
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'blackhole') {
      const link: Link = { client };
      this.links.add(link);
      // Read and discard, so the client's writes never back up; answer nothing.
      client.resume();
      client.on('close', () => this.links.delete(link));
      return;
    }
    const server = createConnection({ host: this.options.targetHost, port: this.options.targetPort, noDelay: true });
    const link: Link = { client, server };
    this.links.add(link);
    server.on('error', () => undefined);
    // One side gone (closed or failed): the other goes too. pipe() ends it first on a clean close.
    const closed = () => {
      this.links.delete(link);
      client.destroy();
      server.destroy();
    };
    client.on('close', closed);
    server.on('close', closed);
    // pipe() applies back-pressure both ways, so a proxied connection buffers little.
    client.pipe(server);
    server.pipe(client);
  }

  /** A cut: the client's connection is reset (it sees ECONNRESET at once), the server's closed. */
  private drop(link: Link): void {
    this.links.delete(link);
    if (!link.client.destroyed) link.client.resetAndDestroy();
    link.server?.destroy();
  }
}
