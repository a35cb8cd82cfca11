import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Controller,
  Get,
  Global,
  Header,
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { HealthModule, HealthProbe, LIVE_REPORT, type HealthReport } from './health';

/**
 * The app's Prometheus registry (prom-client, the ecosystem's standard client): counters and
 * histograms register here, and `GET /metrics` renders it in the text exposition format. Libs
 * that count something import this module; it is global and made once per app.
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

/** `GET /metrics` of an HTTP app (the api, the ingest gateway), on its own port. */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics of this app (text exposition format; no API key needed, no tenant data).' })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } })
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Label of a request that matched no route: the raw path would let any client mint series. */
export const UNMATCHED_ROUTE = 'unmatched';
/** Status label of a request whose client left before the answer was sent. */
export const ABORTED = 'aborted';

/**
 * Express middleware timing every request into `kanshi_http_request_duration_seconds` by method,
 * route pattern (`/v1/alerts/:id`, never the path itself) and status (`aborted` when the client
 * left first).
 */
export function httpMetrics(registry: Registry): (request: Request, response: Response, next: NextFunction) => void {
  const durations = new Histogram({
    name: 'kanshi_http_request_duration_seconds',
    help: 'HTTP requests served, by method, route pattern and status, and how long each took.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (request, response, next) => {
    const end = durations.startTimer();
    let recorded = false;
    const record = (status: string): void => {
      if (recorded) return;
      recorded = true;
      // Express sets `route` on the request it matched; the router's base joins nested ones.
      const pattern = (request.route as { path?: unknown } | undefined)?.path;
      const route = typeof pattern === 'string' ? `${request.baseUrl}${pattern}` : UNMATCHED_ROUTE;
      end({ method: METHODS.has(request.method) ? request.method : 'OTHER', route, status });
    };
    response.once('finish', () => record(String(response.statusCode)));
    // A client that gave up before the answer (a timeout on a slow intake) counts too.
    response.once('close', () => record(response.writableFinished ? String(response.statusCode) : ABORTED));
    next();
  };
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A running operations endpoint of an app with no HTTP API. */
export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

const NOT_FOUND = '{"status":404,"title":"Not Found","detail":"GET /metrics, /health, /health/ready or /health/live"}';

/**
 * Serves `GET /metrics` (the registry), `GET /health/live` (200 while the process runs), and
 * `GET /health/ready` and `GET /health` (the app's checks: 200 when all pass, else 503) on
 * `host:port` (`0`: any free port), for apps that have no HTTP API of their own.
 */
export async function startOpsServer(registry: Registry, port: number, host: string, ready?: () => Promise<HealthReport>): Promise<OpsServer> {
  const answer = (response: import('node:http').ServerResponse, status: number, body: string, type = 'application/json'): void => {
    response.writeHead(status, { 'content-type': type }).end(body);
  };
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => answer(response, 200, text, registry.contentType),
        () => answer(response, 500, '{"status":500,"title":"Metrics could not be collected"}'),
      );
    } else if (path === '/health/live') {
      answer(response, 200, JSON.stringify(LIVE_REPORT));
    } else if (path === '/health/ready' || path === '/health') {
      (ready ?? (() => Promise.resolve(LIVE_REPORT)))().then(
        (report) => answer(response, report.status === 'up' ? 200 : 503, JSON.stringify(report)),
        () => answer(response, 503, '{"status":"down","checks":{}}'),
      );
    } else {
      answer(response, 404, NOT_FOUND);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection must not hold the shutdown.
        server.closeAllConnections();
      }),
  };
}

const OPS_ADDRESS = Symbol('OPS_ADDRESS');

/** Runs the operations endpoint for the app's lifetime (started at bootstrap, closed at shutdown). */
@Injectable()
export class OpsServerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: OpsServer | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly probe: HealthProbe,
    @Inject(OPS_ADDRESS) private readonly address: { readonly port: number; readonly host: string },
  ) {}

  /** The port it listens on (useful when started on port 0). */
  get port(): number | undefined {
    return this.server?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server = await startOpsServer(this.registry, this.address.port, this.address.host, () => this.probe.report());
    new Logger('ops').log(`operations endpoint on http://${this.address.host}:${this.server.port} (GET /metrics, /health/live, /health/ready)`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}

/** Where an app without an HTTP API serves its metrics and probes, and what its readiness asks. */
export interface OpsServerOptions {
  readonly port: number;
  readonly host: string;
  /** The readiness checks (as `HealthModule.forProcess` takes them) and the modules they need. */
  readonly checks: Parameters<typeof HealthModule.forProcess>[0];
  readonly imports?: DynamicModule['imports'];
}

/** `GET /metrics` and the health probes on a port of their own, for an app without an HTTP API. */
@Module({})
export class OpsServerModule {
  static forRoot(options: OpsServerOptions): DynamicModule {
    return {
      module: OpsServerModule,
      imports: [MetricsModule, HealthModule.forProcess(options.checks, options.imports)],
      providers: [{ provide: OPS_ADDRESS, useValue: { port: options.port, host: options.host } }, OpsServerHost],
      exports: [OpsServerHost],
    };
  }
}
