import { Injectable } from '@nestjs/common';
import {
  clockVerdict,
  dueMembers,
  escalationVerdict,
  nextGroupRun,
  planNotifications,
  planTransition,
  type GroupMember,
  type PlannedNotification,
} from '@kanshi/alerting-core';
import type { AlertClockJob, EscalateAlertJob, SilenceTimerJob } from '@kanshi/contracts';
import {
  appendHistory,
  applyTransitions,
  NotificationRepository,
  SYSTEM,
  systemTransitions,
  Transactions,
  type HistoryEntry,
  type NotifiableAlert,
  type PendingDelivery,
  type Tx,
} from '@kanshi/persistence';

/** What a timed job (escalation, clock, silence) came to; `void` when the state moved on since it was scheduled. */
export type TimedOutcome = { readonly outcome: 'void'; readonly why: string } | { readonly outcome: 'done'; readonly pending: PendingDelivery[]; readonly alertIds: readonly string[] };

/** What a run of a notification group did, and when the group runs next (`null`: nothing left firing). */
export interface GroupRunResult {
  readonly pending: PendingDelivery[];
  readonly nextRunAt: Date | null;
  readonly notified: number;
  readonly silenced: number;
}

/** Largest number of alerts one group notification carries; the rest go in the next run, at once. */
const GROUP_BATCH = 200;

/**
 * The timed flows of notifications, each in one transaction: a group run, an escalation, a point
 * of a regulatory clock, a silence's reminder and its end. Each reads its rows under locks, asks
 * the pure core what to do, and writes what the core planned; every notification is stored
 * before it is queued. Safe to run twice: a flow whose state moved on since its job was
 * planned is void.
 */
@Injectable()
export class NotificationRuns {
  constructor(
    private readonly tx: Transactions,
    private readonly rows: NotificationRepository,
  ) {}

  /** Notifies the due alerts of a group (new, at a new severity, or due to repeat); silenced ones are recorded, not sent. */
  runGroup(tenantId: string, groupKey: string, group: { readonly modelId: string; readonly severity: string }, repeatMs: number, now: Date): Promise<GroupRunResult> {
    return this.tx.run(async (m) => {
      await this.rows.lockGroup(m, tenantId, groupKey);
      // Read the members, let the core pick the due ones, lock only those and decide again on what
      // the lock read: a storm's raise sets keep writing the rest of a large group meanwhile.
      const members = await this.rows.firingMembers(m, tenantId, group.modelId, group.severity);
      const picked = dueMembers(members, repeatMs, now, GROUP_BATCH).map((a) => a.id);
      const due = dueMembers(await this.rows.lockFiring(m, tenantId, picked), repeatMs, now, GROUP_BATCH);
      let pending: PendingDelivery[] = [];
      let held = new Map<string, string>();
      if (due.length > 0) {
        const planned = await this.route(m, tenantId, due, 0, now);
        held = planned.silencedBy;
        const repeats = due.filter((a) => a.notifiedAt !== null && !held.has(a.id)).map((a) => a.id);
        pending = await this.rows.storeNotifications(m, tenantId, 'firing', 0, planned.notifications, repeats);
        await this.rows.markNotified(m, due.filter((a) => !held.has(a.id)).map((a) => a.id), now);
      }
      // The next run: the earliest time a member still firing is due (those just notified count
      // from now; those a silence took are out).
      const notified = new Set(due.map((a) => a.id));
      const stillFiring = members
        .filter((a) => !held.has(a.id))
        .map((a): GroupMember => (notified.has(a.id) ? { ...a, notifiedAt: now, notifiedSeverity: a.severity } : a));
      const nextRunAt = nextGroupRun(stillFiring, repeatMs, now);
      await this.rows.setGroupRun(m, tenantId, groupKey, nextRunAt, now);
      return { pending, nextRunAt, notified: due.length - held.size, silenced: held.size };
    });
  }

  /**
   * Escalates an alert nobody acknowledged within its SLA: level recorded in the alert and its
   * history, and the routes of that level notified. Void when the alert was acknowledged,
   * resolved, silenced, reopened since, or already escalated.
   */
  escalate(job: EscalateAlertJob, ackSlaMs: number, now: Date): Promise<TimedOutcome> {
    return this.tx.run(async (m) => {
      const alert = await this.rows.lockAlert(m, job.tenant_id, job.alert_id);
      if (!alert) return { outcome: 'void', why: 'no such alert' };
      const verdict = escalationVerdict(alert, job);
      if (!verdict.go) return { outcome: 'void', why: verdict.why };
      await this.rows.setEscalationLevel(m, alert.id, job.level);
      await appendHistory(m, [
        {
          alertId: alert.id,
          tenantId: job.tenant_id,
          action: 'escalated',
          by: SYSTEM,
          from: alert.status,
          to: alert.status,
          comment: `Not acknowledged within ${Math.round(ackSlaMs / 60_000)} minutes of ${job.level === 1 ? 'opening' : 'the last escalation'}: escalated to level ${job.level}.`,
          details: { level: job.level, ack_sla_ms: ackSlaMs },
        },
      ]);
      const planned = await this.route(m, job.tenant_id, [alert], job.level, now);
      return { outcome: 'done', pending: await this.rows.storeNotifications(m, job.tenant_id, 'escalation', job.level, planned.notifications), alertIds: [alert.id] };
    });
  }

  /**
   * A point of a regulatory clock: a reminder before the deadline; the last days (the alert
   * becomes critical, its report still not recorded); or the deadline itself, which raises the
   * alert to critical. Void when the alert is resolved, its deadline moved, its report is
   * recorded as submitted, or this point was already handled (the history says so).
   */
  clock(job: AlertClockJob, now: Date): Promise<TimedOutcome> {
    return this.tx.run(async (m) => {
      const alert = await this.rows.lockAlert(m, job.tenant_id, job.alert_id);
      if (!alert) return { outcome: 'void', why: 'no such alert' };
      const action = job.point === 'reminder' ? 'reminded' : job.point === 'last-days' ? 'severity_raised' : 'deadline_missed';
      const verdict = clockVerdict(alert, job, await this.rows.clockPointHandled(m, alert.id, action, job));
      if (!verdict.go) return { outcome: 'void', why: verdict.why };
      const history: HistoryEntry[] = [];
      const about = { alertId: alert.id, tenantId: job.tenant_id, by: SYSTEM, from: alert.status, to: alert.status };
      const raised = (why: string, extra: Record<string, unknown> = {}): HistoryEntry => ({ ...about, action: 'severity_raised', details: { from: alert.severity, to: 'critical', why, ...extra } });
      switch (job.point) {
        case 'reminder':
          history.push({ ...about, action, comment: `The regulatory deadline ${job.due_at} is ${job.before ?? ''} away.`, details: { due_at: job.due_at, before: job.before } });
          break;
        case 'last-days':
          // Its history entry names the deadline and the point, so a repeated job finds it handled.
          history.push({ ...raised('clock_running_out', { due_at: job.due_at, before: job.before }), comment: `The regulatory deadline ${job.due_at} is ${job.before ?? ''} away or less, and no report is recorded as submitted.` });
          await this.rows.markRaisedToCritical(m, alert.id, now);
          break;
        case 'deadline':
          history.push({ ...about, action, comment: `The regulatory deadline ${job.due_at} passed with the alert still open.`, details: { due_at: job.due_at } });
          if (verdict.raiseToCritical) history.push(raised('deadline_missed'));
          await this.rows.markRaisedToCritical(m, alert.id, now);
          break;
      }
      await appendHistory(m, history);
      const routed = verdict.raiseToCritical ? { ...alert, severity: 'critical' } : alert;
      const planned = await this.route(m, job.tenant_id, [routed], 0, now);
      const pending = await this.rows.storeNotifications(m, job.tenant_id, job.point === 'deadline' ? 'deadline_missed' : 'reminder', 0, planned.notifications);
      return { outcome: 'done', pending, alertIds: [alert.id] };
    });
  }

  /** A silence has ended: its alerts fire again (history: unsilenced), unless another silence in force holds them. Returns those that fire again. */
  expireSilence(job: SilenceTimerJob, now: Date): Promise<TimedOutcome> {
    return this.tx.run(async (m) => {
      const silence = await this.rows.lockSilence(m, job);
      if (!silence) return { outcome: 'void', why: 'the silence changed since' };
      if (silence.endsAt > now) return { outcome: 'void', why: 'the silence has not ended' };
      const held = await this.rows.heldBySilence(m, job.tenant_id, job.silence_id, true);
      const { silences } = await this.rows.routing(m, job.tenant_id, now);
      const { silencedBy } = planNotifications(held, [], silences, new Set(), 0, now);
      const transitions = systemTransitions(
        held,
        (a) => {
          const heldBy = silencedBy.get(a.id);
          return planTransition({ status: a.status, assignee: null, silencedBy: job.silence_id }, { kind: 'unsilence', silenceId: job.silence_id, ...(heldBy ? { heldBy } : {}) }, now);
        },
        'The silence ended.',
      );
      await applyTransitions(m, job.tenant_id, transitions);
      return { outcome: 'done', pending: [], alertIds: transitions.filter((t) => t.plan.to === 'firing').map((t) => t.alertId) };
    });
  }

  /** Reminds the first-level channels that a silence ends soon, naming the alerts it holds. Once per silence. */
  remindSilence(job: SilenceTimerJob, now: Date): Promise<TimedOutcome> {
    return this.tx.run(async (m) => {
      const silence = await this.rows.lockSilence(m, job);
      if (!silence) return { outcome: 'void', why: 'the silence changed since' };
      if (silence.remindedAt !== null) return { outcome: 'void', why: 'already reminded' };
      if (silence.endsAt <= now) return { outcome: 'void', why: 'the silence has ended' };
      const { routes, usable } = await this.rows.routing(m, job.tenant_id, now);
      const channelIds = [...new Set(routes.filter((r) => r.level === 0).flatMap((r) => r.channelIds))].filter((id) => usable.has(id));
      const held = await this.rows.heldBySilence(m, job.tenant_id, job.silence_id, false);
      await this.rows.markReminded(m, job.silence_id, now);
      const planned: PlannedNotification[] = channelIds.map((channelId) => ({ channelId, alertIds: held.map((a) => a.id), status: 'pending', silenceId: job.silence_id }));
      return { outcome: 'done', pending: await this.rows.storeNotifications(m, job.tenant_id, 'silence_expiring', 0, planned), alertIds: [] };
    });
  }

  /** Routes the alerts (see `planNotifications`); a silence in force that matches a firing one holds it (the state machine's `silence`). */
  private async route(m: Tx, tenantId: string, alerts: readonly NotifiableAlert[], level: number, now: Date) {
    const { routes, silences, usable } = await this.rows.routing(m, tenantId, now);
    const planned = planNotifications(alerts, routes, silences, usable, level, now);
    const held = alerts.filter((a) => planned.silencedBy.has(a.id));
    await applyTransitions(
      m,
      tenantId,
      systemTransitions(held, (a) => planTransition({ status: a.status, assignee: null }, { kind: 'silence', silenceId: planned.silencedBy.get(a.id) ?? '' }, now), 'A silence in force matches the alert.'),
    );
    return planned;
  }
}
