import { isUtf8 } from 'node:buffer';
import { Module, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Registry } from 'prom-client';
import { ConfigError, type AppConfig } from '@kanshi/config';
import { bodyParserErrors } from './body-errors';
import { jsonDepthLimit, MAX_JSON_DEPTH } from './json-depth';
import { createLogger } from './logger';
import { TracingModule } from './tracing';
import { KANSHI_VERSION } from './version';
import { httpMetrics, MetricsController, MetricsModule } from './metrics';
import { serveOpenApi, type OpenApiOptions } from './openapi';
import { ProblemDetailsFilter } from './problem-details.filter';


export interface HttpAppOptions {
  readonly name: string;
  readonly port: number;
  readonly config: AppConfig;
  /** Largest JSON body accepted; larger ones get 413. */
  readonly bodyLimitBytes?: number;
  /**
   * Deepest nesting of a JSON body; deeper ones get 400 before anything reads them
   * ({@link MAX_JSON_DEPTH} by default). `false` leaves depth to the app, which must then walk
   * bodies without recursion (the ingest gateway judges each event of a batch on its own).
   */
  readonly maxJsonDepth?: number | false;
  /** Serve the app's OpenAPI document at `/openapi.json` and interactive docs at `/docs`. */
  readonly openApi?: OpenApiOptions;
}

/** Every HTTP app: its own module, its tracing, and `GET /metrics` over the app's registry. */
@Module({})
class HttpAppModule {
  static of(rootModule: Type<unknown> | DynamicModule, name: string): DynamicModule {
    return { module: HttpAppModule, imports: [TracingModule.forApp(name), rootModule, MetricsModule], controllers: [MetricsController] };
  }
}

/** Creates, configures and starts an HTTP app (its metrics and probes included); shut it down with `app.close()`. */
export async function startHttpApp(
  rootModule: Type<unknown> | DynamicModule,
  options: HttpAppOptions,
): Promise<NestExpressApplication> {
  const logger = createLogger(options.name, options.config);
  const app = await NestFactory.create<NestExpressApplication>(HttpAppModule.of(rootModule, options.name), { logger, bodyParser: false, abortOnError: false });
  // First, so every request is timed, refused ones included.
  app.use(httpMetrics(app.get(Registry)));
  app.useBodyParser('json', {
    limit: options.bodyLimitBytes ?? 1_048_576,
    type: ['application/json', 'application/*+json'],
    // The parser would replace invalid bytes silently; refuse them, as the engine does on Kafka.
    verify: (_request: unknown, _response: unknown, body: Buffer) => {
      if (!isUtf8(body)) throw Object.assign(new Error('The body is not valid UTF-8; send JSON encoded as UTF-8.'), { status: 400, type: 'encoding.invalid' });
    },
  });
  app.use(bodyParserErrors);
  if (options.maxJsonDepth !== false) app.use(jsonDepthLimit(options.maxJsonDepth ?? MAX_JSON_DEPTH));
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  if (options.openApi) serveOpenApi(app, options.openApi, KANSHI_VERSION);
  await app.listen(options.port, options.config.values.bindHost);
  logger.log(logger.startupSummary(), 'NestApplication');
  return app;
}

/**
 * Runs an app's start function from `main.ts`: a bad configuration or a failed start prints one
 * clear message and exits 1; SIGINT and SIGTERM close the app (Nest shutdown hooks) quietly.
 */
export function runMain(appName: string, start: () => Promise<INestApplicationContext>): void {
  start().catch((error: unknown) => {
    // One line a person can act on; the stack only when asked for (KANSHI_LOG_LEVEL=debug).
    const verbose = ['debug', 'verbose'].includes(process.env['KANSHI_LOG_LEVEL'] ?? '');
    const message = error instanceof Error ? (verbose && !(error instanceof ConfigError) ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`kanshi ${appName} could not start: ${message}\n`);
    process.exit(1);
  });
}
