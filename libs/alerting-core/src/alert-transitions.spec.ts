import type { AlertStatus } from './alert-state';
import { planTransition, REOPENED_SET, type AlertCommand } from './alert-transitions';

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
    ['silence', { kind: 'silence', silenceId: 's1' }, ['silenced', 'conflict', 'conflict', 'conflict']],
    ['unsilence', { kind: 'unsilence', silenceId: 's1' }, ['conflict', 'conflict', 'firing', 'conflict']],
    ['auto-resolve', { kind: 'auto-resolve', comment: 'clear', details: {} }, ['resolved', 'resolved', 'resolved', 'conflict']],
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

  it('holds a firing alert by a silence and releases it when that silence ends, to another silence that still matches it if any', () => {
    expect(planTransition({ status: 'firing', assignee: null }, { kind: 'silence', silenceId: 's1' }, NOW)).toEqual({
      ok: true,
      action: 'silenced',
      to: 'silenced',
      set: { silenced_by: 's1' },
      details: { silence_id: 's1' },
    });
    const held = { status: 'silenced' as const, assignee: null, silencedBy: 's1' };
    expect(planTransition(held, { kind: 'unsilence', silenceId: 's1' }, NOW)).toMatchObject({ action: 'unsilenced', to: 'firing', set: { silenced_by: null } });
    // Still matched by another silence: it stays silenced, now held by that one, and the history does not move.
    expect(planTransition(held, { kind: 'unsilence', silenceId: 's1', heldBy: 's2' }, NOW)).toEqual({ ok: true, action: null, to: 'silenced', set: { silenced_by: 's2' }, details: {} });
    // Only the silence holding it releases it.
    expect(planTransition(held, { kind: 'unsilence', silenceId: 's9' }, NOW)).toEqual({ ok: false, conflict: 'the alert is not held by this silence' });
  });

  it('resolves an open alert automatically with the rule’s evidence of the clear, and reopens as a new opening', () => {
    expect(planTransition({ status: 'silenced', assignee: null }, { kind: 'auto-resolve', comment: 'clear', details: { clear_for_ms: 60_000 } }, NOW)).toEqual({
      ok: true,
      action: 'resolved',
      to: 'resolved',
      set: { resolved_at: NOW, clear_since: null, silenced_by: null },
      details: { how: 'auto', clear_for_ms: 60_000 },
    });
    expect(planTransition({ status: 'resolved', assignee: null }, { kind: 'reopen' }, NOW)).toMatchObject({ set: { ...REOPENED_SET, opened_at: NOW } });
  });

  it('records a submitted regulatory report on an alert with a deadline, once, on time or late, never from the future', () => {
    const due = new Date(NOW.getTime() + 86_400_000);
    const clocked = { status: 'acknowledged' as const, assignee: null, dueAt: due, reportSubmittedAt: null };
    const record = (submittedAt: Date) => ({ kind: 'record-report' as const, reference: 'PMDA-2026-123', submittedAt });
    expect(planTransition(clocked, record(NOW), NOW)).toEqual({
      ok: true,
      action: 'report_submitted',
      to: 'acknowledged',
      set: { report_submitted_at: NOW },
      details: { reference: 'PMDA-2026-123', submitted_at: NOW.toISOString(), due_at: due.toISOString(), on_time: true },
    });
    const late = new Date(due.getTime() + 1);
    expect(planTransition(clocked, record(new Date(NOW.getTime() - 1)), NOW)).toMatchObject({ ok: true });
    expect(planTransition({ ...clocked, dueAt: new Date(NOW.getTime() - 2) }, record(new Date(NOW.getTime() - 1)), NOW)).toMatchObject({ details: { on_time: false } });
    expect(planTransition(clocked, record(late), NOW)).toEqual({ ok: false, conflict: 'a report cannot be submitted in the future' });
    expect(planTransition({ ...clocked, dueAt: null }, record(NOW), NOW)).toEqual({ ok: false, conflict: 'the alert carries no regulatory deadline; there is no report to record' });
    expect(planTransition({ ...clocked, reportSubmittedAt: NOW }, record(NOW), NOW)).toMatchObject({ ok: false });
  });
});
