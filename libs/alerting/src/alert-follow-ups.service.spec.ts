import { DEFAULT_ALERTING_SETTINGS, type AlertFollowUpState } from '@kanshi/alerting-core';
import { JOBS, notificationGroupKey } from '@kanshi/contracts';
import type { AlertingSettingsRepository, NotificationRepository } from '@kanshi/persistence';
import { loadConfig } from '@kanshi/config';
import { MemoryJobQueue } from '@kanshi/queue';
import { Registry } from 'prom-client';
import { AlertFollowUps } from './alert-follow-ups.service';
import { AlertMetrics } from './alert-metrics';

const NOW = new Date('2026-12-07T09:00:00Z');
const MIN = 60_000;

/**
 * The follow-ups' wiring without Redis or PostgreSQL: the stored state from a fake repository,
 * the jobs into the in-memory queue (which, like BullMQ, keeps one job per id).
 */
function setup(alerts: AlertFollowUpState[], silenced: readonly string[] = []) {
  const queue = new MemoryJobQueue(() => NOW.getTime());
  const registry = new Registry();
  // The groups' planned runs, as notification_groups holds them: the earliest asked for wins.
  const groups = new Map<string, Date>();
  const store = {
    followUpStates: (_tenant: string, ids: readonly string[]) => Promise.resolve(alerts.filter((a) => ids.includes(a.id))),
    touchGroups: (_tenant: string, touches: readonly { groupKey: string; runAt: Date }[]) =>
      Promise.resolve(
        touches.map((t) => {
          const before = groups.get(t.groupKey);
          const at = before && before <= t.runAt ? before : t.runAt;
          groups.set(t.groupKey, at);
          return { groupKey: t.groupKey, at, changed: at !== before };
        }),
      ),
    applySilence: () => Promise.resolve(silenced),
  } as unknown as NotificationRepository;
  const settings = { get: () => Promise.resolve({}) } as unknown as AlertingSettingsRepository;
  return { queue, registry, followUps: new AlertFollowUps(queue, store, settings, loadConfig({ KANSHI_ALERT_JOBS_FAIR_SHARE_PER_MINUTE: '2' }), new AlertMetrics(registry)) };
}

const alert = (id: string, over: Partial<AlertFollowUpState> = {}): AlertFollowUpState => ({
  id,
  tenantId: 't',
  modelId: 'credit',
  status: 'firing',
  severity: 'critical',
  openedAt: NOW,
  notifiedAt: null,
  notifiedSeverity: null,
  escalationLevel: 0,
  dueAt: null,
  ...over,
});

describe('AlertFollowUps', () => {
  it('queues one group run for the alerts of a group and each alert’s escalation, once however often it is asked', async () => {
    const { queue, followUps } = setup([alert('a1'), alert('a2'), alert('b1', { modelId: 'fraud' })]);
    await followUps.afterAlertsChange('t', ['a1', 'a2', 'b1'], NOW);
    await followUps.afterAlertsChange('t', ['a1', 'a2', 'b1'], NOW);

    // One run per group (model and severity), after the critical group wait (10 s by default).
    expect(DEFAULT_ALERTING_SETTINGS.severities.critical.group_wait).toBe('10s');
    const runs = queue.jobsNamed(JOBS.notifyGroup);
    expect(runs.map((r) => [notificationGroupKey(r.data), r.dueAt - NOW.getTime()]).sort()).toEqual([
      [notificationGroupKey({ model_id: 'credit', severity: 'critical' }), 10_000],
      [notificationGroupKey({ model_id: 'fraud', severity: 'critical' }), 10_000],
    ]);
    const escalations = queue.jobsNamed(JOBS.escalateAlert);
    expect(escalations.map((e) => e.data.alert_id).sort()).toEqual(['a1', 'a2', 'b1']);
    // The critical SLA after the opening.
    expect(new Set(escalations.map((e) => e.dueAt - NOW.getTime()))).toEqual(new Set([15 * MIN]));
  });

  it('queues the end of a silence and its reminder, and no reminder whose time passed before the silence began', async () => {
    const { queue, followUps } = setup([]);
    await followUps.afterSilenceChange('t', { id: 's-long', startsAt: NOW, endsAt: new Date(NOW.getTime() + 120 * MIN) }, NOW);
    await followUps.afterSilenceChange('t', { id: 's-short', startsAt: NOW, endsAt: new Date(NOW.getTime() + 10 * MIN) }, NOW);
    const timers = queue.jobs().map((j) => [j.name, 'silence_id' in j.data ? j.data.silence_id : '', j.dueAt - NOW.getTime()]);
    expect(DEFAULT_ALERTING_SETTINGS.silence_reminder).toBe('1h');
    expect(timers).toEqual([
      [JOBS.remindSilence, 's-long', 60 * MIN],
      [JOBS.expireSilence, 's-long', 120 * MIN],
      [JOBS.expireSilence, 's-short', 10 * MIN],
    ]);
  });

  it('counts the alerts a silence in force silenced, once applied', async () => {
    const { registry, followUps } = setup([], ['a1', 'a2']);
    expect(await registry.metrics()).toContain('kanshi_alert_transitions_total{transition="silence"} 0');

    await followUps.afterSilenceChange('t', { id: 's', startsAt: NOW, endsAt: new Date(NOW.getTime() + 120 * MIN) }, NOW);

    expect(await registry.metrics()).toContain('kanshi_alert_transitions_total{transition="silence"} 2');
  });

  it('queues each stored notification for delivery with its channel’s own retry settings, or the defaults', async () => {
    const { queue, followUps } = setup([]);
    await followUps.deliver([
      { tenantId: 't', notificationId: 'n1', channelConfig: { max_attempts: 3, backoff_ms: 5000 } },
      { tenantId: 't', notificationId: 'n2', channelConfig: {} },
    ]);
    expect(queue.jobsNamed(JOBS.deliverNotification).map((j) => [j.data.notification_id, j.retry])).toEqual([
      ['n1', { attempts: 3, backoffMs: 5000 }],
      ['n2', { attempts: 8, backoffMs: 10_000 }],
    ]);
  });

  it('gives a tenant past its fair share of group runs and deliveries a priority behind the others, and critical groups a share of their own', async () => {
    const { queue, followUps } = setup([]);
    const run = (tenant: string, model: string, severity: 'high' | 'critical') => ({
      data: { tenant_id: tenant, model_id: model, severity },
      pending: [{ tenantId: tenant, notificationId: `n-${tenant}-${model}`, channelConfig: {} }],
      nextRunAt: new Date(NOW.getTime() + 60 * MIN),
    });
    // A share of 2 jobs a minute (see setup): the storm's first group run and its delivery go as usual.
    await followUps.afterGroupRuns([run('storm', 'm1', 'high'), run('storm', 'm2', 'high'), run('storm', 'm3', 'high')], NOW);
    await followUps.afterGroupRuns([run('storm', 'm4', 'critical'), run('victim', 'v1', 'critical')], NOW);

    const priorityOf = (tenant: string) => queue.jobs().filter((j) => (j.data as { tenant_id: string }).tenant_id === tenant).map((j) => j.priority ?? 0);
    // Storm, high: 3 deliveries then 3 next runs, counted in that order: 2 as usual, then priorities growing with each share used.
    expect(priorityOf('storm').slice(0, 6)).toEqual([0, 0, 1, 1, 2, 2]);
    // Its critical group counts apart; the victim's jobs count in the victim's own share.
    expect(priorityOf('storm').slice(6)).toEqual([0, 0]);
    expect(priorityOf('victim')).toEqual([0, 0]);
  });
});

