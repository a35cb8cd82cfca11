import type { AlertClockJob, EscalateAlertJob } from '@kanshi/contracts';
import { clearVerdict, clockVerdict, dueMembers, escalationVerdict, nextGroupRun, type GroupMember, type TimedAlertState } from './timed-plan';

const NOW = new Date('2026-12-07T09:00:00Z');
const MIN = 60_000;
const opened = new Date(NOW.getTime() - 20 * MIN);
const alert = (over: Partial<TimedAlertState> = {}): TimedAlertState => ({ status: 'firing', severity: 'high', openedAt: opened, escalationLevel: 0, dueAt: null, ...over });

describe('escalationVerdict', () => {
  const job: EscalateAlertJob = { tenant_id: 't', alert_id: 'a', level: 1, opened_at: opened.toISOString() };

  it('escalates a firing alert of the same opening at the level below', () => {
    expect(escalationVerdict(alert(), job)).toEqual({ go: true });
  });

  it('says why an escalation no longer applies', () => {
    expect(escalationVerdict(alert({ status: 'acknowledged' }), job)).toEqual({ go: false, why: 'the alert is acknowledged' });
    expect(escalationVerdict(alert({ openedAt: NOW }), job)).toEqual({ go: false, why: 'the alert reopened since' });
    expect(escalationVerdict(alert({ escalationLevel: 1 }), job)).toEqual({ go: false, why: 'the alert is at escalation level 1' });
  });
});

describe('clockVerdict', () => {
  const due = new Date(NOW.getTime() + 60 * MIN);
  const deadline: AlertClockJob = { tenant_id: 't', alert_id: 'a', due_at: due.toISOString(), point: 'deadline' };

  it('raises a non-critical alert to critical when its deadline passes, once', () => {
    expect(clockVerdict(alert({ dueAt: due }), deadline, false)).toEqual({ go: true, raiseToCritical: true });
    expect(clockVerdict(alert({ dueAt: due, severity: 'critical' }), deadline, false)).toEqual({ go: true, raiseToCritical: false });
    expect(clockVerdict(alert({ dueAt: due }), deadline, true)).toEqual({ go: false, why: 'already handled' });
  });

  it('raises an open alert to critical in the last days of its clock, once, and leaves a critical one alone', () => {
    const lastDays: AlertClockJob = { ...deadline, point: 'last-days', before: '3d' };
    expect(clockVerdict(alert({ dueAt: due }), lastDays, false)).toEqual({ go: true, raiseToCritical: true });
    expect(clockVerdict(alert({ dueAt: due }), lastDays, true)).toEqual({ go: false, why: 'already handled' });
    expect(clockVerdict(alert({ dueAt: due, severity: 'critical' }), lastDays, false)).toEqual({ go: false, why: 'the alert is critical already' });
    expect(clockVerdict(alert({ dueAt: due, reportSubmittedAt: NOW }), lastDays, false)).toEqual({ go: false, why: 'the report was submitted' });
  });

  it('stops the clock once the report is recorded as submitted', () => {
    expect(clockVerdict(alert({ dueAt: due, reportSubmittedAt: NOW }), deadline, false)).toEqual({ go: false, why: 'the report was submitted' });
  });

  it('drops a point of a moved deadline or a resolved alert, and never raises on a reminder', () => {
    expect(clockVerdict(alert({ dueAt: new Date(due.getTime() + 1) }), deadline, false)).toEqual({ go: false, why: 'the deadline moved' });
    expect(clockVerdict(alert({ dueAt: due, status: 'resolved' }), deadline, false)).toEqual({ go: false, why: 'the alert is resolved' });
    expect(clockVerdict(alert({ dueAt: due }), { ...deadline, point: 'reminder', before: '1d' }, false)).toEqual({ go: true, raiseToCritical: false });
  });
});

describe('group runs', () => {
  const REPEAT = 60 * MIN;
  const member = (id: string, over: Partial<GroupMember> = {}): GroupMember => ({ id, severity: 'high', notifiedAt: null, notifiedSeverity: null, ...over });

  it('notifies members never notified in this opening, notified at another severity, or a repeat interval ago; oldest first, up to the batch', () => {
    const members = [
      member('new'),
      member('recent', { notifiedAt: new Date(NOW.getTime() - 10 * MIN), notifiedSeverity: 'high' }),
      member('raised', { notifiedAt: new Date(NOW.getTime() - 10 * MIN), notifiedSeverity: 'medium' }),
      member('repeat', { notifiedAt: new Date(NOW.getTime() - REPEAT), notifiedSeverity: 'high' }),
    ];
    expect(dueMembers(members, REPEAT, NOW, 10).map((m) => m.id)).toEqual(['new', 'raised', 'repeat']);
    expect(dueMembers(members, REPEAT, NOW, 2).map((m) => m.id)).toEqual(['new', 'raised']);
  });

  it('runs next when the earliest member is due, now if one is due already, never when none fires', () => {
    const notified = (minutesAgo: number) => member(`m${minutesAgo}`, { notifiedAt: new Date(NOW.getTime() - minutesAgo * MIN), notifiedSeverity: 'high' });
    expect(nextGroupRun([notified(10), notified(30)], REPEAT, NOW)).toEqual(new Date(NOW.getTime() + 30 * MIN));
    expect(nextGroupRun([notified(10), member('new')], REPEAT, NOW)).toEqual(NOW);
    expect(nextGroupRun([], REPEAT, NOW)).toBeNull();
  });
});

describe('clearVerdict', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 0, minute));
  const open = { status: 'firing' as const, clearSince: null, lastSeenAt: at(0) };

  it('counts from the first clear and resolves once the condition stayed clear for the recovery period', () => {
    expect(clearVerdict(open, at(10), 60 * 60_000)).toEqual({ outcome: 'clearing', clearSince: at(10) });
    expect(clearVerdict({ ...open, clearSince: at(10) }, at(69), 60 * 60_000)).toEqual({ outcome: 'clearing', clearSince: at(10) });
    expect(clearVerdict({ ...open, clearSince: at(10) }, at(70), 60 * 60_000)).toEqual({ outcome: 'resolve', clearSince: at(10) });
  });

  it('resolves at the first clear when the clear is final (no recovery period)', () => {
    expect(clearVerdict({ ...open, status: 'acknowledged' }, at(1), 0)).toEqual({ outcome: 'resolve', clearSince: at(1) });
  });

  it('moves the start back for an older clear, and ignores a clear no newer than the newest finding or of no open alert', () => {
    expect(clearVerdict({ ...open, clearSince: at(30) }, at(20), 60 * 60_000)).toEqual({ outcome: 'clearing', clearSince: at(20) });
    expect(clearVerdict({ ...open, lastSeenAt: at(5) }, at(5), 0)).toEqual({ outcome: 'stale' });
    expect(clearVerdict({ ...open, status: 'resolved' }, at(9), 0)).toEqual({ outcome: 'no-open-alert' });
    expect(clearVerdict(undefined, at(9), 0)).toEqual({ outcome: 'no-open-alert' });
  });
});
