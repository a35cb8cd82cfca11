import { JOBS, type EscalateAlertJob } from '@kanshi/contracts';
import { DEFAULT_ALERTING_SETTINGS } from './alerting-settings';
import { planFollowUps, type AlertFollowUpState } from './follow-up-plan';

describe('planFollowUps (pure: stored state, settings, now)', () => {
  const NOW = new Date('2026-12-07T10:00:00Z');
  const MIN = 60_000;
  const alert = (over: Partial<AlertFollowUpState> = {}): AlertFollowUpState => ({
    id: '00000000-0000-4000-8000-000000000001',
    tenantId: 't',
    modelId: 'm',
    status: 'firing',
    severity: 'critical',
    openedAt: NOW,
    notifiedAt: null,
    notifiedSeverity: null,
    escalationLevel: 0,
    dueAt: null,
    ...over,
  });

  it('plans a new firing alert’s group run after the group wait and its first escalation one SLA after it opened', () => {
    const plan = planFollowUps([alert()], DEFAULT_ALERTING_SETTINGS, NOW);
    expect(plan.groupRuns).toEqual([{ data: { tenant_id: 't', model_id: 'm', severity: 'critical' }, groupKey: JSON.stringify(['m', 'critical']), runAt: new Date(NOW.getTime() + 10_000) }]);
    expect(plan.timed.map((t) => [t.name, (t.data as EscalateAlertJob).level, t.delayMs])).toEqual([[JOBS.escalateAlert, 1, 15 * MIN]]);
  });

  it('plans a notified alert’s next run at its repeat, and a more severe one after the group wait again', () => {
    const notified = new Date(NOW.getTime() - 20 * MIN);
    expect(planFollowUps([alert({ notifiedAt: notified, notifiedSeverity: 'critical' })], DEFAULT_ALERTING_SETTINGS, NOW).groupRuns[0]?.runAt).toEqual(new Date(notified.getTime() + 60 * MIN));
    expect(planFollowUps([alert({ notifiedAt: notified, notifiedSeverity: 'high' })], DEFAULT_ALERTING_SETTINGS, NOW).groupRuns[0]?.runAt).toEqual(new Date(NOW.getTime() + 10_000));
  });

  it('plans nothing to notify or escalate for an acknowledged, silenced or resolved alert, nor past the last escalation level', () => {
    for (const status of ['acknowledged', 'silenced', 'resolved'] as const) {
      const plan = planFollowUps([alert({ status })], DEFAULT_ALERTING_SETTINGS, NOW);
      expect([status, plan.groupRuns, plan.timed]).toEqual([status, [], []]);
    }
    expect(planFollowUps([alert({ escalationLevel: 2 })], DEFAULT_ALERTING_SETTINGS, NOW).timed).toEqual([]);
    // Low alerts have no acknowledgement SLA by default.
    expect(planFollowUps([alert({ severity: 'low' })], DEFAULT_ALERTING_SETTINGS, NOW).timed).toEqual([]);
  });

  it('plans a clock’s deadline and the reminders still ahead, for an open alert, acknowledged too', () => {
    const due = new Date(NOW.getTime() + 2 * 24 * 60 * MIN);
    const plan = planFollowUps([alert({ status: 'acknowledged', dueAt: due })], DEFAULT_ALERTING_SETTINGS, NOW);
    const clocks = plan.timed.filter((t) => t.name === JOBS.alertClock).map((t) => [t.data.point, t.data.before ?? null, t.delayMs]);
    // The 3-day reminder is already behind; the 1-day one is a day ahead; the last days (3d) have
    // begun, so that point is due at once.
    expect(clocks).toEqual([
      ['deadline', null, 2 * 24 * 60 * MIN],
      ['last-days', '3d', 0],
      ['reminder', '1d', 24 * 60 * MIN],
    ]);
    expect(planFollowUps([alert({ status: 'resolved', dueAt: due })], DEFAULT_ALERTING_SETTINGS, NOW).timed).toEqual([]);
    // Its report recorded as submitted: the clock stops, nothing more to remind of.
    expect(planFollowUps([alert({ status: 'acknowledged', dueAt: due, reportSubmittedAt: NOW })], DEFAULT_ALERTING_SETTINGS, NOW).timed).toEqual([]);
  });

  it('plans the same job ids for the same state, whenever asked', () => {
    const state = [alert({ dueAt: new Date(NOW.getTime() + 5 * 24 * 60 * MIN) })];
    const later = new Date(NOW.getTime() + 5000);
    expect(planFollowUps(state, DEFAULT_ALERTING_SETTINGS, later).timed.map((t) => t.id)).toEqual(planFollowUps(state, DEFAULT_ALERTING_SETTINGS, NOW).timed.map((t) => t.id));
  });
});
