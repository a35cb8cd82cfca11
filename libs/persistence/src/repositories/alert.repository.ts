import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { maxSeverity, type RaiseAlertJob, type Severity } from '@kanshi/contracts';
import { ALERT_EVIDENCE_SAMPLE, REOPENED_SET, SYSTEM_ACTOR, type AlertAction, type AlertStatus, type FindingsUpdate, type TransitionPlan } from '@kanshi/alerting-core';
import { AlertHistoryEntity } from '../entities/alert-history.entity';
import { AlertEntity } from '../entities/alert.entity';
import type { Tx } from './notification.repository';


/** An alert of a fingerprint as the finding writer locks it. */
export interface FingerprintRow {
  readonly id: string;
  readonly fingerprint: string;
  readonly severity: Severity;
  readonly status: AlertStatus;
  /** True when this transaction inserted it. */
  readonly created: boolean;
}

/** A finding to store under its alert. */
export interface FindingRow {
  readonly finding_id: string;
  readonly alert_id: string;
  readonly event_id: string;
  readonly occurred_at: string;
  readonly severity: Severity;
  readonly observed?: unknown;
}

/** A finding the insert stored (not seen before). */
export interface StoredFinding {
  readonly alert_id: string;
  readonly event_id: string;
  readonly occurred_at: Date;
  readonly severity: Severity;
  readonly observed: unknown;
}

export interface RecordFindingsResult {
  readonly alertId: string;
  readonly fingerprint: string;
  /** True when this call created the alert. */
  readonly created: boolean;
  /** True when a new finding reopened a resolved alert. */
  readonly reopened: boolean;
  /** Findings not seen before; redelivered ones are not counted again. */
  readonly newFindings: number;
}

/** Findings of an alert in one interval: how many, and the worst severity among them. */
export interface OccurrenceBucket {
  readonly at: Date;
  readonly count: number;
  readonly severity: Severity;
}

/** Intervals `occurrences` counts in. */
export const OCCURRENCE_BUCKETS = ['hour', 'day'] as const;
export type OccurrenceBucketSize = (typeof OCCURRENCE_BUCKETS)[number];

/** How many open alerts one rule has on one model at one severity. */
export interface OpenAlertCount {
  readonly modelId: string;
  readonly ruleId: string;
  readonly severity: Severity;
  readonly count: number;
}

export interface AlertFilter {
  readonly status?: AlertStatus;
  readonly severity?: Severity;
  readonly sector?: string;
  readonly modelId?: string;
  readonly ruleId?: string;
  /** Alerts whose regulatory deadline is before this time. */
  readonly dueBefore?: Date;
}

/** Who changed an alert: Kanshi itself, or an API key (with its name, for readers of the trail). */
export interface AlertActor {
  readonly actor: string;
  readonly actorName: string | null;
}

/** The actor of changes Kanshi makes itself. */
export const SYSTEM: AlertActor = { actor: SYSTEM_ACTOR, actorName: null };

/**
 * The state machine's reopen as set-based SQL (`u.reopen` per row). `clear_since` is left to the
 * finding writer's own rule: a clear judged after the newest finding still counts.
 */
const REOPEN_COLUMNS = Object.entries(REOPENED_SET)
  .filter(([column]) => column !== 'clear_since')
  .map(([column, value]) => `${column} = CASE WHEN u.reopen THEN ${value === null ? 'NULL' : String(value)} ELSE alerts.${column} END`)
  .join(',\n                  ');

/**
 * What a clear did: nothing (no open alert, or the rule fired after it), started or continued
 * the countdown of an open alert, or resolved it.
 */
export type RecordClearResult =
  | { readonly outcome: 'no-open-alert' | 'stale' }
  | { readonly outcome: 'clearing'; readonly alertId: string; readonly clearSince: Date }
  | { readonly outcome: 'resolved'; readonly alertId: string; readonly clearSince: Date };

/** What applying a command to an alert came to. */
export type AlertCommandResult =
  | { readonly outcome: 'applied'; readonly alert: AlertEntity }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'conflict'; readonly message: string; readonly status: AlertStatus };

export interface HistoryEntry {
  readonly alertId: string;
  readonly tenantId: string;
  readonly action: AlertAction;
  readonly by: AlertActor;
  readonly from?: AlertStatus | null;
  readonly to?: AlertStatus | null;
  readonly comment?: string | null;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A change of an alert the state machine planned, to write. */
export interface PlannedTransition {
  readonly alertId: string;
  readonly from: AlertStatus;
  readonly plan: Extract<TransitionPlan, { ok: true }>;
  readonly by: AlertActor;
  readonly comment?: string | null;
}

/**
 * Writes transitions the state machine planned ({@link planTransition}), inside the caller's
 * transaction and on rows it holds locked: one UPDATE per distinct change, however many alerts
 * share it (a silence holding hundreds), and their history in one insert. The only code that
 * changes an alert's status besides the set-based finding writer, whose reopen sets the state
 * machine's {@link REOPENED_SET}.
 */
export async function applyTransitions(manager: EntityManager, tenantId: string, transitions: readonly PlannedTransition[]): Promise<void> {
  if (transitions.length === 0) return;
  const changes = new Map<string, { plan: PlannedTransition['plan']; ids: string[] }>();
  for (const t of transitions) {
    const key = JSON.stringify([t.plan.to, t.plan.set]);
    const change = changes.get(key);
    if (change) change.ids.push(t.alertId);
    else changes.set(key, { plan: t.plan, ids: [t.alertId] });
  }
  for (const { plan, ids } of changes.values()) {
    const columns = Object.keys(plan.set);
    await manager.query(
      `UPDATE alerts SET status = $3, ${columns.map((c, i) => `${c} = $${i + 4}, `).join('')}updated_at = now() WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, ids, plan.to, ...columns.map((c) => plan.set[c])],
    );
  }
  await appendHistory(
    manager,
    transitions.flatMap((t) =>
      t.plan.action === null ? [] : [{ alertId: t.alertId, tenantId, action: t.plan.action, by: t.by, from: t.from, to: t.plan.to, comment: t.comment ?? null, details: t.plan.details }],
    ),
  );
}

/** Appends to the alert trail inside the caller's transaction. */
export async function appendHistory(manager: EntityManager, entries: readonly HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await manager.query(
    `INSERT INTO alert_history (alert_id, tenant_id, action, actor, actor_name, from_status, to_status, comment, details)
     SELECT h.alert_id, h.tenant_id, h.action, h.actor, h.actor_name, h.from_status, h.to_status, h.comment, h.details
       FROM jsonb_to_recordset($1::jsonb)
         AS h(alert_id uuid, tenant_id text, action text, actor text, actor_name text, from_status text, to_status text, comment text, details jsonb)`,
    [
      JSON.stringify(
        entries.map((e) => ({
          alert_id: e.alertId,
          tenant_id: e.tenantId,
          action: e.action,
          actor: e.by.actor,
          actor_name: e.by.actorName,
          from_status: e.from ?? null,
          to_status: e.to ?? null,
          comment: e.comment ?? null,
          details: e.details ?? {},
        })),
      ),
    ],
  );
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AlertPage {
  readonly items: AlertEntity[];
  /** Pass as `cursor` to read the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

function encodeCursor(alert: AlertEntity): string {
  return Buffer.from(`${alert.lastSeenAt.toISOString()}|${alert.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { lastSeenAt: Date; id: string } | undefined {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const lastSeenAt = new Date(at ?? '');
  if (!id || Number.isNaN(lastSeenAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) return undefined;
  return { lastSeenAt, id };
}

@Injectable()
export class AlertRepository {
  constructor(private readonly dataSource: DataSource) {}

  // ---- Rows of the alert flows (see `AlertWrites`), inside the caller's transaction.

  /** The tenant's alerts of these fingerprints, locked in fingerprint order. */
  async lockByFingerprints(m: Tx, tenantId: string, fingerprints: readonly string[]): Promise<FingerprintRow[]> {
    return m.query<FingerprintRow[]>(
      `SELECT id, fingerprint, severity, status, false AS created FROM alerts
        WHERE tenant_id = $1 AND fingerprint = ANY($2::text[]) ORDER BY fingerprint FOR UPDATE`,
      [tenantId, fingerprints],
    );
  }

  /**
   * Inserts the alerts of the raises, in fingerprint order, each at the worst severity and the
   * earliest time of its findings; one another transaction created meanwhile is locked instead
   * (its `created` is false).
   */
  async insertAlerts(m: Tx, tenantId: string, raises: readonly RaiseAlertJob[]): Promise<FingerprintRow[]> {
    if (raises.length === 0) return [];
    return m.query<FingerprintRow[]>(
      `INSERT INTO alerts (tenant_id, fingerprint, model_id, rule_id, module_id, sector, scope, title, source,
                           severity, status, occurrence_count, first_seen_at, last_seen_at, args, due_at)
       SELECT $1, a.fingerprint, a.model_id, a.rule_id, a.module_id, a.sector, a.scope, a.title, a.source,
              a.severity, 'firing', 0, a.first_seen, a.first_seen, a.args, a.due_at
         FROM jsonb_to_recordset($2::jsonb)
           AS a(fingerprint text, model_id text, rule_id text, module_id text, sector text, scope text, title text, source text,
                severity text, first_seen timestamptz, args jsonb, due_at timestamptz)
        ORDER BY a.fingerprint
       ON CONFLICT (tenant_id, fingerprint) DO UPDATE SET tenant_id = EXCLUDED.tenant_id
       RETURNING id, fingerprint, severity, status, (xmax = 0) AS created`,
      [
        tenantId,
        JSON.stringify(
          raises.map((r) => ({
            fingerprint: r.fingerprint,
            model_id: r.model_id,
            rule_id: r.rule_id,
            module_id: r.module_id,
            sector: r.sector,
            scope: r.scope,
            title: r.title,
            source: r.source,
            severity: r.findings.map((f) => f.severity).reduce(maxSeverity),
            first_seen: r.findings.map((f) => f.occurred_at).sort()[0],
            args: r.args,
            due_at: r.due_at,
          })),
        ),
      ],
    );
  }

  /** Inserts the findings not stored before (the finding id is the key); returns those it stored. */
  async insertFindings(m: Tx, tenantId: string, findings: readonly FindingRow[]): Promise<StoredFinding[]> {
    if (findings.length === 0) return [];
    return m.query<StoredFinding[]>(
      `INSERT INTO alert_findings (finding_id, alert_id, tenant_id, event_id, occurred_at, severity, observed)
       SELECT f.finding_id, f.alert_id, $1, f.event_id, f.occurred_at, f.severity, f.observed
         FROM jsonb_to_recordset($2::jsonb)
           AS f(finding_id text, alert_id uuid, event_id text, occurred_at timestamptz, severity text, observed jsonb)
       ON CONFLICT (finding_id) DO NOTHING
       RETURNING alert_id, event_id, occurred_at, severity, observed`,
      [tenantId, JSON.stringify(findings.map((f) => ({ ...f, observed: f.observed ?? null })))],
    );
  }

  /** Writes what new findings changed in their alerts (see `planFindings`), in one statement. */
  async updateFromFindings(m: Tx, updates: readonly { readonly update: FindingsUpdate; readonly raise: RaiseAlertJob }[]): Promise<void> {
    if (updates.length === 0) return;
    await m.query(
      `UPDATE alerts
          SET occurrence_count = alerts.occurrence_count + u.added,
              status = CASE WHEN u.reopen THEN 'firing' ELSE alerts.status END,
              opened_at = CASE WHEN u.reopen THEN now() ELSE alerts.opened_at END,
              ${REOPEN_COLUMNS},
              -- A clear judged after the newest finding still counts; an older one does not.
              clear_since = CASE WHEN alerts.clear_since > u.latest THEN alerts.clear_since END,
              first_seen_at = LEAST(alerts.first_seen_at, u.oldest),
              last_seen_at = GREATEST(alerts.last_seen_at, u.latest),
              severity = u.severity,
              observed = CASE WHEN u.latest >= alerts.last_seen_at THEN u.observed ELSE alerts.observed END,
              evidence_event_ids = (ARRAY(SELECT jsonb_array_elements_text(u.evidence)) || alerts.evidence_event_ids)[1:${ALERT_EVIDENCE_SAMPLE}],
              args = u.args,
              due_at = LEAST(alerts.due_at, u.due_at),  -- LEAST skips NULLs: the earliest deadline wins
              updated_at = now()
         FROM jsonb_to_recordset($1::jsonb)
           AS u(id uuid, reopen boolean, added integer, oldest timestamptz, latest timestamptz, severity text, observed jsonb, evidence jsonb, args jsonb, due_at timestamptz)
        WHERE alerts.id = u.id`,
      [
        JSON.stringify(
          updates.map(({ update, raise }) => ({
            id: update.id,
            reopen: update.reopen,
            added: update.added,
            oldest: update.oldest.toISOString(),
            latest: update.latest.toISOString(),
            severity: update.severity,
            observed: update.observed,
            evidence: update.evidence,
            args: raise.args,
            due_at: raise.due_at,
          })),
        ),
      ],
    );
  }

  /** The alert of a fingerprint as a clear reads it, locked; `undefined` when there is none. */
  async lockForClear(m: Tx, tenantId: string, fingerprint: string): Promise<{ id: string; status: AlertStatus; clearSince: Date | null; lastSeenAt: Date } | undefined> {
    const [row] = await m.query<{ id: string; status: AlertStatus; clear_since: Date | null; last_seen_at: Date }[]>(
      `SELECT id, status, clear_since, last_seen_at FROM alerts WHERE tenant_id = $1 AND fingerprint = $2 FOR UPDATE`,
      [tenantId, fingerprint],
    );
    return row && { id: row.id, status: row.status, clearSince: row.clear_since, lastSeenAt: row.last_seen_at };
  }

  async setClearSince(m: Tx, alertId: string, clearSince: Date): Promise<void> {
    await m.query(`UPDATE alerts SET clear_since = $2 WHERE id = $1`, [alertId, clearSince]);
  }

  /** The alert as a person's command reads it, locked; `undefined` for another tenant's, a missing or a malformed id. */
  async lockForCommand(m: Tx, tenantId: string, alertId: string): Promise<{ status: AlertStatus; assignee: string | null; dueAt: Date | null; reportSubmittedAt: Date | null } | undefined> {
    if (!UUID.test(alertId)) return undefined;
    const [row] = await m.query<{ status: AlertStatus; assignee: string | null; due_at: Date | null; report_submitted_at: Date | null }[]>(
      `SELECT status, assignee, due_at, report_submitted_at FROM alerts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, alertId],
    );
    return row && { status: row.status, assignee: row.assignee, dueAt: row.due_at, reportSubmittedAt: row.report_submitted_at };
  }

  /** The whole alert, read inside the transaction. */
  async load(m: Tx, tenantId: string, alertId: string): Promise<AlertEntity> {
    return m.getRepository(AlertEntity).findOneByOrFail({ tenantId, id: alertId });
  }

  /**
   * How often the alert fired over time: its findings (event time) counted per hour or UTC day,
   * the latest `limit` intervals that have any, oldest first. Empty for an alert of another
   * tenant. Read from the findings themselves, so firing again costs no history row.
   */
  async occurrences(tenantId: string, alertId: string, bucket: OccurrenceBucketSize, limit: number): Promise<OccurrenceBucket[]> {
    if (!UUID.test(alertId)) return [];
    const rows = await this.dataSource.query<{ at: Date; count: number; rank: number }[]>(
      `SELECT date_trunc($3, occurred_at, 'UTC') AS at, count(*)::int AS count,
              max(CASE severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END)::int AS rank
         FROM alert_findings WHERE tenant_id = $1 AND alert_id = $2
        GROUP BY 1 ORDER BY 1 DESC LIMIT $4`,
      [tenantId, alertId, bucket, limit],
    );
    const names: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
    return rows.reverse().map((r) => ({ at: r.at, count: r.count, severity: names[r.rank - 1] ?? 'low' }));
  }

  /** The alert's history, oldest first; empty for an alert of another tenant. */
  async history(tenantId: string, alertId: string): Promise<AlertHistoryEntity[]> {
    if (!UUID.test(alertId)) return [];
    return this.dataSource.getRepository(AlertHistoryEntity).find({ where: { tenantId, alertId }, order: { id: 'ASC' } });
  }

  async list(tenantId: string, filter: AlertFilter, limit: number, cursor?: string): Promise<AlertPage> {
    const query = this.dataSource
      .getRepository(AlertEntity)
      .createQueryBuilder('a')
      .where('a.tenant_id = :tenantId', { tenantId })
      .orderBy('a.last_seen_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .take(limit + 1);
    if (filter.status) query.andWhere('a.status = :status', { status: filter.status });
    if (filter.severity) query.andWhere('a.severity = :severity', { severity: filter.severity });
    if (filter.sector) query.andWhere('a.sector = :sector', { sector: filter.sector });
    if (filter.modelId) query.andWhere('a.model_id = :modelId', { modelId: filter.modelId });
    if (filter.ruleId) query.andWhere('a.rule_id = :ruleId', { ruleId: filter.ruleId });
    if (filter.dueBefore) query.andWhere('a.due_at < :dueBefore', { dueBefore: filter.dueBefore });
    if (cursor) {
      const after = decodeCursor(cursor);
      if (!after) throw new InvalidCursorError();
      query.andWhere('(a.last_seen_at, a.id) < (:at, :id)', { at: after.lastSeenAt, id: after.id });
    }
    const rows = await query.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /** Open alerts (not resolved) of the tenant counted per model, rule and severity; one model when given. */
  async openCounts(tenantId: string, modelId?: string): Promise<OpenAlertCount[]> {
    const rows = await this.dataSource.query<{ model_id: string; rule_id: string; severity: Severity; count: string }[]>(
      `SELECT model_id, rule_id, severity, count(*) AS count FROM alerts
        WHERE tenant_id = $1 AND status <> 'resolved' AND ($2::text IS NULL OR model_id = $2)
        GROUP BY model_id, rule_id, severity`,
      [tenantId, modelId ?? null],
    );
    return rows.map((r) => ({ modelId: r.model_id, ruleId: r.rule_id, severity: r.severity, count: Number(r.count) }));
  }

  /** The alert if it belongs to the tenant; another tenant's alert is as absent as a missing one. */
  async findForTenant(tenantId: string, id: string): Promise<AlertEntity | null> {
    if (!UUID.test(id)) return null;
    return this.dataSource.getRepository(AlertEntity).findOneBy({ tenantId, id });
  }
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor is not one this API returned; pass nextCursor from the previous page');
  }
}
