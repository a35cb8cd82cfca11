import {
  Controller,
  Get,
  HttpStatus,
  Inject,
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

async function run(check: HealthCheck): Promise<[string, { status: 'up' | 'down'; error?: string }]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return [check.name, { status: 'up' }];
  } catch (error) {
    return [check.name, { status: 'down', error: error instanceof Error ? error.message : String(error) }];
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
      additionalProperties: { type: 'object', required: ['status'], properties: { status: { enum: ['up', 'down'] }, error: { type: 'string' } } },
    },
  },
};

/** `GET /health`: 200 when every dependency answers, 503 naming the ones that do not. */
@ApiTags('health')
@Controller()
export class HealthController implements OnApplicationShutdown {
  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[]) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.checks.map(async (c) => c.close?.()));
  }

  @Get('health')
  @ApiOperation({ summary: 'Whether the app and its dependencies answer (no API key needed).' })
  @ApiResponse({ status: 200, description: 'Every dependency answers.', schema: HEALTH_SCHEMA })
  @ApiResponse({ status: 503, description: 'At least one dependency does not answer; each is named with its error.', schema: HEALTH_SCHEMA })
  async health(@Res() response: Response): Promise<void> {
    const results = Object.fromEntries(await Promise.all(this.checks.map(run)));
    const up = Object.values(results).every((r) => r.status === 'up');
    response.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({ status: up ? 'up' : 'down', checks: results });
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
