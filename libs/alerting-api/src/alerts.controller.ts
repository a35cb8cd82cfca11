import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { SEVERITIES } from '@kanshi/contracts';
import { AlertMetrics } from '@kanshi/alerting';
import { ApiKeyGuard, CurrentPrincipal, RequireRoles, type Principal } from '@kanshi/auth';
import { ALERT_STATUSES, type HumanCommand } from '@kanshi/alerting-core';
import {
  AlertRepository,
  AlertWrites,
  InvalidCursorError,
  OCCURRENCE_BUCKETS,
  type AlertActor,
  type AlertEntity,
  type AlertHistoryEntity,
  NotificationRepository,
  type NotificationRecord,
  type OccurrenceBucket,
} from '@kanshi/persistence';
import { ApiProblemResponse, openApiSchema, ApiQueryParams, requestValidator, schemaRef } from '@kanshi/runtime';

const listQuery = requestValidator(
  Type.Object(
    {
      status: Type.Optional(Type.Union(ALERT_STATUSES.map((s) => Type.Literal(s)))),
      severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
      sector: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      rule: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
      due_before: Type.Optional(Type.String({ format: 'date-time', description: 'Only alerts whose regulatory deadline is before this time.' })),
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
    report_submitted_at: a.reportSubmittedAt ? a.reportSubmittedAt.toISOString() : null,
    assignee: a.assignee,
    escalation_level: a.escalationLevel,
    acknowledged_at: a.acknowledgedAt ? a.acknowledgedAt.toISOString() : null,
    resolved_at: a.resolvedAt ? a.resolvedAt.toISOString() : null,
    /** Since when (event time) the rule has judged the condition clear: the auto-resolve countdown. */
    clear_since: a.clearSince ? a.clearSince.toISOString() : null,
    silenced_by: a.silencedBy,
    opened_at: a.openedAt.toISOString(),
    notified_at: a.notifiedAt ? a.notifiedAt.toISOString() : null,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}

/** One entry of an alert's history. */
export function toHistoryView(h: AlertHistoryEntity) {
  return {
    at: h.at.toISOString(),
    action: h.action,
    actor: h.actor,
    actor_name: h.actorName,
    from_status: h.fromStatus,
    to_status: h.toStatus,
    comment: h.comment,
    details: h.details,
  };
}

const occurrencesQuery = requestValidator(
  Type.Object(
    {
      bucket: Type.Union(OCCURRENCE_BUCKETS.map((b) => Type.Literal(b)), { default: 'day', description: 'Count per `hour` or per UTC `day`.' }),
      limit: Type.Integer({ minimum: 1, maximum: 1000, default: 90, description: 'The latest intervals that have findings.' }),
    },
    { additionalProperties: false },
  ),
);

const COMMENT = Type.String({ minLength: 1, maxLength: 4000, description: 'Why: kept in the alert history.' });

const optionalComment = requestValidator(Type.Object({ comment: Type.Optional(COMMENT) }, { additionalProperties: false }));
const requiredComment = requestValidator(Type.Object({ comment: COMMENT }, { additionalProperties: false }));
const reportBody = requestValidator(
  Type.Object(
    {
      reference: Type.String({ minLength: 1, maxLength: 200, description: 'The regulator’s receipt or case number, or the filing’s own reference.' }),
      submitted_at: Type.Optional(Type.String({ format: 'date-time', description: 'When the report went to the regulator; now when absent. Never in the future.' })),
      comment: Type.Optional(COMMENT),
    },
    { additionalProperties: false },
  ),
);
const assignBody = requestValidator(
  Type.Object(
    {
      assignee: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], { description: 'Who works on the alert; null to unassign.' }),
      comment: Type.Optional(COMMENT),
    },
    { additionalProperties: false },
  ),
);

/** One interval of an alert's occurrences. */
export function toOccurrenceView(b: OccurrenceBucket) {
  return { at: b.at.toISOString(), count: b.count, severity: b.severity };
}

/** A notification about an alert, with every delivery attempt. `repeat`: the alert had been notified before and still fired. */
export function toNotificationView(alertId: string, r: NotificationRecord) {
  const n = r.notification;
  return {
    id: n.id,
    kind: n.kind,
    level: n.level,
    status: n.status,
    channel: { id: n.channelId, name: r.channelName, kind: r.channelKind },
    silence_id: n.silenceId,
    repeat: n.repeatAlertIds.includes(alertId),
    attempts: r.attempts.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), ok: a.ok, http_status: a.httpStatus, error: a.error, duration_ms: a.durationMs })),
    last_error: n.lastError,
    created_at: n.createdAt.toISOString(),
    delivered_at: n.deliveredAt ? n.deliveredAt.toISOString() : null,
    failed_at: n.failedAt ? n.failedAt.toISOString() : null,
  };
}

/** Who acted, as alert history and the other alerting records name an API caller. */
export function actorOf(principal: Principal): AlertActor {
  return { actor: `api-key:${principal.keyId}`, actorName: principal.keyName };
}

/** Alerts of the caller's tenant; another tenant's alerts do not exist for it. */
@ApiTags('alerts')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'The key’s roles do not allow this action.')
@Controller('v1/alerts')
@UseGuards(ApiKeyGuard)
@RequireRoles('admin', 'risk_officer', 'viewer')
export class AlertsController {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly writes: AlertWrites,
    private readonly notifications: NotificationRepository,
    private readonly metrics: AlertMetrics,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The tenant’s alerts, newest first, filtered by `status`, `severity`, `sector`, `model`, `rule`, `due_before`; paged by `limit` and `cursor`.' })
  @ApiQueryParams(listQuery.schema)
  @ApiResponse({ status: 200, description: 'One page of alerts.', schema: schemaRef('AlertPage') })
  @ApiProblemResponse(400, 'A bad query parameter, named.', schemaRef('ValidationProblem'))
  async list(@CurrentPrincipal() principal: Principal, @Query() query: unknown) {
    const q = listQuery.parse(query);
    try {
      const page = await this.alerts.list(
        principal.tenantId,
        { status: q.status, severity: q.severity, sector: q.sector, modelId: q.model, ruleId: q.rule, dueBefore: q.due_before === undefined ? undefined : new Date(q.due_before) },
        q.limit,
        q.cursor,
      );
      return { items: page.items.map(toAlertView), next_cursor: page.nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException({ message: `cursor: ${error.message}`, errors: [{ field: 'cursor', message: error.message }] });
      throw error;
    }
  }

  /** One alert with its whole history, oldest first. */
  @Get(':id')
  @ApiOperation({ summary: 'One alert with its whole history, oldest first.' })
  @ApiResponse({ status: 200, description: 'The alert and its history.', schema: schemaRef('AlertDetail') })
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const alert = await this.alerts.findForTenant(principal.tenantId, id);
    if (!alert) throw new NotFoundException(`No alert ${id}.`);
    const history = await this.alerts.history(principal.tenantId, id);
    return { ...toAlertView(alert), history: history.map(toHistoryView) };
  }

  /** How often the alert fired: its findings counted per hour or day (event time), oldest first. */
  @Get(':id/occurrences')
  @ApiOperation({ summary: 'How often the alert fired: its findings counted per `bucket` (hour or UTC day, by event time), the latest `limit` intervals with any, oldest first.' })
  @ApiQueryParams(occurrencesQuery.schema)
  @ApiResponse({ status: 200, description: 'Counts per interval.', schema: schemaRef('AlertOccurrences') })
  @ApiProblemResponse(400, 'A bad query parameter, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  async occurrencesOf(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: unknown) {
    const q = occurrencesQuery.parse(query);
    const alert = await this.alerts.findForTenant(principal.tenantId, id);
    if (!alert) throw new NotFoundException(`No alert ${id}.`);
    const buckets = await this.alerts.occurrences(principal.tenantId, alert.id, q.bucket, q.limit);
    return { bucket: q.bucket, items: buckets.map(toOccurrenceView) };
  }

  /** Every notification that named the alert, oldest first, with its delivery attempts. */
  @Get(':id/notifications')
  @ApiOperation({ summary: 'Every notification that named the alert, oldest first, with its delivery attempts.' })
  @ApiResponse({ status: 200, description: 'The notifications.', schema: schemaRef('AlertNotificationList') })
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  async notificationsOf(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const alert = await this.alerts.findForTenant(principal.tenantId, id);
    if (!alert) throw new NotFoundException(`No alert ${id}.`);
    const records = await this.notifications.forAlert(principal.tenantId, alert.id);
    return { items: records.map((r) => toNotificationView(alert.id, r)) };
  }

  @Post(':id/ack')
  @HttpCode(200)
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Acknowledge an alert, with an optional comment.' })
  @ApiBody({ required: false, schema: openApiSchema(optionalComment.schema) })
  @ApiResponse({ status: 200, description: 'The alert as it is now, with its history.', schema: schemaRef('AlertDetail') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  @ApiProblemResponse(409, 'The alert’s status does not allow it (resolved, or already acknowledged).')
  ack(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    const { comment } = optionalComment.parse(body ?? {});
    return this.apply(principal, id, { kind: 'acknowledge', comment });
  }

  @Post(':id/assign')
  @HttpCode(200)
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Assign an alert to someone (`assignee`; null unassigns), with an optional comment.' })
  @ApiBody({ required: true, schema: openApiSchema(assignBody.schema) })
  @ApiResponse({ status: 200, description: 'The alert as it is now, with its history.', schema: schemaRef('AlertDetail') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  @ApiProblemResponse(409, 'The alert is resolved, or already has that assignee.')
  assign(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    const { assignee, comment } = assignBody.parse(body ?? {});
    return this.apply(principal, id, { kind: 'assign', assignee, comment });
  }

  @Post(':id/comments')
  @HttpCode(200)
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Add a comment to an alert’s history.' })
  @ApiBody({ required: true, schema: openApiSchema(requiredComment.schema) })
  @ApiResponse({ status: 200, description: 'The alert as it is now, with its history.', schema: schemaRef('AlertDetail') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  comment(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    const { comment } = requiredComment.parse(body ?? {});
    return this.apply(principal, id, { kind: 'comment', comment });
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Resolve an alert by hand, with an optional comment.' })
  @ApiBody({ required: false, schema: openApiSchema(optionalComment.schema) })
  @ApiResponse({ status: 200, description: 'The alert as it is now, with its history.', schema: schemaRef('AlertDetail') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  @ApiProblemResponse(409, 'The alert is already resolved.')
  resolve(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    const { comment } = optionalComment.parse(body ?? {});
    return this.apply(principal, id, { kind: 'resolve', comment });
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({ summary: 'Reopen a resolved alert, with an optional comment: it is notified, escalated and clocked again.' })
  @ApiBody({ required: false, schema: openApiSchema(optionalComment.schema) })
  @ApiResponse({ status: 200, description: 'The alert as it is now, with its history.', schema: schemaRef('AlertDetail') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  @ApiProblemResponse(409, 'The alert is not resolved.')
  reopen(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    const { comment } = optionalComment.parse(body ?? {});
    return this.apply(principal, id, { kind: 'reopen', comment });
  }

  @Post(':id/reports')
  @HttpCode(200)
  @RequireRoles('admin', 'risk_officer')
  @ApiOperation({
    summary:
      'Record that the regulatory report the alert’s deadline asks for was submitted (`reference`, `submitted_at`, optional comment): its clock stops (no more reminders, no missed deadline), and the history says who recorded it and whether it was on time.',
  })
  @ApiBody({ required: true, schema: openApiSchema(reportBody.schema) })
  @ApiResponse({ status: 200, description: 'The alert as it is now, with its history.', schema: schemaRef('AlertDetail') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  @ApiProblemResponse(404, 'No such alert in the caller’s tenant.')
  @ApiProblemResponse(409, 'The alert has no regulatory deadline, its report is recorded already, or `submitted_at` is in the future.')
  report(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    const { reference, submitted_at, comment } = reportBody.parse(body ?? {});
    return this.apply(principal, id, { kind: 'record-report', reference, submittedAt: submitted_at === undefined ? new Date() : new Date(submitted_at), comment });
  }

  private async apply(principal: Principal, id: string, command: HumanCommand) {
    const result = await this.writes.apply(principal.tenantId, id, command, actorOf(principal));
    if (result.outcome === 'not-found') throw new NotFoundException(`No alert ${id}.`);
    if (result.outcome === 'conflict') throw new ConflictException({ message: `Cannot ${command.kind} alert ${id}: ${result.message}.`, status: result.status });
    this.metrics.transitioned(command.kind);
    // What follows (a reopened alert is notified, escalated and clocked again) is scheduled by the
    // alert worker from the outbox entry committed with the change; jobs already scheduled
    // re-check the state when they run.
    const history = await this.alerts.history(principal.tenantId, id);
    return { ...toAlertView(result.alert), history: history.map(toHistoryView) };
  }
}
