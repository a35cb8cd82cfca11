import { Injectable, Logger, Optional } from '@nestjs/common';
import { SpanStatusCode } from '@opentelemetry/api';
import { JOBS, maxSeverity, type RaiseAlertJob, type RaiseAlertSetJob, type Severity } from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { AlertWrites, type RecordFindingsResult } from '@kanshi/persistence';
import { AlertQueue, JobHandler, type JobHandlerOf } from '@kanshi/queue';
import { logEntry, SpanKind, Tracing } from '@kanshi/runtime';
import { AlertMetrics, AlertWorkerMetrics } from '../alert-metrics';
import { OutboxRelay } from '../outbox-relay.service';
import { QuotaCounter } from '../quotas/quota-counter';
import { minuteOf, QUOTA_RULE_ID, QUOTA_VARIABLES, quotaAlertJob, TENANT_QUOTAS } from '@kanshi/contracts';

/** How many rules a log line of a set names before it says "…". */
const LOGGED_RULES = 8;

/**
 * Persists raises of one tenant as one set (see `AlertWrites.recordFindingSet`); the alerts
 * that changed (new, reopened, more severe) get their follow-ups through the outbox. Safe to run twice. New alerts count against the
 * tenant's alert creations per minute: those over it wait for the next minute as a held set
 * (findings of alerts that exist are never held) and the tenant's quota alert is raised.
 */
@Injectable()
export class AlertRaiser {
  private readonly logger = new Logger(AlertRaiser.name);

  private readonly tracing: Tracing;

  constructor(
    private readonly alerts: AlertWrites,
    private readonly relay: OutboxRelay,
    private readonly quotas: QuotaCounter,
    private readonly queue: AlertQueue,
    private readonly config: AppConfig,
    private readonly metrics: AlertMetrics,
    private readonly workerMetrics: AlertWorkerMetrics,
    @Optional() tracing?: Tracing,
  ) {
    this.tracing = tracing ?? Tracing.off;
  }

  async raise(tenantId: string, raises: readonly RaiseAlertJob[]): Promise<void> {
    // A raise of a traced event continues its trace: a span until its alert is stored. Job data
    // comes from Redis: a context that is not a well-formed string starts nothing.
    const spans = this.tracing.enabled
      ? raises.flatMap((r) => {
          const parent = typeof r.traceparent === 'string' ? this.tracing.contextOf(r.traceparent) : undefined;
          if (!parent) return [];
          const attributes = { 'kanshi.tenant_id': tenantId, 'kanshi.model_id': r.model_id, 'kanshi.rule_id': r.rule_id, 'kanshi.fingerprint': r.fingerprint };
          return [{ fingerprint: r.fingerprint, span: this.tracing.startSpan('kanshi.alert.store', { parent, kind: SpanKind.CONSUMER, attributes }) }];
        })
      : [];
    try {
      const recorded = await this.store(tenantId, raises);
      for (const { fingerprint, span } of spans) {
        const stored = recorded.find((r) => r.fingerprint === fingerprint);
        if (stored) span.setAttributes({ 'kanshi.alert_id': stored.alertId, 'kanshi.alert.created': stored.created, 'kanshi.alert.reopened': stored.reopened });
        else span.addEvent('held back by the alert creations quota');
      }
    } catch (error) {
      for (const { span } of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      for (const { span } of spans) span.end();
    }
  }

  private async store(tenantId: string, raises: readonly RaiseAlertJob[]): Promise<RecordFindingsResult[]> {
    const limit = this.config.values.alertCreationsPerMinuteQuota;
    const now = Date.now();
    // The tenant's own quota alert is never held back by the quota it reports (a set mixing it
    // with other raises is stored in two transactions).
    const exempt = raises.filter((r) => r.rule_id === QUOTA_RULE_ID);
    const counted = raises.filter((r) => r.rule_id !== QUOTA_RULE_ID);
    const recorded: RecordFindingsResult[] = exempt.length > 0 ? (await this.alerts.recordFindingSet(tenantId, exempt)).recorded : [];
    // Counted as each set commits: a retry after the second fails finds the first's alerts made.
    this.count(exempt, recorded, 0);
    const { recorded: countedRecorded, held } =
      counted.length > 0 ? await this.alerts.recordFindingSet(tenantId, counted, (wanted) => this.quotas.takeUpTo(tenantId, TENANT_QUOTAS.alertCreations, limit, wanted, now)) : { recorded: [], held: [] };
    this.count(counted, countedRecorded, held.length);
    recorded.push(...countedRecorded);
    if (held.length > 0) {
      const windowStart = minuteOf(now);
      const quota = TENANT_QUOTAS.alertCreations;
      await this.queue.enqueue([quotaAlertJob({ tenantId, quota, limit, windowStart, variable: QUOTA_VARIABLES[quota], action: 'held back' })]);
      await this.queue.hold(tenantId, held, windowStart + 60_000, now);
      this.logger.warn(logEntry(`tenant ${tenantId} is over its ${quota} quota (${limit}): ${held.length} new alert(s) wait for the next minute`, { tenant: tenantId }));
    }
    const created = recorded.filter((r) => r.created);
    if (created.length > 0) this.logger.log(logEntry(`${created.length} alert(s) raised for tenant ${tenantId}: ${ruleCounts(raises, created)}`, { tenant: tenantId }));
    // The alerts that changed left outbox entries in the same transaction: the relay schedules
    // their follow-ups now, or once Redis is back if it is away (not awaited: the set is stored).
    void this.relay.kick();
    return recorded;
  }

  /** Alerts created (at the worst severity of their findings, as the insert stores them), reopened, and held back by the quota. */
  private count(raises: readonly RaiseAlertJob[], recorded: readonly RecordFindingsResult[], held: number): void {
    const severityOf = new Map<string, Severity>();
    for (const raise of raises) {
      for (const finding of raise.findings) severityOf.set(raise.fingerprint, maxSeverity(severityOf.get(raise.fingerprint) ?? finding.severity, finding.severity));
    }
    const created = new Map<Severity, number>();
    for (const r of recorded) {
      const severity = severityOf.get(r.fingerprint);
      if (r.created && severity) created.set(severity, (created.get(severity) ?? 0) + 1);
    }
    for (const [severity, n] of created) this.metrics.alertsCreated(severity, n);
    this.metrics.transitioned('reopen', recorded.filter((r) => r.reopened).length);
    this.workerMetrics.quotaHeld(TENANT_QUOTAS.alertCreations, held);
  }
}

/** "G1 ×30 (first: alert <id>), F2 ×7 …" for a log line: the rules of the alerts created. */
function ruleCounts(raises: readonly RaiseAlertJob[], created: readonly RecordFindingsResult[]): string {
  const ruleOf = new Map(raises.map((r) => [r.fingerprint, r.rule_id]));
  const counts = new Map<string, { n: number; first: string }>();
  for (const r of created) {
    const rule = ruleOf.get(r.fingerprint) ?? '?';
    const before = counts.get(rule);
    counts.set(rule, { n: (before?.n ?? 0) + 1, first: before?.first ?? r.alertId });
  }
  const parts = [...counts].map(([rule, c]) => `${rule} ×${c.n} (first: alert ${c.first})`);
  return parts.length > LOGGED_RULES ? `${parts.slice(0, LOGGED_RULES).join(', ')}, …` : parts.join(', ');
}

/** Payload: {@link RaiseAlertSetJob}: the engine's raises of one tenant, as one set. */
@Injectable()
@JobHandler(JOBS.raiseAlerts)
export class RaiseAlertSetJobHandler implements JobHandlerOf<typeof JOBS.raiseAlerts> {
  constructor(private readonly raiser: AlertRaiser) {}

  handle(job: RaiseAlertSetJob): Promise<void> {
    return this.raiser.raise(job.tenant_id, job.raises);
  }
}

/** Payload: {@link RaiseAlertJob}: one fingerprint's findings (jobs queued one by one, before sets). */
@Injectable()
@JobHandler(JOBS.raiseAlert)
export class RaiseAlertJobHandler implements JobHandlerOf<typeof JOBS.raiseAlert> {
  constructor(private readonly raiser: AlertRaiser) {}

  handle(job: RaiseAlertJob): Promise<void> {
    return this.raiser.raise(job.tenant_id, [job]);
  }
}
