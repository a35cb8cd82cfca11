import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { AuditLogRepository, InvalidCursorError, type AuditLogEntity } from '@kanshi/persistence';
import { ApiProblemResponse, ApiQueryParams, requestValidator, schemaRef } from '@kanshi/runtime';
import { ApiKeyGuard, RequireRoles } from './api-key.guard';
import { CurrentPrincipal, type Principal } from './principal';

const DATE_TIME = (description: string) => Type.String({ format: 'date-time', description });

const listQuery = requestValidator(
  Type.Object(
    {
      actor: Type.Optional(Type.String({ pattern: '^(api-key:)?[a-f0-9]{12}$', description: 'A key: `api-key:<key id>` or the bare key id.' })),
      method: Type.Optional(Type.Union(['POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m)), { description: 'HTTP method.' })),
      path: Type.Optional(Type.String({ pattern: '^/', maxLength: 500, description: 'Prefix of the route pattern (`/v1/alerts/:id/ack`) or of the concrete path (`/v1/alerts/<id>`).' })),
      since: Type.Optional(DATE_TIME('Entries at or after this time.')),
      until: Type.Optional(DATE_TIME('Entries before this time.')),
      limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
      cursor: Type.Optional(Type.String({ maxLength: 200, description: '`next_cursor` of the previous page.' })),
    },
    { additionalProperties: false },
  ),
);

export function toAuditView(e: AuditLogEntity) {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor: e.actor,
    actor_name: e.actorName,
    roles: e.roles,
    method: e.method,
    path: e.path,
    target: e.target,
    status: e.status,
    ip: e.ip,
    user_agent: e.userAgent,
    details: e.details,
  };
}

/**
 * The tenant's audit log (admin only): every request made with one of its keys that could
 * change something, refused ones included, newest first. Append-only: nobody, admins
 * included, can change or delete an entry.
 */
@ApiTags('audit')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'Only `admin` keys read the audit log.')
@Controller('v1/audit')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin')
export class AuditController {
  constructor(private readonly audit: AuditLogRepository) {}

  @Get()
  @ApiOperation({
    summary:
      'Audit entries, newest first: `{items: [{id, at, actor, actor_name, roles, method, path, target, status, ip, user_agent, details}], next_cursor}`; filters `actor`, `method`, `path` (prefix), `since`, `until`.',
  })
  @ApiQueryParams(listQuery.schema)
  @ApiResponse({ status: 200, description: 'One page of entries.', schema: schemaRef('AuditPage') })
  @ApiProblemResponse(400, 'A bad query parameter, named.', schemaRef('ValidationProblem'))
  async list(@CurrentPrincipal() principal: Principal, @Query() query: unknown) {
    const q = listQuery.parse(query);
    const since = q.since === undefined ? undefined : new Date(q.since);
    const until = q.until === undefined ? undefined : new Date(q.until);
    if (since && until && until.getTime() <= since.getTime()) {
      throw new BadRequestException({ message: `until: must be after since (${since.toISOString()})`, errors: [{ field: 'until', message: 'must be after since' }] });
    }
    const filter = { actor: q.actor && !q.actor.startsWith('api-key:') ? `api-key:${q.actor}` : q.actor, method: q.method, pathPrefix: q.path, since, until };
    try {
      const page = await this.audit.list(principal.tenantId, filter, q.limit, q.cursor);
      return { items: page.items.map(toAuditView), next_cursor: page.nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException({ message: `cursor: ${error.message}`, errors: [{ field: 'cursor', message: error.message }] });
      throw error;
    }
  }
}
