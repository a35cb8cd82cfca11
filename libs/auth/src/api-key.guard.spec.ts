import { ForbiddenException, HttpException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Registry } from 'prom-client';
import type { Role } from './api-key';
import { ApiKeyGuard, RequireRoles } from './api-key.guard';
import type { ApiKeyService } from './api-key.service';
import type { Principal, RequestWithPrincipal } from './principal';
import { RateLimitMetrics } from './rate-limit-metrics';
import type { RateLimitDecision, RateLimiter } from './rate-limiter';

const PRINCIPAL: Principal = { tenantId: 't1', keyId: '0123456789ab', keyName: 'viewer key', roles: ['viewer'] };
const TOKEN = `kanshi_0123456789ab_${'A'.repeat(40)}`;

class Routes {
  @RequireRoles('admin')
  adminOnly(): void {}

  @RequireRoles('viewer', 'admin')
  read(): void {}
}

function context(request: RequestWithPrincipal, headers: Map<string, string>, handler: keyof Routes): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ setHeader: (name: string, value: string) => headers.set(name, value) }) }),
    getHandler: () => Object.getOwnPropertyDescriptor(Routes.prototype, handler)?.value as unknown,
    getClass: () => Routes,
  } as unknown as ExecutionContext;
}

function setup(decision: RateLimitDecision | undefined, principal: Principal | null = PRINCIPAL) {
  const consumed: string[] = [];
  const limiter: RateLimiter = {
    consume: (keyId) => {
      consumed.push(keyId);
      return Promise.resolve(decision);
    },
  };
  const apiKeys = { authenticate: () => Promise.resolve(principal ?? undefined) } as unknown as ApiKeyService;
  const registry = new Registry();
  const guard = new ApiKeyGuard(apiKeys, new Reflector(), limiter, new RateLimitMetrics(registry, 'api'));
  const headers = new Map<string, string>();
  const request: RequestWithPrincipal = { headers: { authorization: `Bearer ${TOKEN}` } };
  const refusals = async () => (await registry.getSingleMetric('kanshi_rate_limit_refusals_total')?.get())?.values.find((v) => v.labels['scope'] === 'api')?.value;
  return { guard, consumed, headers, request, refusals };
}

const allowed: RateLimitDecision = { allowed: true, limit: 600, remaining: 599, retryAfterSeconds: 0, resetSeconds: 1 };
const refused: RateLimitDecision = { allowed: false, limit: 600, remaining: 0, retryAfterSeconds: 2, resetSeconds: 60 };

describe('ApiKeyGuard', () => {
  it('refuses to be built without a rate limiter, naming the module to import', () => {
    expect(() => new ApiKeyGuard({} as ApiKeyService, new Reflector())).toThrow(/RateLimitModule\.forApp/);
  });

  it('lets an allowed request through with the RateLimit headers and the principal set', async () => {
    const { guard, headers, request, consumed, refusals } = setup(allowed);

    await expect(guard.canActivate(context(request, headers, 'read'))).resolves.toBe(true);
    expect(await refusals()).toBe(0);

    expect(consumed).toEqual([PRINCIPAL.keyId]);
    expect(Object.fromEntries(headers)).toEqual({ 'RateLimit-Limit': '600', 'RateLimit-Remaining': '599', 'RateLimit-Reset': '1' });
    expect(request.principal).toBe(PRINCIPAL);
  });

  it('answers 429 with Retry-After over the limit, and counts the refusal', async () => {
    const { guard, headers, request, refusals } = setup(refused);

    const error = await guard.canActivate(context(request, headers, 'read')).catch((e: unknown) => e);
    await guard.canActivate(context(request, headers, 'read')).catch(() => undefined);

    expect(await refusals()).toBe(2);

    expect(error).toBeInstanceOf(HttpException);
    expect((error as HttpException).getStatus()).toBe(429);
    expect(headers.get('Retry-After')).toBe('2');
    // Over the limit is not an action: no principal, so no audit entry.
    expect(request.principal).toBeUndefined();
  });

  it('fails open when the limiter has no decision (Redis down): the request passes, without headers, refused by nobody', async () => {
    const { guard, headers, request, refusals } = setup(undefined);

    await expect(guard.canActivate(context(request, headers, 'read'))).resolves.toBe(true);
    expect(headers.size).toBe(0);
    expect(await refusals()).toBe(0);
  });

  it('does not spend any budget on a request without a valid key (401)', async () => {
    const missing = setup(allowed);
    missing.request.headers = {};
    await expect(missing.guard.canActivate(context(missing.request, missing.headers, 'read'))).rejects.toBeInstanceOf(UnauthorizedException);

    const unknown = setup(allowed, null);
    await expect(unknown.guard.canActivate(context(unknown.request, unknown.headers, 'read'))).rejects.toBeInstanceOf(UnauthorizedException);

    expect([...missing.consumed, ...unknown.consumed]).toEqual([]);
  });

  it('answers 403 for a role the route does not allow, with the principal known to the audit trail', async () => {
    const { guard, headers, request } = setup(allowed);

    await expect(guard.canActivate(context(request, headers, 'adminOnly'))).rejects.toBeInstanceOf(ForbiddenException);
    expect(request.principal?.roles).toEqual(['viewer' satisfies Role]);
  });
});
