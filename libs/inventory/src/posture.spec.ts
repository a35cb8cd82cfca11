import type { RuleVerdict } from '@kanshi/contracts';
import type { ModelEntity, OpenAlertCount } from '@kanshi/persistence';
import { modelPosture } from './posture';

const model = (over: Partial<ModelEntity> = {}) =>
  ({ modelId: 'credit', name: 'Credit', sectors: ['finance'], retiredAt: null, lastEventAt: new Date('2026-11-24T01:00:00Z'), lastReceivedAt: null, ...over }) as ModelEntity;
const count = (ruleId: string, severity: OpenAlertCount['severity'], n: number, modelId = 'credit'): OpenAlertCount => ({ modelId, ruleId, severity, count: n });
const rules = [
  { ruleId: 'F1', title: 'Unapproved version', enabled: true },
  { ruleId: 'F3', title: 'Explanations', enabled: true },
  { ruleId: 'F11', title: 'Grounding', enabled: false },
  { ruleId: 'G2', title: 'Drift', enabled: true },
];

describe('modelPosture', () => {
  it('counts open alerts by severity and by rule, highest severity first, for this model only', () => {
    const p = modelPosture(model(), [count('F3', 'medium', 2), count('F3', 'high', 1), count('F1', 'critical', 1), count('F1', 'critical', 5, 'other')], rules);
    expect(p.open_alerts.total).toBe(4);
    expect(p.open_alerts.by_severity).toEqual({ low: 0, medium: 2, high: 1, critical: 1 });
    expect(p.open_alerts.by_rule).toEqual([
      { rule_id: 'F1', open: 1, highest_severity: 'critical', title: 'Unapproved version' },
      { rule_id: 'F3', open: 3, highest_severity: 'high', title: 'Explanations' },
    ]);
    expect(p.last_event_at).toBe('2026-11-24T01:00:00.000Z');
  });

  it('splits the rules that apply into passing, failing and switched off', () => {
    const p = modelPosture(model(), [count('F3', 'low', 1)], rules);
    expect(p.rules).toEqual({ applicable: 4, enabled: 3, passing: ['F1', 'G2'], failing: ['F3'], disabled: ['F11'], insufficient_data: [] });
  });

  it('names an alert of a rule that no longer applies without a title, and shows a retired model as retired', () => {
    const p = modelPosture(model({ retiredAt: new Date() }), [count('G1', 'high', 1)], rules);
    expect(p.status).toBe('retired');
    expect(p.open_alerts.by_rule).toEqual([{ rule_id: 'G1', open: 1, highest_severity: 'high', title: null }]);
  });

  it('never counts a rule whose last window had too few samples as passing, and lists it as not judged', () => {
    const verdict = (ruleId: string, modelId = 'credit'): RuleVerdict => ({
      tenantId: 't',
      modelId,
      ruleId,
      scope: 'all-decisions',
      verdict: 'insufficient',
      observed: { decisions: 12, min_samples: 20 },
      judgedAt: '2026-11-24T02:15:00.000Z',
    });
    // F3 could not judge; F1 fails (its open alert wins); F11 is off; G2 of another model.
    const p = modelPosture(model(), [count('F1', 'critical', 1)], rules, [verdict('F3'), verdict('F1'), verdict('F11'), verdict('G2', 'other')]);
    expect(p.rules).toEqual({
      applicable: 4,
      enabled: 3,
      passing: ['G2'],
      failing: ['F1'],
      disabled: ['F11'],
      insufficient_data: [{ rule_id: 'F3', scope: 'all-decisions', judged_at: '2026-11-24T02:15:00.000Z', title: 'Explanations', observed: { decisions: 12, min_samples: 20 } }],
    });
  });
});
