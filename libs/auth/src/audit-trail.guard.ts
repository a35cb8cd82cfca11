import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditLogRepository } from '@kanshi/persistence';
import { auditDetails, redact } from './audit-details';
import type { RequestWithPrincipal } from './principal';

/** Reads change nothing; everything else is recorded. */
const UNAUDITED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Records every request that may change something and was made with a valid key: who (key
 * and roles), what (route pattern, concrete path, redacted body), when, from where, and the
 * status answered, refusals (403, 409 …) included. It never refuses anything: it only watches
 * the response. A global guard rather than an interceptor, because global guards run before
 * the route's `ApiKeyGuard` and so see its 403s, which interceptors never do; rather than a
 * middleware, because Nest mounts an all-routes middleware as an Express route of every method.
 * Requests without a valid key (401) and over the rate limit (429) have no principal and are
 * not recorded: they did nothing, and recording them would let anyone fill the table.
 * A failed insert is logged and never fails the request, which has already been answered.
 */
@Injectable()
export class AuditTrailGuard implements CanActivate {
  private readonly logger = new Logger('audit');

  constructor(private readonly audit: AuditLogRepository) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (!UNAUDITED_METHODS.has(request.method)) {
      // Recorded when the answer is written, with its final status and the principal the key
      // guard set. Not on the socket's `close`: a client that hangs up while its request is still
      // being handled would close it before the key was checked, and the change made after that
      // would go unrecorded.
      let recorded = false;
      const end = response.end.bind(response) as (...args: unknown[]) => Response;
      (response as unknown as { end: (...args: unknown[]) => Response }).end = (...args: unknown[]) => {
        const result = end(...args);
        if (!recorded) {
          recorded = true;
          void this.record(request, response);
        }
        return result;
      };
    }
    return true;
  }

  private async record(request: Request, response: Response): Promise<void> {
    const principal = (request as unknown as RequestWithPrincipal).principal;
    if (!principal) return;
    const target = redact(request.originalUrl.split('?')[0] ?? request.originalUrl) as string;
    const route = (request.route as { path?: unknown } | undefined)?.path;
    const details = auditDetails(request.body, request.query);
    // The client hung up before the answer: it was decided all the same.
    if (request.destroyed || response.destroyed) details['aborted'] = true;
    try {
      await this.audit.insert({
        tenantId: principal.tenantId,
        actor: `api-key:${principal.keyId}`,
        actorName: principal.keyName,
        roles: principal.roles,
        method: request.method,
        path: typeof route === 'string' ? route : target,
        target,
        status: response.statusCode,
        ip: request.ip ?? null,
        userAgent: request.get('user-agent')?.slice(0, 512) ?? null,
        details,
      });
    } catch (error) {
      this.logger.warn(`Could not record ${request.method} ${target} (status ${response.statusCode}) in the audit log: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
