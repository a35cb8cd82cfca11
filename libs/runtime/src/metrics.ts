import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The app's Prometheus registry (prom-client, the ecosystem's standard client): counters and
 * histograms register here, and `GET /metrics` renders it in the text exposition format.
 */
@Global()
@Module({
  providers: [
    {
      provide: Registry,
      useFactory: () => {
        const registry = new Registry();
        // Process figures (CPU, resident memory, event-loop lag, heap) under Kanshi's prefix.
        collectDefaultMetrics({ register: registry, prefix: 'kanshi_' });
        return registry;
      },
    },
  ],
  exports: [Registry],
})
export class MetricsModule {}

/** A running operations endpoint: `GET /metrics` and `GET /health/live` of an app with no HTTP API. */
export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (the registry) and `GET /health/live` (200 while the process runs) on
 * `host:port` (`0`: any free port), for apps that have no HTTP API of their own (the engine).
 */
export async function startOpsServer(registry: Registry, port: number, host: string): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    } else if (path === '/health/live') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"up"}');
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"status":404,"title":"Not Found","detail":"GET /metrics or /health/live"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const OPS_ADDRESS = Symbol('OPS_ADDRESS');

/** Runs the operations endpoint for the app's lifetime (started at bootstrap, closed at shutdown). */
@Injectable()
class OpsServerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: OpsServer | undefined;

  constructor(
    private readonly registry: Registry,
    @Inject(OPS_ADDRESS) private readonly address: { readonly port: number; readonly host: string },
  ) {}

  /** The port it listens on (useful when started on port 0). */
  get port(): number | undefined {
    return this.server?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server = await startOpsServer(this.registry, this.address.port, this.address.host);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}

/** `GET /metrics` and `GET /health/live` on a port of their own, for an app without an HTTP API. */
@Module({})
export class OpsServerModule {
  static forRoot(port: number, host: string): DynamicModule {
    return {
      module: OpsServerModule,
      providers: [{ provide: OPS_ADDRESS, useValue: { port, host } }, OpsServerHost],
      exports: [OpsServerHost],
    };
  }
}

export { OpsServerHost };
