import {
  Controller,
  Get,
  HttpStatus,
  Inject,
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
 * `GET /health`: 200 when every dependency answers, 503 naming the ones that do not. No key is
 * needed, so the answer says only up or down: why a dependency is down (a connection error can
 * name hosts, ports and users) goes to the log, once when it goes down or its reason changes and
 * once when it is back.
 */
@ApiTags('health')
@Controller()
export class HealthController implements OnApplicationShutdown {
  private readonly logger = new Logger('health');
  /** The reason each dependency was last seen down for, so a probe every few seconds logs it once. */
  private readonly down = new Map<string, string>();

  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[]) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.checks.map(async (c) => c.close?.()));
  }

  @Get('health')
  @ApiOperation({ summary: 'Whether the app and its dependencies answer (no API key needed); the reasons are in the app\'s log.' })
  @ApiResponse({ status: 200, description: 'Every dependency answers.', schema: HEALTH_SCHEMA })
  @ApiResponse({ status: 503, description: 'At least one dependency does not answer; each is named, the reason is logged.', schema: HEALTH_SCHEMA })
  async health(@Res() response: Response): Promise<void> {
    const results = await Promise.all(this.checks.map(async (check) => [check.name, await run(check)] as const));
    for (const [name, result] of results) this.note(name, result);
    const up = results.every(([, r]) => r.status === 'up');
    const checks = Object.fromEntries(results.map(([name, r]) => [name, { status: r.status }]));
    response.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({ status: up ? 'up' : 'down', checks });
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

/** Mounts `GET /health` with the checks the factory builds from the injected dependencies. */
@Module({})
export class HealthModule {
  static forRoot(
    provider: Omit<Extract<Provider, { useFactory: unknown }>, 'provide'>,
    imports: DynamicModule['imports'] = [],
  ): DynamicModule {
    return {
      module: HealthModule,
      imports,
      controllers: [HealthController],
      providers: [{ ...provider, provide: HEALTH_CHECKS }],
    };
  }
}
