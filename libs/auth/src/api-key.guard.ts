import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Optional,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from './api-key';
import { ApiKeyService } from './api-key.service';
import type { RequestWithPrincipal } from './principal';
import { RateLimitMetrics } from './rate-limit-metrics';
import { RATE_LIMITER } from './rate-limit.module';
import type { RateLimitDecision, RateLimiter } from './rate-limiter';

/** The response side the guard needs: headers for the rate limit. */
interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

const ROLES_METADATA = 'kanshi:roles';

/** The roles allowed on a route (any one of them). Routes without it are refused: deny by default. */
export const RequireRoles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_METADATA, roles);

/**
 * Authenticates `Authorization: Bearer <api key>`, applies the key's rate limit, and checks
 * the route's roles. The limit comes after authentication on purpose: requests without a
 * valid key are cheap 401s and must not spend a real key's budget.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly reflector: Reflector,
    @Optional() @Inject(RATE_LIMITER) limiter?: RateLimiter,
    /** Provided with the limiter (`RateLimitModule`); optional so the guard's unit tests can go without. */
    @Optional() private readonly metrics?: RateLimitMetrics,
  ) {
    // Deny by default: an app that forgot the limiter must not run unlimited without noticing.
    if (!limiter) throw new Error('ApiKeyGuard needs a rate limiter: import RateLimitModule.forApp(<app>) in the app’s root module.');
    this.limiter = limiter;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const header = request.headers['authorization'];
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new UnauthorizedException('Send an API key as "Authorization: Bearer <key>".');
    }
    const principal = await this.apiKeys.authenticate(match[1] as string);
    if (!principal) throw new UnauthorizedException('The API key is unknown, revoked or malformed.');
    const decision = await this.limiter.consume(principal.keyId);
    if (decision) this.limit(context.switchToHttp().getResponse<HeaderSink>(), decision);
    // Set before the role check, so the audit trail records refused attempts with their author.
    request.principal = principal;
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!allowed || !principal.roles.some((r) => allowed.includes(r))) {
      throw new ForbiddenException(`This key's roles (${principal.roles.join(', ')}) do not allow this action.`);
    }
    return true;
  }

  private limit(response: HeaderSink, decision: RateLimitDecision): void {
    response.setHeader('RateLimit-Limit', String(decision.limit));
    response.setHeader('RateLimit-Remaining', String(decision.remaining));
    response.setHeader('RateLimit-Reset', String(decision.resetSeconds));
    if (decision.allowed) return;
    this.metrics?.refused();
    response.setHeader('Retry-After', String(decision.retryAfterSeconds));
    throw new HttpException(
      {
        title: 'Too many requests',
        message: `This API key has used its ${decision.limit} requests per minute; retry after ${decision.retryAfterSeconds} s (Retry-After), or spread requests out.`,
        retry_after_seconds: decision.retryAfterSeconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
