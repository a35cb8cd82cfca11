import { addMonths } from './f2-validation-overdue.rule';
import { clearsOf, creditModel, financeEnv, findingsOf } from './finance-test-kit';

describe('F2 validation overdue for the tier', () => {
  it('fires on the due date from a timer, with no event on that day', () => {
    const env = financeEnv({ models: [creditModel({ riskTier: 'T1', lastValidatedAt: '2025-01-10T00:00:00Z' })] });
    env.send({ event_type: 'prediction' });
    env.restart();
    env.advanceTo('2026-01-09T23:59:59.999Z');
    expect(findingsOf(env, 'F2')).toEqual([]);

    env.advance('1ms');
    const [finding] = findingsOf(env, 'F2');
    expect(finding).toMatchObject({ severity: 'high', scope: 'model', occurrence: 'due:2026-01-10T00:00:00.000Z' });
    expect(finding?.dueAt?.toISOString()).toBe('2026-01-10T00:00:00.000Z');
    expect(finding?.observed).toMatchObject({ tier: 'T1', last_validated_at: '2025-01-10T00:00:00.000Z', interval_months: 12, days_overdue: 0 });
  });

  it('uses the interval of the tier, which tenants may override', () => {
    const t2 = financeEnv({ models: [creditModel({ riskTier: 'T2', lastValidatedAt: '2024-03-01' })] });
    t2.send({ event_type: 'prediction' });
    t2.advanceTo('2026-02-28T23:00:00Z');
    expect(findingsOf(t2, 'F2')).toEqual([]);
    t2.advanceTo('2026-03-01T00:00:00Z');
    expect(findingsOf(t2, 'F2')).toHaveLength(1);

    const strict = financeEnv({
      models: [creditModel({ riskTier: 'T3', lastValidatedAt: '2025-06-01' })],
      args: { F2: { tierMonths: { T3: 6 } } },
    });
    strict.send({ event_type: 'prediction' });
    expect(findingsOf(strict, 'F2')[0]?.observed).toMatchObject({ interval_months: 6, due_at: '2025-12-01T00:00:00.000Z', days_overdue: 35 });
  });

  it('reports an overdue model once, however many events follow', () => {
    const env = financeEnv({ models: [creditModel({ lastValidatedAt: '2024-12-01' })] });
    env.send({ event_type: 'prediction' });
    env.send({ event_type: 'prediction' });
    env.advance('30d');
    env.send({ event_type: 'prediction' });
    expect(findingsOf(env, 'F2')).toHaveLength(1);
  });

  it('takes a newer validation_date from a deployment, and clears', () => {
    const env = financeEnv({ models: [creditModel({ lastValidatedAt: '2024-12-01' })] });
    env.send({ event_type: 'prediction' });
    env.send({ event_type: 'model_deployment', payload: { version: '2.0', validation_date: '2025-12-15' } });

    expect(findingsOf(env, 'F2')).toHaveLength(1);
    expect(clearsOf(env, 'F2')).toHaveLength(1);
    env.advanceTo('2026-12-14T23:00:00Z');
    expect(findingsOf(env, 'F2')).toHaveLength(1);
    env.advanceTo('2026-12-15T00:00:00Z');
    expect(findingsOf(env, 'F2')).toHaveLength(2);
  });

  it('follows an inventory update made while the timer waits', () => {
    const env = financeEnv({ models: [creditModel({ lastValidatedAt: '2025-01-10' })] });
    env.send({ event_type: 'prediction' });
    env.setModel(creditModel({ lastValidatedAt: '2026-01-08' }));
    env.advanceTo('2026-06-01T00:00:00Z');
    expect(findingsOf(env, 'F2')).toEqual([]);
    env.advanceTo('2027-01-08T00:00:00Z');
    expect(findingsOf(env, 'F2').map((f) => f.occurrence)).toEqual(['due:2027-01-08T00:00:00.000Z']);
  });

  it('treats a tiered model with no validation on record as overdue, without a due date', () => {
    const env = financeEnv();
    env.send({ event_type: 'drift_metric', payload: { feature: 'score', metric: 'psi', value: 0.01 } });
    const [finding] = findingsOf(env, 'F2');
    expect(finding).toMatchObject({ occurrence: 'never-validated', dueAt: undefined });
    expect(finding?.observed).toMatchObject({ last_validated_at: null, due_at: null });
  });

  it('does not judge a model without a known tier; takes the tier a deployment reports', () => {
    const env = financeEnv({ models: [creditModel({ riskTier: null, lastValidatedAt: '2020-01-01' })] });
    env.send({ event_type: 'prediction' });
    expect(findingsOf(env, 'F2')).toEqual([]);
    env.send({ event_type: 'model_deployment', payload: { version: '1', risk_tier: 'T3' } });
    expect(findingsOf(env, 'F2')[0]?.observed).toMatchObject({ tier: 'T3' });
  });

  it('adds calendar months, clamping to the end of a shorter month', () => {
    expect(new Date(addMonths(Date.parse('2025-01-31T10:00:00Z'), 1)).toISOString()).toBe('2025-02-28T10:00:00.000Z');
    expect(new Date(addMonths(Date.parse('2024-02-29T00:00:00Z'), 12)).toISOString()).toBe('2025-02-28T00:00:00.000Z');
  });
});
