import { Injectable } from '@nestjs/common';
import type { ClearAlertJob, RaiseAlertJob } from '@kanshi/contracts';
import { clearVerdict, mergeRaises, planFindings, planTransition, type FindingsUpdate, type FreshFinding, type HumanCommand } from '@kanshi/alerting-core';
import {
  AlertRepository,
  applyTransitions,
  appendHistory,
  SYSTEM,
  type AlertActor,
  type AlertCommandResult,
  type FingerprintRow,
  type HistoryEntry,
  type RecordClearResult,
  type RecordFindingsResult,
} from './repositories/alert.repository';
import { addToOutbox, type OutboxEntry } from './repositories/outbox.repository';
import { Transactions } from './repositories/transactions';

/**
 * The flows that change alerts, each in one transaction: findings raised by the engine, a rule's
 * clear, a person's command. Each locks its rows, asks the pure core what to do (`planFindings`,
 * `clearVerdict`, `planTransition`), and has the repository write what the core planned. Findings
 * that change an alert, and a person's command, write its outbox entry in the same transaction
 * (an alert a clear resolves needs no follow-up: those pending find it resolved and do nothing).
 * A transaction the database rolls back to break a deadlock is run again (`Transactions`).
 */
@Injectable()
export class AlertWrites {
  constructor(
    private readonly tx: Transactions,
    private readonly rows: AlertRepository,
  ) {}

  /**
   * Creates or updates the alert of a fingerprint from a batch of findings, idempotently: the
   * alert row is unique per tenant and fingerprint, each finding is recorded once by id, and
   * only findings not seen before change the count, last-seen time and evidence.
   */
  recordFindings(job: RaiseAlertJob): Promise<RecordFindingsResult>;
  /**
   * As above, but a new alert is created only if `mayCreate` agrees (a tenant quota); when it
   * does not, nothing is written and the answer is `undefined`. Findings of an alert that
   * exists are always recorded.
   */
  recordFindings(job: RaiseAlertJob, mayCreate: () => Promise<boolean>): Promise<RecordFindingsResult | undefined>;
  async recordFindings(job: RaiseAlertJob, mayCreate?: () => Promise<boolean>): Promise<RecordFindingsResult | undefined> {
    const { recorded } = await this.recordFindingSet(job.tenant_id, [job], mayCreate && (async (wanted) => ((await mayCreate()) ? wanted : 0)));
    return recorded[0];
  }

  /**
   * {@link recordFindings} for many raises of one tenant in one transaction, with set-based
   * statements whatever their number: one read that locks the alerts that exist, one insert of
   * those missing (both in fingerprint order), one insert of the findings that skips those seen
   * before, one update of the alerts they changed, one insert of history.
   * `mayCreate(n)` answers how many of the n alerts that do not exist yet may be created (a
   * tenant quota; asked again if a deadlock makes the set start over); the raises of the others
   * are returned as `held`, and nothing of theirs is written. Raises of the same fingerprint are
   * merged. The alerts that changed (new, reopened, more severe, or given a deadline) get an
   * outbox entry in the same transaction.
   */
  async recordFindingSet(
    tenantId: string,
    raises: readonly RaiseAlertJob[],
    mayCreate?: (wanted: number) => Promise<number>,
  ): Promise<{ recorded: RecordFindingsResult[]; held: RaiseAlertJob[] }> {
    for (const raise of raises) {
      if (raise.findings.length === 0) throw new Error(`alert job ${raise.fingerprint} carries no findings`);
      if (raise.tenant_id !== tenantId) throw new Error(`alert job ${raise.fingerprint} is of tenant ${raise.tenant_id}, not ${tenantId}`);
    }
    const merged = mergeRaises(raises);
    if (merged.length === 0) return { recorded: [], held: [] };
    return this.tx.run(async (m) => {
      // Existing rows are locked in fingerprint order, then missing ones inserted (or, when
      // another set created one meanwhile, locked) in that order. That keeps deadlocks rare; one
      // can still happen when a set inserts an alert that another set, which already holds a
      // later one, then wants: the database breaks it and the set starts over.
      const locked: FingerprintRow[] = await this.rows.lockByFingerprints(m, tenantId, merged.map((r) => r.fingerprint));
      const known = new Set(locked.map((r) => r.fingerprint));
      const missing = merged.filter((r) => !known.has(r.fingerprint));
      const allowed = missing.length === 0 ? 0 : mayCreate ? Math.max(0, Math.min(missing.length, await mayCreate(missing.length))) : missing.length;
      const held = missing.slice(allowed);
      // Created meanwhile by another set, the insert's no-op update took its lock: `created` is false.
      locked.push(...(await this.rows.insertAlerts(m, tenantId, missing.slice(0, allowed))));
      const holding = new Set(held.map((r) => r.fingerprint));
      const toWrite = merged.filter((r) => !holding.has(r.fingerprint));
      if (toWrite.length === 0) return { recorded: [], held };

      const byFingerprint = new Map(locked.map((row) => [row.fingerprint, row]));
      const rowOf = (raise: RaiseAlertJob) => {
        const row = byFingerprint.get(raise.fingerprint);
        if (!row) throw new Error(`alert ${raise.fingerprint} vanished inside its own transaction`);
        return row;
      };
      const stored = await this.rows.insertFindings(
        m,
        tenantId,
        toWrite.flatMap((r) => {
          const alertId = rowOf(r).id;
          return r.findings.map((f) => ({ finding_id: f.finding_id, alert_id: alertId, event_id: f.event_id, occurred_at: f.occurred_at, severity: f.severity, observed: f.observed }));
        }),
      );
      const freshOf = new Map<string, FreshFinding[]>();
      for (const f of stored) {
        const list = freshOf.get(f.alert_id) ?? [];
        list.push({ eventId: f.event_id, occurredAt: f.occurred_at, severity: f.severity, observed: f.observed });
        freshOf.set(f.alert_id, list);
      }

      const recorded: RecordFindingsResult[] = [];
      const history: HistoryEntry[] = [];
      // Follow-ups only for what changed them: a new, reopened or more severe alert, or a
      // deadline (the earliest wins, so a raise with one may move the clock).
      const changed: OutboxEntry[] = [];
      const updates: { update: FindingsUpdate; raise: RaiseAlertJob }[] = [];
      for (const raise of toWrite) {
        const row = rowOf(raise);
        const fresh = freshOf.get(row.id) ?? [];
        const plan = planFindings({ id: row.id, severity: row.severity, status: row.status, created: row.created }, fresh, raise);
        for (const entry of plan.history) history.push({ alertId: row.id, tenantId, by: SYSTEM, ...entry });
        if (plan.history.length > 0 || (raise.due_at !== null && fresh.length > 0)) changed.push({ tenantId, kind: 'alert', subjectId: row.id });
        if (plan.update) updates.push({ update: plan.update, raise });
        recorded.push({ alertId: row.id, fingerprint: raise.fingerprint, created: row.created, reopened: plan.reopened, newFindings: fresh.length });
      }
      await this.rows.updateFromFindings(m, updates);
      await appendHistory(m, history);
      await addToOutbox(m, changed, false);
      return { recorded, held };
    });
  }

  /**
   * Records that a rule judged its condition clear: the core's {@link clearVerdict} decides,
   * under the alert's row lock, whether the open alert of the fingerprint counts on (it
   * remembers since when it has been clear) or resolves by itself (history: resolved by kanshi).
   */
  recordClear(job: ClearAlertJob): Promise<RecordClearResult> {
    const clearedAt = new Date(job.cleared_at);
    return this.tx.run(async (m) => {
      const alert = await this.rows.lockForClear(m, job.tenant_id, job.fingerprint);
      const verdict = clearVerdict(alert, clearedAt, job.clear_for_ms);
      if (verdict.outcome === 'no-open-alert' || verdict.outcome === 'stale') return { outcome: verdict.outcome };
      if (!alert) return { outcome: 'no-open-alert' };
      const { clearSince } = verdict;
      if (verdict.outcome === 'clearing') {
        await this.rows.setClearSince(m, alert.id, clearSince);
        return { outcome: 'clearing', alertId: alert.id, clearSince };
      }
      const resolve = {
        kind: 'auto-resolve' as const,
        comment:
          job.clear_for_ms === 0
            ? `Rule ${job.rule_id} judged the condition clear at ${clearSince.toISOString()} (a final clear: the report was submitted, or the cause removed).`
            : `Rule ${job.rule_id} has judged the condition clear since ${clearSince.toISOString()}, for at least ${job.clear_for_ms / 60_000} minutes.`,
        details: { clear_since: clearSince.toISOString(), cleared_at: job.cleared_at, clear_for_ms: job.clear_for_ms },
      };
      const plan = planTransition({ status: alert.status, assignee: null }, resolve, new Date());
      if (!plan.ok) return { outcome: 'no-open-alert' };
      await applyTransitions(m, job.tenant_id, [{ alertId: alert.id, from: alert.status, plan, by: SYSTEM, comment: resolve.comment }]);
      return { outcome: 'resolved', alertId: alert.id, clearSince };
    });
  }

  /**
   * Applies a risk officer's command (acknowledge, assign, comment, resolve, reopen, record a
   * submitted report) under a row lock, recording it in the alert's history with who did it and
   * the comment.
   */
  apply(tenantId: string, alertId: string, command: HumanCommand, by: AlertActor): Promise<AlertCommandResult> {
    return this.tx.run(async (m) => {
      const current = await this.rows.lockForCommand(m, tenantId, alertId);
      if (!current) return { outcome: 'not-found' };
      const plan = planTransition(current, command, new Date());
      if (!plan.ok) return { outcome: 'conflict', message: plan.conflict, status: current.status };
      await applyTransitions(m, tenantId, [{ alertId, from: current.status, plan, by, comment: command.comment ?? null }]);
      await addToOutbox(m, [{ tenantId, kind: 'alert', subjectId: alertId }]);
      return { outcome: 'applied', alert: await this.rows.load(m, tenantId, alertId) };
    });
  }
}
