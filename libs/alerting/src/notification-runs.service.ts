import { Injectable } from '@nestjs/common';
import {
  clockVerdict,
  dueMembers,
  escalationVerdict,
  nextGroupRun,
  planNotifications,
  planTransition,
  type AlertCommandKind,
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
  type NotificationSet,
  type PendingDelivery,
  type PlannedTransition,
  type RoutingContext,
  type Tx,
} from '@kanshi/persistence';
import { AlertMetrics } from './alert-metrics';

/** What a timed job (escalation, clock, silence) came to; `void` when the state moved on since it was scheduled. */
export type TimedOutcome = { readonly outcome: 'void'; readonly why: string } | { readonly outcome: 'done'; readonly pending: PendingDelivery[]; readonly alertIds: readonly string[] };

/** What a run of a notification group did, and when the group runs next (`null`: nothing left firing). */
export interface GroupRunResult {
  readonly pending: PendingDelivery[];
  readonly nextRunAt: Date | null;
  readonly notified: number;
  readonly silenced: number;
}

/** A run of a notification group asked for (see `NotificationRuns.runGroups`). */
export interface GroupRunRequest {
  readonly tenantId: string;
  readonly groupKey: string;
  readonly modelId: string;
  readonly severity: string;
  /** The repeat interval of the group's severity. */
  readonly repeatMs: number;
}

/** Writes transitions of one command inside the flow's transaction, noting them to count once it commits. */
type ApplyTransitions = (m: Tx, tenantId: string, command: AlertCommandKind, transitions: readonly PlannedTransition[]) => Promise<void>;

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
    private readonly metrics: AlertMetrics,
  ) {}

  /**
   * Notifies the due alerts of each group (new, at a new severity, or due to repeat; silenced ones
   * are recorded, not sent), for many groups of any tenants in one transaction, with one
   * statement per step whatever their number: lock the groups (in key order), read their firing members, lock
   * the due ones (in id order), store every notification, mark the alerts notified, plan each
   * group's next run. A group asked for twice runs once; its second answer sends nothing.
   */
  runGroups(runs: readonly GroupRunRequest[], now: Date): Promise<GroupRunResult[]> {
    return this.committed(async (m, apply) => {
      // The first request of each group, in the order first seen.
      const first = new Map<string, number>();
      runs.forEach((run, i) => {
        if (!first.has(groupKeyOf(run))) first.set(groupKeyOf(run), i);
      });
      const distinct = [...first.values()].map((i) => runs[i] as GroupRunRequest);
      await this.rows.lockGroups(m, distinct);
      // Read the members, let the core pick the due ones, lock only those and decide again on what
      // the lock read: a storm's raise sets keep writing the rest of a large group meanwhile.
      const membersOf = await this.rows.firingMembers(m, distinct);
      const picked = distinct.map((run, i) => dueMembers(membersOf[i] ?? [], run.repeatMs, now, GROUP_BATCH).map((a) => a.id));
      const locked = await this.rows.lockFiring(m, picked.flat());
      const routing = new Map<string, RoutingContext>();
      for (const tenantId of new Set(distinct.map((run) => run.tenantId))) routing.set(tenantId, await this.rows.routing(m, tenantId, now));

      const sets: NotificationSet[] = [];
      const silencing = new Map<string, PlannedTransition[]>();
      const notifiedIds: string[] = [];
      const outcomes = distinct.map((run, i) => {
        const due = dueMembers((picked[i] ?? []).flatMap((id) => locked.get(id) ?? []), run.repeatMs, now, GROUP_BATCH);
        let held = new Map<string, string>();
        let set = -1;
        if (due.length > 0) {
          const { routes, silences, usable } = routing.get(run.tenantId) as RoutingContext;
          const planned = planNotifications(due, routes, silences, usable, 0, now);
          held = planned.silencedBy;
          silencing.set(run.tenantId, [...(silencing.get(run.tenantId) ?? []), ...silencedTransitions(due, held, now)]);
          set = sets.push({ tenantId: run.tenantId, kind: 'firing', level: 0, planned: planned.notifications, repeatAlertIds: due.filter((a) => a.notifiedAt !== null && !held.has(a.id)).map((a) => a.id) }) - 1;
          notifiedIds.push(...due.filter((a) => !held.has(a.id)).map((a) => a.id));
        }
        // The next run: the earliest time a member still firing is due (those just notified count
        // from now; those a silence took are out).
        const notified = new Set(due.map((a) => a.id));
        const stillFiring = (membersOf[i] ?? [])
          .filter((a) => !held.has(a.id))
          .map((a): GroupMember => (notified.has(a.id) ? { ...a, notifiedAt: now, notifiedSeverity: a.severity } : a));
        return { set, nextRunAt: nextGroupRun(stillFiring, run.repeatMs, now), notified: due.length - held.size, silenced: held.size };
      });
      for (const [tenantId, transitions] of silencing) await apply(m, tenantId, 'silence', transitions);
      const pending = await this.rows.storeNotificationSets(m, sets);
      await this.rows.markNotified(m, notifiedIds, now);
      await this.rows.setGroupRuns(m, distinct.map((run, i) => ({ tenantId: run.tenantId, groupKey: run.groupKey, nextRunAt: outcomes[i]?.nextRunAt ?? null })), now);

      const results = outcomes.map((o): GroupRunResult => ({ pending: o.set >= 0 ? (pending[o.set] ?? []) : [], nextRunAt: o.nextRunAt, notified: o.notified, silenced: o.silenced }));
      const resultOf = new Map([...first.keys()].map((key, d) => [key, results[d] as GroupRunResult]));
      return runs.map((run, i) => {
        const key = groupKeyOf(run);
        const result = resultOf.get(key) as GroupRunResult;
        return first.get(key) === i ? result : { ...result, pending: [], notified: 0, silenced: 0 };
      });
    });
  }

  /**
   * Escalates an alert nobody acknowledged within its SLA: level recorded in the alert and its
   * history, and the routes of that level notified. Void when the alert was acknowledged,
   * resolved, silenced, reopened since, or already escalated.
   */
  escalate(job: EscalateAlertJob, ackSlaMs: number, now: Date): Promise<TimedOutcome> {
    return this.committed(async (m, apply) => {
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
      const planned = await this.route(m, apply, job.tenant_id, [alert], job.level, now);
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
    return this.committed(async (m, apply) => {
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
      const planned = await this.route(m, apply, job.tenant_id, [routed], 0, now);
      const pending = await this.rows.storeNotifications(m, job.tenant_id, job.point === 'deadline' ? 'deadline_missed' : 'reminder', 0, planned.notifications);
      return { outcome: 'done', pending, alertIds: [alert.id] };
    });
  }

  /** A silence has ended: its alerts fire again (history: unsilenced), unless another silence in force holds them. Returns those that fire again. */
  expireSilence(job: SilenceTimerJob, now: Date): Promise<TimedOutcome> {
    return this.committed(async (m, apply) => {
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
      await apply(m, job.tenant_id, 'unsilence', transitions);
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

  /**
   * Runs a flow in one transaction and counts the transitions it applied once it committed: an
   * attempt the database rolled back (a deadlock, run again) counts nothing.
   */
  private async committed<T>(flow: (m: Tx, apply: ApplyTransitions) => Promise<T>): Promise<T> {
    let applied = new Map<AlertCommandKind, number>();
    const result = await this.tx.run((m) => {
      applied = new Map();
      return flow(m, async (tm, tenantId, command, transitions) => {
        await applyTransitions(tm, tenantId, transitions);
        // A silence handing an alert over to another one changes nothing a reader sees (no history): not a transition.
        applied.set(command, (applied.get(command) ?? 0) + transitions.filter((t) => t.plan.action !== null).length);
      });
    });
    for (const [command, n] of applied) this.metrics.transitioned(command, n);
    return result;
  }

  /** Routes the alerts (see `planNotifications`); a silence in force that matches a firing one holds it (the state machine's `silence`). */
  private async route(m: Tx, apply: ApplyTransitions, tenantId: string, alerts: readonly NotifiableAlert[], level: number, now: Date) {
    const { routes, silences, usable } = await this.rows.routing(m, tenantId, now);
    const planned = planNotifications(alerts, routes, silences, usable, level, now);
    await apply(m, tenantId, 'silence', silencedTransitions(alerts, planned.silencedBy, now));
    return planned;
  }
}

const groupKeyOf = (run: GroupRunRequest) => JSON.stringify([run.tenantId, run.groupKey]);

/** The transitions that put the alerts a silence in force matches (`silencedBy`) into `silenced`. */
function silencedTransitions(alerts: readonly NotifiableAlert[], silencedBy: ReadonlyMap<string, string>, now: Date): PlannedTransition[] {
  const held = alerts.filter((a) => silencedBy.has(a.id));
  return systemTransitions(held, (a) => planTransition({ status: a.status, assignee: null }, { kind: 'silence', silenceId: silencedBy.get(a.id) ?? '' }, now), 'A silence in force matches the alert.');
}
