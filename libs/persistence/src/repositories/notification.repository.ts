import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import type { AlertClockJob, SilenceTimerJob } from '@kanshi/contracts';
import { SecretBox, SecretOpenError } from '@kanshi/secrets';
import {
  matchesAlert,
  planTransition,
  type AlertFollowUpState,
  type AlertStatus,
  type PlannedNotification,
  type RoutableAlert,
  type RouteRule,
  type SilenceRule,
  type TransitionPlan,
} from '@kanshi/alerting-core';
import { AlertEntity } from '../entities/alert.entity';
import { DeliveryAttemptEntity } from '../entities/delivery-attempt.entity';
import { NotificationEntity } from '../entities/notification.entity';
import { SilenceEntity } from '../entities/silence.entity';
import { applyTransitions, SYSTEM, UUID, type PlannedTransition } from './alert.repository';
import { openChannelConfig, revealChannelValue } from './channel-secrets';

/** A stored notification waiting to be sent, with its channel's retry settings. */
export interface PendingDelivery {
  readonly tenantId: string;
  readonly notificationId: string;
  /** The channel's configuration (retry settings among it). */
  readonly channelConfig: Readonly<Record<string, unknown>>;
}


/**
 * Everything a sender needs for one notification. The channel's secret and URL are in it,
 * opened: never log them. `sealError` says why they did not open (they are then left out).
 */
export interface DeliveryTarget {
  readonly notification: NotificationEntity;
  readonly channel: {
    readonly id: string;
    readonly name: string;
    readonly kind: string;
    readonly config: Record<string, unknown>;
    readonly secret: string | null;
    readonly usable: boolean;
    readonly sealError: string | null;
  };
  readonly alerts: AlertEntity[];
  readonly silence: SilenceEntity | null;
}

/** What one delivery attempt came to. */
export interface AttemptOutcome {
  readonly ok: boolean;
  readonly httpStatus: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/** One delivery attempt to record, and whether it is the notification's last (`final`). */
export interface AttemptRecord {
  readonly notificationId: string;
  readonly tenantId: string;
  readonly attempt: number;
  readonly outcome: AttemptOutcome;
  readonly final: boolean;
}

/** Text PostgreSQL stores: no NUL, no lone surrogate, at most 2,000 characters. */
function storableText(text: string): string {
  return text
    .slice(0, 2000)
    .replaceAll('\u0000', '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** A notification with its channel and every attempt, as the API shows it. */
export interface NotificationRecord {
  readonly notification: NotificationEntity;
  readonly channelName: string;
  readonly channelKind: string;
  readonly attempts: DeliveryAttemptEntity[];
}

/** An alert as the notification flows read it (routing, group runs, silences). */
export interface NotifiableAlert extends RoutableAlert {
  readonly status: AlertStatus;
  readonly notifiedAt: Date | null;
  readonly notifiedSeverity: string | null;
}

/** An alert a timed job locked: what escalations and clocks decide from, too. */
export interface LockedAlert extends NotifiableAlert {
  readonly openedAt: Date;
  readonly escalationLevel: number;
  readonly dueAt: Date | null;
  readonly reportSubmittedAt: Date | null;
}

/** Where a tenant's notifications go at a moment: its routes, the silences in force, the channels that can send. */
export interface RoutingContext {
  readonly routes: readonly RouteRule[];
  readonly silences: readonly SilenceRule[];
  readonly usable: ReadonlySet<string>;
}

/** A notification group: its tenant and its key (see `notificationGroupKey`). */
export interface GroupRef {
  readonly tenantId: string;
  readonly groupKey: string;
}

/** Notifications planned by one flow, to store together with others (see `storeNotificationSets`). */
export interface NotificationSet {
  readonly tenantId: string;
  readonly kind: string;
  readonly level: number;
  readonly planned: readonly PlannedNotification[];
  /** Alerts notified before: their entries say `repeat`. */
  readonly repeatAlertIds: readonly string[];
}

/** The transaction a flow gives the repositories' row methods (see `Transactions`). */
export type Tx = EntityManager;

interface AlertRow {
  id: string;
  status: AlertStatus;
  severity: string;
  sector: string;
  model_id: string;
  rule_id: string;
  notified_at: Date | null;
  notified_severity: string | null;
}

const ALERT_COLUMNS = 'id, status, severity, sector, model_id, rule_id, notified_at, notified_severity';

const toNotifiable = (a: AlertRow): NotifiableAlert => ({
  id: a.id,
  status: a.status,
  severity: a.severity,
  sector: a.sector,
  modelId: a.model_id,
  ruleId: a.rule_id,
  notifiedAt: a.notified_at,
  notifiedSeverity: a.notified_severity,
});

const MATCHER_COLUMNS = `severities, sectors, model_ids AS "modelIds", rule_ids AS "ruleIds"`;
const MATCHER_JSON = `'severities', severities, 'sectors', sectors, 'modelIds', model_ids, 'ruleIds', rule_ids`;

/**
 * Inside the caller's transaction: the firing alerts of the tenant that the silence (in force at
 * `now`) matches become silenced through the state machine, each with its history entry. What
 * a silence matches is decided in TypeScript ({@link matchesAlert}), the one place it is written;
 * the matching rows are then locked and re-read, so a change that raced the first read wins.
 * Returns the ids; applying a silence twice changes nothing.
 */
export async function applySilenceIn(m: EntityManager, tenantId: string, silenceId: string, now: Date): Promise<string[]> {
  const [silence] = await m.query<(SilenceRule & { reason: string })[]>(
    `SELECT id, starts_at AS "startsAt", ends_at AS "endsAt", reason, ${MATCHER_COLUMNS} FROM silences WHERE tenant_id = $1 AND id = $2 AND starts_at <= $3 AND ends_at > $3`,
    [tenantId, silenceId, now],
  );
  if (!silence) return [];
  const firing = await m.query<AlertRow[]>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE tenant_id = $1 AND status = 'firing'`, [tenantId]);
  const matching = firing.map(toNotifiable).filter((a) => matchesAlert(silence, a)).map((a) => a.id);
  if (matching.length === 0) return [];
  const locked = await m.query<{ id: string; status: AlertStatus }[]>(`SELECT id, status FROM alerts WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`, [tenantId, matching]);
  const transitions = systemTransitions(locked, (a) => planTransition({ status: a.status, assignee: null }, { kind: 'silence', silenceId }, now), silence.reason);
  await applyTransitions(m, tenantId, transitions);
  return transitions.map((t) => t.alertId);
}

/** The transitions `decide` allows for the alerts (those it refuses change nothing), made by Kanshi with `comment`. */
export function systemTransitions(
  alerts: readonly { readonly id: string; readonly status: AlertStatus }[],
  decide: (alert: { readonly id: string; readonly status: AlertStatus }) => TransitionPlan,
  comment: string,
): PlannedTransition[] {
  return alerts.flatMap((alert) => {
    const plan = decide(alert);
    return plan.ok ? [{ alertId: alert.id, from: alert.status, plan, by: SYSTEM, comment }] : [];
  });
}

/**
 * Notifications in PostgreSQL: the group schedule, each notification stored before it is queued
 * (so a crash between the two loses nothing: the worker re-queues pending ones at boot), every
 * delivery attempt, and the rows the timed flows (group runs, escalations, clocks, silences
 * ending, in the alert worker) read and write inside the transaction they are given.
 */
@Injectable()
export class NotificationRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  async followUpState(tenantId: string, alertId: string): Promise<AlertFollowUpState | null> {
    return (await this.followUpStates(tenantId, [alertId]))[0] ?? null;
  }

  /** {@link followUpState} of many alerts of the tenant in one query (unknown ids are left out). */
  async followUpStates(tenantId: string, alertIds: readonly string[]): Promise<AlertFollowUpState[]> {
    const ids = alertIds.filter((id) => UUID.test(id));
    if (ids.length === 0) return [];
    // Raw SQL: this runs after every raise, and TypeORM's entity loading showed in profiles.
    const rows = await this.dataSource.query<
      { id: string; tenant_id: string; model_id: string; status: AlertStatus; severity: string; opened_at: Date; notified_at: Date | null; notified_severity: string | null; escalation_level: number; due_at: Date | null; report_submitted_at: Date | null }[]
    >(
      `SELECT id, tenant_id, model_id, status, severity, opened_at, notified_at, notified_severity, escalation_level, due_at, report_submitted_at
         FROM alerts WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, ids],
    );
    return rows.map((a) => ({
      id: a.id,
      tenantId: a.tenant_id,
      modelId: a.model_id,
      status: a.status,
      severity: a.severity,
      openedAt: a.opened_at,
      notifiedAt: a.notified_at,
      notifiedSeverity: a.notified_severity,
      escalationLevel: a.escalation_level,
      dueAt: a.due_at,
      reportSubmittedAt: a.report_submitted_at,
    }));
  }

  /**
   * Asks for a run of each group at its `runAt` at the latest, and returns when each will run: the
   * earlier of a run already planned and `runAt` (a planned time long past is stale: replaced).
   * `changed` is false when the run was already planned so (its job may be queued again: the id
   * makes it a no-op). One read, and one upsert of the groups it must plan.
   */
  async touchGroups(tenantId: string, touches: readonly { readonly groupKey: string; readonly runAt: Date }[]): Promise<{ groupKey: string; at: Date; changed: boolean }[]> {
    // One touch per group: the earliest run asked for.
    const wanted = new Map<string, Date>();
    for (const t of touches) {
      const before = wanted.get(t.groupKey);
      if (!before || t.runAt < before) wanted.set(t.groupKey, t.runAt);
    }
    if (wanted.size === 0) return [];
    // Most touches find a run already planned early enough: read without a lock, so the alerts
    // of one group (raised together, by many jobs at once) do not queue on its row. Only a run
    // still a second away counts: one about to start (or running) may have read the alerts
    // before this one was stored, so then the locking upsert below waits for it and plans again.
    const planned = await this.dataSource.query<{ group_key: string; next_run_at: Date | null }[]>(
      `SELECT group_key, next_run_at FROM notification_groups WHERE tenant_id = $1 AND group_key = ANY($2::text[])`,
      [tenantId, [...wanted.keys()]],
    );
    const result: { groupKey: string; at: Date; changed: boolean }[] = [];
    const plannedAt = new Map(planned.map((p) => [p.group_key, p.next_run_at]));
    const toPlan: { group_key: string; run_at: string }[] = [];
    for (const [groupKey, runAt] of wanted) {
      const next = plannedAt.get(groupKey);
      if (next && next <= runAt && next.getTime() > Date.now() + 1000) result.push({ groupKey, at: next, changed: false });
      else toPlan.push({ group_key: groupKey, run_at: runAt.toISOString() });
    }
    if (toPlan.length === 0) return result;
    toPlan.sort((a, b) => (a.group_key < b.group_key ? -1 : a.group_key > b.group_key ? 1 : 0));
    const rows = await this.dataSource.query<{ group_key: string; next_run_at: Date }[]>(
      `INSERT INTO notification_groups (tenant_id, group_key, next_run_at)
       SELECT $1, g.group_key, g.run_at FROM jsonb_to_recordset($2::jsonb) AS g(group_key text, run_at timestamptz) ORDER BY g.group_key
       ON CONFLICT (tenant_id, group_key) DO UPDATE SET next_run_at =
         CASE WHEN notification_groups.next_run_at IS NULL OR notification_groups.next_run_at < now() - interval '1 minute'
              THEN EXCLUDED.next_run_at ELSE LEAST(notification_groups.next_run_at, EXCLUDED.next_run_at) END
       RETURNING group_key, next_run_at`,
      [tenantId, JSON.stringify(toPlan)],
    );
    for (const row of rows) result.push({ groupKey: row.group_key, at: row.next_run_at, changed: true });
    return result;
  }

  /**
   * Puts the open, firing alerts a silence matches into `silenced` (with the silence in their
   * history). Returns their ids; none when the silence is not in force.
   */
  async applySilence(tenantId: string, silenceId: string, now: Date): Promise<string[]> {
    return this.dataSource.transaction((m) => applySilenceIn(m, tenantId, silenceId, now));
  }

  /** The notification, its channel (secret and URL opened), its alerts and its silence, or `null`. */
  async deliveryTarget(notificationId: string): Promise<DeliveryTarget | null> {
    return (await this.deliveryTargets([notificationId]))[0] ?? null;
  }

  /**
   * {@link deliveryTarget} of many notifications in four queries whatever their number (the
   * notifications, their channels, their alerts, their silences); one answer per id, in order,
   * `null` for an unknown one. Each channel's secret is opened once.
   */
  async deliveryTargets(notificationIds: readonly string[]): Promise<(DeliveryTarget | null)[]> {
    const ids = [...new Set(notificationIds.filter((id) => UUID.test(id)))];
    if (ids.length === 0) return notificationIds.map(() => null);
    const notifications = await this.dataSource.getRepository(NotificationEntity).findBy({ id: In(ids) });
    const channelIds = [...new Set(notifications.map((n) => n.channelId))];
    const alertIds = [...new Set(notifications.flatMap((n) => n.alertIds))];
    const silenceIds = [...new Set(notifications.flatMap((n) => (n.silenceId ? [n.silenceId] : [])))];
    const [channels, alerts, silences] = await Promise.all([
      this.dataSource.query<{ id: string; name: string; kind: string; config: Record<string, unknown>; secret: string | null; enabled: boolean; deleted_at: Date | null }[]>(
        `SELECT id, name, kind, config, secret, enabled, deleted_at FROM notification_channels WHERE id = ANY($1::uuid[])`,
        [channelIds],
      ),
      alertIds.length === 0 ? [] : this.dataSource.getRepository(AlertEntity).createQueryBuilder('a').where('a.id IN (:...ids)', { ids: alertIds }).orderBy('a.first_seen_at').addOrderBy('a.id').getMany(),
      silenceIds.length === 0 ? [] : this.dataSource.getRepository(SilenceEntity).findBy({ id: In(silenceIds) }),
    ]);
    const channelOf = new Map(channels.map((channel) => [channel.id, { channel, opened: this.openChannel(channel) }]));
    const alertIndex = new Map(alerts.map((a, i) => [a.id, i]));
    const alertOf = new Map(alerts.map((a) => [a.id, a]));
    const silenceOf = new Map(silences.map((s) => [s.id, s]));
    const targetOf = new Map<string, DeliveryTarget>();
    for (const notification of notifications) {
      const found = channelOf.get(notification.channelId);
      if (!found) continue;
      const { channel, opened } = found;
      // Oldest first, as one query ordered them.
      const own = [...new Set(notification.alertIds)].flatMap((id) => alertOf.get(id) ?? []).sort((a, b) => (alertIndex.get(a.id) ?? 0) - (alertIndex.get(b.id) ?? 0));
      targetOf.set(notification.id, {
        notification,
        channel: { id: channel.id, name: channel.name, kind: channel.kind, ...opened, usable: channel.enabled && channel.deleted_at === null },
        alerts: own,
        silence: notification.silenceId ? (silenceOf.get(notification.silenceId) ?? null) : null,
      });
    }
    return notificationIds.map((id) => targetOf.get(id) ?? null);
  }

  /** A channel's configuration and secret opened, or why they did not open (the URL is then left out). */
  private openChannel(channel: { id: string; config: Record<string, unknown>; secret: string | null }): { config: Record<string, unknown>; secret: string | null; sealError: string | null } {
    try {
      return {
        config: openChannelConfig(this.secrets, channel.id, channel.config),
        secret: channel.secret === null ? null : revealChannelValue(this.secrets, channel.id, 'secret', channel.secret),
        sealError: null,
      };
    } catch (error) {
      if (!(error instanceof SecretOpenError)) throw error;
      return { config: { ...channel.config, url: undefined }, secret: null, sealError: error.message };
    }
  }

  /**
   * Records delivery attempts in one statement (atomic on its own): each attempt, and what it
   * leaves its notification as: delivered, failed for good (`final`), or still pending. A
   * notification already delivered or failed is not changed.
   */
  async recordAttempts(attempts: readonly AttemptRecord[]): Promise<void> {
    if (attempts.length === 0) return;
    // The error text comes from outside (a socket, a receiver): made storable, so one odd
    // message cannot fail the attempts recorded with it.
    const rows = attempts.map((a) => ({
      notification_id: a.notificationId,
      tenant_id: a.tenantId,
      attempt: a.attempt,
      duration_ms: Math.round(a.outcome.durationMs),
      ok: a.outcome.ok,
      http_status: a.outcome.httpStatus,
      error: a.outcome.error === null ? null : storableText(a.outcome.error),
      status: a.outcome.ok ? 'delivered' : a.final ? 'failed' : 'pending',
    }));
    await this.dataSource.query(
      `WITH a AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS a(notification_id uuid, tenant_id text, attempt integer, duration_ms integer, ok boolean, http_status integer, error text, status text)),
       inserted AS (
         INSERT INTO delivery_attempts (notification_id, tenant_id, attempt, duration_ms, ok, http_status, error)
         SELECT notification_id, tenant_id, attempt, duration_ms, ok, http_status, error FROM a RETURNING notification_id)
       UPDATE notifications n SET attempts = GREATEST(n.attempts, a.attempt), status = a.status, last_error = a.error,
              delivered_at = CASE WHEN a.status = 'delivered' THEN now() END,
              failed_at = CASE WHEN a.status = 'failed' THEN now() END
         FROM a WHERE n.id = a.notification_id AND n.status = 'pending'`,
      [JSON.stringify(rows)],
    );
  }

  /** Pending notifications stored more than `olderThanMs` ago: queued again at boot in case a crash lost their job. */
  async pendingDeliveries(olderThanMs: number, limit: number): Promise<PendingDelivery[]> {
    const rows = await this.dataSource.query<{ tenant_id: string; id: string; config: Record<string, unknown> }[]>(
      `SELECT n.tenant_id, n.id, c.config FROM notifications n JOIN notification_channels c ON c.id = n.channel_id
        WHERE n.status = 'pending' AND n.created_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY n.created_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, notificationId: r.id, channelConfig: r.config }));
  }

  /** Firing alerts left unnotified for over a minute in the last week (a crash may have lost their group run). */
  async unnotifiedAlerts(limit: number): Promise<{ tenantId: string; alertId: string }[]> {
    const rows = await this.dataSource.query<{ tenant_id: string; id: string }[]>(
      `SELECT tenant_id, id FROM alerts
        WHERE status = 'firing' AND (notified_at IS NULL OR notified_severity IS DISTINCT FROM severity)
          AND updated_at < now() - interval '1 minute' AND updated_at > now() - interval '7 days'
        ORDER BY updated_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, alertId: r.id }));
  }

  /** The alert's notifications, oldest first, each with its channel and attempts; empty for another tenant's alert. */
  async forAlert(tenantId: string, alertId: string): Promise<NotificationRecord[]> {
    if (!UUID.test(alertId)) return [];
    const notifications = await this.dataSource
      .getRepository(NotificationEntity)
      .createQueryBuilder('n')
      .where('n.tenant_id = :tenantId', { tenantId })
      .andWhere('n.alert_ids @> ARRAY[:alertId]::uuid[]', { alertId })
      .orderBy('n.created_at', 'ASC')
      .addOrderBy('n.id', 'ASC')
      .getMany();
    if (notifications.length === 0) return [];
    const ids = notifications.map((n) => n.id);
    const attempts = await this.dataSource.getRepository(DeliveryAttemptEntity).createQueryBuilder('d').where('d.notification_id IN (:...ids)', { ids }).orderBy('d.id').getMany();
    const channels = await this.dataSource.query<{ id: string; name: string; kind: string }[]>(`SELECT id, name, kind FROM notification_channels WHERE id = ANY($1::uuid[])`, [
      [...new Set(notifications.map((n) => n.channelId))],
    ]);
    const channelOf = new Map(channels.map((c) => [c.id, c]));
    return notifications.map((notification) => ({
      notification,
      channelName: channelOf.get(notification.channelId)?.name ?? '(unknown)',
      channelKind: channelOf.get(notification.channelId)?.kind ?? '(unknown)',
      attempts: attempts.filter((a) => a.notificationId === notification.id),
    }));
  }

  // ---- Rows of the timed flows (group runs, escalations, clocks, silences), inside the caller's
  // transaction (`Transactions.run`); the flows and their decisions are the alert worker's.

  /** Creates the groups' rows that are new and locks them all, in key order: one run of a group at a time. */
  async lockGroups(m: Tx, groups: readonly GroupRef[]): Promise<void> {
    if (groups.length === 0) return;
    await m.query(
      `INSERT INTO notification_groups (tenant_id, group_key)
       SELECT DISTINCT g.tenant_id, g.group_key FROM jsonb_to_recordset($1::jsonb) AS g(tenant_id text, group_key text) ORDER BY g.tenant_id, g.group_key
       ON CONFLICT (tenant_id, group_key) DO UPDATE SET group_key = EXCLUDED.group_key`,
      [JSON.stringify(groups.map((g) => ({ tenant_id: g.tenantId, group_key: g.groupKey })))],
    );
  }

  /**
   * The firing alerts of each group (tenant, model, severity), oldest first, not locked (the
   * groups' own rows are): one list per group asked for, in order, in one query.
   */
  async firingMembers(m: Tx, groups: readonly { readonly tenantId: string; readonly modelId: string; readonly severity: string }[]): Promise<NotifiableAlert[][]> {
    if (groups.length === 0) return [];
    const rows = await m.query<(AlertRow & { tenant_id: string })[]>(
      `SELECT DISTINCT ON (a.first_seen_at, a.id) a.tenant_id, ${ALERT_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')}
         FROM jsonb_to_recordset($1::jsonb) AS g(tenant_id text, model_id text, severity text)
         JOIN alerts a ON a.tenant_id = g.tenant_id AND a.model_id = g.model_id AND a.severity = g.severity AND a.status = 'firing'
        ORDER BY a.first_seen_at, a.id`,
      [JSON.stringify(groups.map((g) => ({ tenant_id: g.tenantId, model_id: g.modelId, severity: g.severity })))],
    );
    const keyOf = (tenantId: string, modelId: string, severity: string) => JSON.stringify([tenantId, modelId, severity]);
    const byGroup = new Map<string, NotifiableAlert[]>();
    for (const row of rows) {
      const key = keyOf(row.tenant_id, row.model_id, row.severity);
      const list = byGroup.get(key) ?? [];
      list.push(toNotifiable(row));
      byGroup.set(key, list);
    }
    return groups.map((g) => byGroup.get(keyOf(g.tenantId, g.modelId, g.severity)) ?? []);
  }

  /** Those of the alerts still firing, locked in id order, by id: re-read under the lock. */
  async lockFiring(m: Tx, alertIds: readonly string[]): Promise<Map<string, NotifiableAlert>> {
    if (alertIds.length === 0) return new Map();
    const rows = await m.query<AlertRow[]>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ANY($1::uuid[]) AND status = 'firing' ORDER BY id FOR UPDATE`, [[...new Set(alertIds)]]);
    return new Map(rows.map((row) => [row.id, toNotifiable(row)]));
  }

  /** Records each group's run at `lastRunAt` and its next run (`null`: none planned), in one statement. */
  async setGroupRuns(m: Tx, runs: readonly (GroupRef & { readonly nextRunAt: Date | null })[], lastRunAt: Date): Promise<void> {
    if (runs.length === 0) return;
    await m.query(
      `UPDATE notification_groups g SET next_run_at = r.next_run_at, last_run_at = $2
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, group_key text, next_run_at timestamptz)
        WHERE g.tenant_id = r.tenant_id AND g.group_key = r.group_key`,
      [JSON.stringify(runs.map((r) => ({ tenant_id: r.tenantId, group_key: r.groupKey, next_run_at: r.nextRunAt }))), lastRunAt],
    );
  }

  /** The alerts were notified at `now`, at the severity they have. */
  async markNotified(m: Tx, alertIds: readonly string[], now: Date): Promise<void> {
    if (alertIds.length === 0) return;
    await m.query(`UPDATE alerts SET notified_at = $2, notified_severity = severity WHERE id = ANY($1::uuid[])`, [alertIds, now]);
  }

  /** The tenant's routes, the silences in force at `now` and its usable channels, in one round trip. */
  async routing(m: Tx, tenantId: string, now: Date): Promise<RoutingContext> {
    const [row] = await m.query<{ routes: RouteRule[]; silences: (Omit<SilenceRule, 'startsAt' | 'endsAt'> & { startsAt: string; endsAt: string })[]; usable: string[] }[]>(
      `SELECT
         (SELECT coalesce(json_agg(json_build_object('id', id, 'level', level, 'channelIds', channel_ids, ${MATCHER_JSON})), '[]')
            FROM notification_routes WHERE tenant_id = $1) AS routes,
         (SELECT coalesce(json_agg(json_build_object('id', id, 'startsAt', starts_at, 'endsAt', ends_at, ${MATCHER_JSON})), '[]')
            FROM silences WHERE tenant_id = $1 AND starts_at <= $2 AND ends_at > $2) AS silences,
         (SELECT coalesce(json_agg(id), '[]') FROM notification_channels WHERE tenant_id = $1 AND enabled AND deleted_at IS NULL) AS usable`,
      [tenantId, now],
    );
    const silences = (row?.silences ?? []).map((s): SilenceRule => ({ ...s, startsAt: new Date(s.startsAt), endsAt: new Date(s.endsAt) }));
    return { routes: row?.routes ?? [], silences, usable: new Set(row?.usable ?? []) };
  }

  /** Stores planned notifications; returns those to send (not `suppressed`) with their channel's settings. */
  async storeNotifications(m: Tx, tenantId: string, kind: string, level: number, planned: readonly PlannedNotification[], repeatAlertIds: readonly string[] = []): Promise<PendingDelivery[]> {
    return (await this.storeNotificationSets(m, [{ tenantId, kind, level, planned, repeatAlertIds }]))[0] ?? [];
  }

  /**
   * {@link storeNotifications} for many sets (of any tenants) in one statement: the pending
   * notifications of each set, in order.
   */
  async storeNotificationSets(m: Tx, sets: readonly NotificationSet[]): Promise<PendingDelivery[][]> {
    const rows = sets.flatMap((set, index) => {
      const repeats = new Set(set.repeatAlertIds);
      return set.planned.map((p) => ({
        index,
        id: randomUUID(),
        tenant_id: set.tenantId,
        channel_id: p.channelId,
        kind: set.kind,
        level: set.level,
        alert_ids: p.alertIds,
        repeat_alert_ids: p.alertIds.filter((id) => repeats.has(id)),
        silence_id: p.silenceId,
        status: p.status,
      }));
    });
    if (rows.length === 0) return sets.map(() => []);
    const stored = await m.query<{ id: string; config: Record<string, unknown> }[]>(
      `INSERT INTO notifications (id, tenant_id, channel_id, kind, level, alert_ids, repeat_alert_ids, silence_id, status)
       SELECT n.id, n.tenant_id, n.channel_id, n.kind, n.level, ARRAY(SELECT jsonb_array_elements_text(n.alert_ids))::uuid[],
              ARRAY(SELECT jsonb_array_elements_text(n.repeat_alert_ids))::uuid[], n.silence_id, n.status
         FROM jsonb_to_recordset($1::jsonb)
           AS n(id uuid, tenant_id text, channel_id uuid, kind text, level integer, alert_ids jsonb, repeat_alert_ids jsonb, silence_id uuid, status text)
       RETURNING id, (SELECT config FROM notification_channels c WHERE c.id = channel_id) AS config`,
      [JSON.stringify(rows.map(({ index: _index, ...row }) => row))],
    );
    const configOf = new Map(stored.map((row) => [row.id, row.config]));
    const pending: PendingDelivery[][] = sets.map(() => []);
    for (const row of rows) {
      if (row.status === 'pending') pending[row.index]?.push({ tenantId: row.tenant_id, notificationId: row.id, channelConfig: configOf.get(row.id) ?? {} });
    }
    return pending;
  }

  /** One alert of the tenant, locked; `undefined` when there is none. */
  async lockAlert(m: Tx, tenantId: string, alertId: string): Promise<LockedAlert | undefined> {
    if (!UUID.test(alertId)) return undefined;
    const [row] = await m.query<(AlertRow & { opened_at: Date; escalation_level: number; due_at: Date | null; report_submitted_at: Date | null })[]>(
      `SELECT ${ALERT_COLUMNS}, opened_at, escalation_level, due_at, report_submitted_at FROM alerts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, alertId],
    );
    return row && { ...toNotifiable(row), openedAt: row.opened_at, escalationLevel: row.escalation_level, dueAt: row.due_at, reportSubmittedAt: row.report_submitted_at };
  }

  async setEscalationLevel(m: Tx, alertId: string, level: number): Promise<void> {
    await m.query(`UPDATE alerts SET escalation_level = $2, updated_at = now() WHERE id = $1`, [alertId, level]);
  }

  /** True when the alert's history already holds this point of this deadline. */
  async clockPointHandled(m: Tx, alertId: string, action: 'reminded' | 'severity_raised' | 'deadline_missed', job: AlertClockJob): Promise<boolean> {
    const [done] = await m.query<unknown[]>(
      `SELECT 1 FROM alert_history WHERE alert_id = $1 AND action = $2 AND details->>'due_at' = $3 AND coalesce(details->>'before', '') = $4`,
      [alertId, action, job.due_at, job.before ?? ''],
    );
    return done !== undefined;
  }

  /** The last days of a clock, or a missed deadline: the alert is critical now, and counts as notified at that severity (the clock's message says so). */
  async markRaisedToCritical(m: Tx, alertId: string, now: Date): Promise<void> {
    await m.query(`UPDATE alerts SET severity = 'critical', notified_at = $2, notified_severity = 'critical', updated_at = now() WHERE id = $1`, [alertId, now]);
  }

  /** The silence of a timer job, locked, when its end is still the one the job was planned for. */
  async lockSilence(m: Tx, job: SilenceTimerJob): Promise<{ readonly endsAt: Date; readonly remindedAt: Date | null } | undefined> {
    if (!UUID.test(job.silence_id)) return undefined;
    const [silence] = await m.query<{ ends_at: Date; reminded_at: Date | null }[]>(`SELECT ends_at, reminded_at FROM silences WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      job.tenant_id,
      job.silence_id,
    ]);
    return silence && silence.ends_at.toISOString() === job.ends_at ? { endsAt: silence.ends_at, remindedAt: silence.reminded_at } : undefined;
  }

  /** The alerts the silence holds (locked when `lock`). */
  async heldBySilence(m: Tx, tenantId: string, silenceId: string, lock: boolean): Promise<NotifiableAlert[]> {
    const rows = await m.query<AlertRow[]>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE tenant_id = $1 AND status = 'silenced' AND silenced_by = $2${lock ? ' FOR UPDATE' : ''}`, [tenantId, silenceId]);
    return rows.map(toNotifiable);
  }

  async markReminded(m: Tx, silenceId: string, now: Date): Promise<void> {
    await m.query(`UPDATE silences SET reminded_at = $2 WHERE id = $1`, [silenceId, now]);
  }
}
