import { BadRequestException, Controller, Get, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import { SEVERITIES } from '@kanshi/contracts';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { ALERT_STATUSES, AlertRepository, InvalidCursorError, type AlertEntity } from '@kanshi/persistence';
import { requestValidator } from '@kanshi/runtime';

const listQuery = requestValidator(
  Type.Object(
    {
      status: Type.Optional(Type.Union(ALERT_STATUSES.map((s) => Type.Literal(s)))),
      severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
      sector: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      rule: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
      limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
      cursor: Type.Optional(Type.String({ maxLength: 200 })),
    },
    { additionalProperties: false },
  ),
);

/** The wire shape of an alert (snake_case, like the telemetry contract). */
export function toAlertView(a: AlertEntity) {
  return {
    id: a.id,
    tenant_id: a.tenantId,
    fingerprint: a.fingerprint,
    status: a.status,
    severity: a.severity,
    rule_id: a.ruleId,
    module_id: a.moduleId,
    sector: a.sector,
    model_id: a.modelId,
    scope: a.scope,
    title: a.title,
    source: a.source,
    occurrence_count: a.occurrenceCount,
    first_seen_at: a.firstSeenAt.toISOString(),
    last_seen_at: a.lastSeenAt.toISOString(),
    args: a.args,
    observed: a.observed,
    evidence_event_ids: a.evidenceEventIds,
    due_at: a.dueAt ? a.dueAt.toISOString() : null,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}

/** Alerts of the caller's tenant; another tenant's alerts do not exist for it. */
@Controller('v1/alerts')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin', 'risk_officer', 'viewer')
export class AlertsController {
  constructor(private readonly alerts: AlertRepository) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: unknown) {
    const q = listQuery.parse(query);
    try {
      const page = await this.alerts.list(
        principal.tenantId,
        { status: q.status, severity: q.severity, sector: q.sector, modelId: q.model, ruleId: q.rule },
        q.limit,
        q.cursor,
      );
      return { items: page.items.map(toAlertView), next_cursor: page.nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException({ message: `cursor: ${error.message}`, errors: [{ field: 'cursor', message: error.message }] });
      throw error;
    }
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const alert = await this.alerts.findForTenant(principal.tenantId, id);
    if (!alert) throw new NotFoundException(`No alert ${id}.`);
    return toAlertView(alert);
  }
}
