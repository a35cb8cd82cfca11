import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  Module,
  Res,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

/** One dependency an app needs to serve; `check` throws when it is down. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<void>;
  /** Releases the check's connection at shutdown. */
  close?(): Promise<void>;
}

export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

const CHECK_TIMEOUT_MS = 2000;

type CheckResult = { readonly status: 'up' } | { readonly status: 'down'; readonly reason: string };

async function run(check: HealthCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** What a probe answers: up or down per check, never why (see {@link HealthProbe}). */
export interface HealthReport {
  readonly status: 'up' | 'down';
  readonly checks: Readonly<Record<string, { readonly status: 'up' | 'down' }>>;
}

/** The body of a liveness answer: the process runs and its event loop turns. */
export const LIVE_REPORT: HealthReport = { status: 'up', checks: {} };

const HEALTH_SCHEMA = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { enum: ['up', 'down'] },
    checks: {
      type: 'object',
      additionalProperties: { type: 'object', required: ['status'], properties: { status: { enum: ['up', 'down'] } }, additionalProperties: false },
    },
  },
};

/**
 * Runs an app's dependency checks. Probes need no key, so the report says only up or down: why
 * a dependency is down (a connection error can name hosts, ports and users) goes to the log,
 * once when it goes down or its reason changes and once when it is back.
 */
@Injectable()
export class HealthProbe implements OnApplicationShutdown {
  private readonly logger = new Logger('health');
  /** The reason each dependency was last seen down for, so a probe every few seconds logs it once. */
  private readonly down = new Map<string, string>();

  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[]) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.checks.map(async (c) => c.close?.()));
  }

  /** Every check at once, each given {@link CHECK_TIMEOUT_MS}. */
  async report(): Promise<HealthReport> {
    const results = await Promise.all(this.checks.map(async (check) => [check.name, await run(check)] as const));
    for (const [name, result] of results) this.note(name, result);
    const up = results.every(([, r]) => r.status === 'up');
    return { status: up ? 'up' : 'down', checks: Object.fromEntries(results.map(([name, r]) => [name, { status: r.status }])) };
  }

  private note(name: string, result: CheckResult): void {
    const before = this.down.get(name);
    if (result.status === 'up') {
      if (before !== undefined) this.logger.log(`${name} is up again`);
      this.down.delete(name);
    } else if (before !== result.reason) {
      this.logger.warn(`${name} is down: ${result.reason}`);
      this.down.set(name, result.reason);
    }
  }
}

/**
 * `GET /health` and `GET /health/ready`: 200 when every dependency answers, 503 naming the ones
 * that do not. `GET /health/live`: 200 while the process serves requests (a restart would not
 * bring a database back, so liveness never asks one). No key is needed for any of them.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly probe: HealthProbe) {}

  @Get()
  @ApiOperation({ summary: 'Whether the app and its dependencies answer (no API key needed); the reasons are in the app\'s log.' })
  @ApiResponse({ status: 200, description: 'Every dependency answers.', schema: HEALTH_SCHEMA })
  @ApiResponse({ status: 503, description: 'At least one dependency does not answer; each is named, the reason is logged.', schema: HEALTH_SCHEMA })
  async health(@Res() response: Response): Promise<void> {
    const report = await this.probe.report();
    response.status(report.status === 'up' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(report);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness probe: as `GET /health` (every dependency answers), for an orchestrator deciding whether to send the app traffic.' })
  @ApiResponse({ status: 200, description: 'Ready: every dependency answers.', schema: HEALTH_SCHEMA })
  @ApiResponse({ status: 503, description: 'Not ready: at least one dependency does not answer.', schema: HEALTH_SCHEMA })
  ready(@Res() response: Response): Promise<void> {
    return this.health(response);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness probe: 200 while the process serves requests; dependencies are not asked.' })
  @ApiResponse({ status: 200, description: 'The process is alive.', schema: HEALTH_SCHEMA })
  live(): HealthReport {
    return LIVE_REPORT;
  }
}

type CheckFactory = Omit<Extract<Provider, { useFactory: unknown }>, 'provide'>;

/** The app's dependency checks ({@link HealthProbe}), with the probes' routes for an HTTP app. */
@Module({})
export class HealthModule {
  /** For an HTTP app: `GET /health`, `/health/ready` and `/health/live` on its own port. */
  static forRoot(provider: CheckFactory, imports: DynamicModule['imports'] = []): DynamicModule {
    return { ...HealthModule.forProcess(provider, imports), controllers: [HealthController] };
  }

  /** For an app without an HTTP API: the probe alone, served by its operations endpoint (`OpsServerModule`). */
  static forProcess(provider: CheckFactory, imports: DynamicModule['imports'] = []): DynamicModule {
    return {
      module: HealthModule,
      imports,
      providers: [{ ...provider, provide: HEALTH_CHECKS }, HealthProbe],
      exports: [HealthProbe],
    };
  }
}
