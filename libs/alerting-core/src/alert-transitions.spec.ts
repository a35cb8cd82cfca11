import type { AlertStatus } from './alert-state';
import { planTransition, type AlertCommand } from './alert-transitions';

const NOW = new Date('2026-11-24T09:00:00Z');
const STATUSES: AlertStatus[] = ['firing', 'acknowledged', 'silenced', 'resolved'];

function outcome(status: AlertStatus, command: AlertCommand): string {
  const plan = planTransition({ status, assignee: null }, command, NOW);
  return plan.ok ? plan.to : 'conflict';
}

describe('planTransition', () => {
  it.each<[AlertCommand['kind'], AlertCommand, string[]]>([
    ['acknowledge', { kind: 'acknowledge' }, ['acknowledged', 'conflict', 'acknowledged', 'conflict']],
    ['assign', { kind: 'assign', assignee: 'team-a' }, ['firing', 'acknowledged', 'silenced', 'conflict']],
    ['comment', { kind: 'comment', comment: 'note' }, ['firing', 'acknowledged', 'silenced', 'resolved']],
    ['resolve', { kind: 'resolve' }, ['resolved', 'resolved', 'resolved', 'conflict']],
    ['reopen', { kind: 'reopen' }, ['conflict', 'conflict', 'conflict', 'firing']],
  ])('%s from firing, acknowledged, silenced, resolved', (_, command, expected) => {
    expect(STATUSES.map((status) => outcome(status, command))).toEqual(expected);
  });

  it('stamps the time of an acknowledgement and a resolution, and clears them on reopen', () => {
    expect(planTransition({ status: 'firing', assignee: null }, { kind: 'acknowledge' }, NOW)).toMatchObject({ set: { acknowledged_at: NOW } });
    expect(planTransition({ status: 'firing', assignee: null }, { kind: 'resolve' }, NOW)).toMatchObject({ set: { resolved_at: NOW, clear_since: null } });
    expect(planTransition({ status: 'resolved', assignee: 'a' }, { kind: 'reopen' }, NOW)).toMatchObject({
      set: { resolved_at: null, acknowledged_at: null, escalation_level: 0 },
    });
  });

  it('records who an alert moved from and to on assignment, and refuses a no-op', () => {
    expect(planTransition({ status: 'firing', assignee: 'a' }, { kind: 'assign', assignee: null }, NOW)).toMatchObject({ details: { from: 'a', to: null }, set: { assignee: null } });
    expect(planTransition({ status: 'firing', assignee: 'a' }, { kind: 'assign', assignee: 'a' }, NOW)).toEqual({ ok: false, conflict: 'the alert is already assigned to a' });
  });

  it('says what to do instead in a conflict', () => {
    expect(planTransition({ status: 'resolved', assignee: null }, { kind: 'acknowledge' }, NOW)).toEqual({ ok: false, conflict: 'the alert is resolved; reopen it first' });
    expect(planTransition({ status: 'acknowledged', assignee: null }, { kind: 'reopen' }, NOW)).toEqual({
      ok: false,
      conflict: 'the alert is acknowledged, not resolved; only a resolved alert can be reopened',
    });
  });
});
