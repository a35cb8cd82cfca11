import { keepLatestVerdict, type RuleVerdict } from './rule-verdict';

describe('keepLatestVerdict', () => {
  const verdict = (fields: Partial<RuleVerdict>): RuleVerdict => ({
    tenantId: 't',
    modelId: 'm',
    ruleId: 'G5',
    scope: 'model',
    verdict: 'pass',
    observed: null,
    judgedAt: '2026-12-07T01:00:00.000Z',
    ...fields,
  });

  it('keeps one verdict per tenant, model, rule and scope, the newest, whatever the order', () => {
    const latest = new Map<string, RuleVerdict>();
    keepLatestVerdict(latest, verdict({ verdict: 'insufficient', judgedAt: '2026-12-07T02:00:00.000Z' }));
    keepLatestVerdict(latest, verdict({ verdict: 'fail' }));
    keepLatestVerdict(latest, verdict({ scope: 'feature:age' }));
    keepLatestVerdict(latest, verdict({ modelId: 'm2' }));
    expect([...latest.values()].map((v) => [v.modelId, v.scope, v.verdict])).toEqual([
      ['m', 'model', 'insufficient'],
      ['m', 'feature:age', 'pass'],
      ['m2', 'model', 'pass'],
    ]);
  });
});
