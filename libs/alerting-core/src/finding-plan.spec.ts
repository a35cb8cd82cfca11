import { alertFingerprint, findingId, type FindingRecord, type RaiseAlertJob, type Severity } from '@kanshi/contracts';
import { ALERT_EVIDENCE_SAMPLE, mergeRaises, planFindings, type FreshFinding } from './finding-plan';

const raise = (model: string, findings: FindingRecord[], over: Partial<RaiseAlertJob> = {}): RaiseAlertJob => ({
  fingerprint: alertFingerprint('t', model, 'G1', 'model'),
  tenant_id: 't',
  model_id: model,
  rule_id: 'G1',
  module_id: 'general',
  sector: 'general',
  scope: 'model',
  title: 'x',
  source: 's',
  args: {},
  due_at: null,
  findings,
  ...over,
});
const finding = (model: string, event: string, severity: Severity = 'high'): FindingRecord => ({
  finding_id: findingId(alertFingerprint('t', model, 'G1', 'model'), event),
  event_id: event,
  occurred_at: '2026-12-07T00:00:00.000Z',
  severity,
  observed: null,
});
const fresh = (event: string, minute: number, severity: Severity = 'high'): FreshFinding => ({ eventId: event, occurredAt: new Date(Date.UTC(2026, 11, 7, 0, minute)), severity, observed: { event } });

describe('mergeRaises', () => {
  it('joins raises of one fingerprint (each finding once, the earliest deadline, the later arguments) and orders by fingerprint', () => {
    const merged = mergeRaises([
      raise('b', [finding('b', 'e1')], { due_at: '2026-12-20T00:00:00.000Z', args: { v: 1 } }),
      raise('a', [finding('a', 'e1')]),
      raise('b', [finding('b', 'e1'), finding('b', 'e2')], { due_at: '2026-12-10T00:00:00.000Z', args: { v: 2 } }),
      raise('b', [finding('b', 'e3')], { due_at: null }),
    ]);
    expect(merged.map((r) => r.fingerprint)).toEqual([...new Set(merged.map((r) => r.fingerprint))].sort());
    const b = merged.find((r) => r.model_id === 'b');
    expect(b?.findings.map((f) => f.event_id)).toEqual(['e1', 'e2', 'e3']);
    expect(b?.due_at).toBe('2026-12-10T00:00:00.000Z');
    expect(b?.args).toEqual({});
    expect(merged).toHaveLength(2);
  });
});

describe('planFindings (pure)', () => {
  const open = { id: 'a1', severity: 'high' as Severity, status: 'firing' as const, created: false };

  it('changes nothing for a replay: no new finding, no history, no update', () => {
    expect(planFindings(open, [], { rule_id: 'G1', scope: 'model' })).toEqual({ reopened: false, history: [], update: undefined });
  });

  it('records a new alert’s creation with the severity of its findings', () => {
    const plan = planFindings({ ...open, created: true }, [fresh('e1', 1, 'medium'), fresh('e2', 2, 'critical')], { rule_id: 'G1', scope: 'model' });
    expect(plan.history).toEqual([{ action: 'created', to: 'firing', details: { severity: 'critical', rule_id: 'G1', scope: 'model' } }]);
    expect(plan.update).toMatchObject({ added: 2, severity: 'critical', reopen: false });
  });

  it('writes no history when an open alert fires again at its severity, and a severity raised when it gets worse', () => {
    expect(planFindings(open, [fresh('e1', 1)], { rule_id: 'G1', scope: 'model' }).history).toEqual([]);
    expect(planFindings(open, [fresh('e1', 1, 'critical')], { rule_id: 'G1', scope: 'model' }).history).toEqual([{ action: 'severity_raised', details: { from: 'high', to: 'critical' } }]);
    // Never lower while open.
    expect(planFindings(open, [fresh('e1', 1, 'low')], { rule_id: 'G1', scope: 'model' }).update?.severity).toBe('high');
  });

  it('reopens a resolved alert with the severity of its new findings only', () => {
    const plan = planFindings({ ...open, severity: 'critical', status: 'resolved' }, [fresh('e1', 1, 'medium')], { rule_id: 'G1', scope: 'model' });
    expect(plan.reopened).toBe(true);
    expect(plan.history.map((h) => h.action)).toEqual(['reopened']);
    expect(plan.update).toMatchObject({ reopen: true, severity: 'medium' });
  });

  it('takes the newest finding as observed and keeps a bounded, newest-first evidence sample', () => {
    const many = Array.from({ length: ALERT_EVIDENCE_SAMPLE + 5 }, (_, i) => fresh(`e${i}`, i));
    const update = planFindings(open, many, { rule_id: 'G1', scope: 'model' }).update;
    expect(update?.evidence).toHaveLength(ALERT_EVIDENCE_SAMPLE);
    expect(update?.evidence[0]).toBe(`e${ALERT_EVIDENCE_SAMPLE + 4}`);
    expect(update?.observed).toEqual({ event: `e${ALERT_EVIDENCE_SAMPLE + 4}` });
    expect([update?.oldest.toISOString(), update?.latest.toISOString()]).toEqual([many[0]?.occurredAt.toISOString(), many.at(-1)?.occurredAt.toISOString()]);
  });
});
