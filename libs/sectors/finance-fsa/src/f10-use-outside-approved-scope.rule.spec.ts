import { creditModel, financeEnv, findingsOf } from './finance-test-kit';

const scoped = creditModel({ approvedUseScope: ['retail_mortgage', 'Personal_Loan'] });

describe('F10 use outside the approved scope', () => {
  it('fires high for a use_scope or segment outside the approved list, scoped by value', () => {
    const env = financeEnv({ models: [scoped] });
    env.send({ event_type: 'prediction', payload: { use_scope: 'sme_lending', segment: 'personal_loan' } });

    const findings = findingsOf(env, 'F10');
    expect(findings.map((f) => [f.scope, f.severity])).toEqual([['use-scope:sme_lending', 'high']]);
    expect(findings[0]?.observed).toEqual({ value: 'sme_lending', approved_use_scope: ['retail_mortgage', 'Personal_Loan'] });
    expect(findings[0]?.evidence).toEqual(['test-event-1']);
  });

  it('accepts approved values whatever their case, and skips predictions without the fields', () => {
    const env = financeEnv({ models: [scoped] });
    env.send({ event_type: 'prediction', payload: { use_scope: 'RETAIL_MORTGAGE' } });
    env.send({ event_type: 'prediction', payload: { score: 0.3 } });
    expect(findingsOf(env, 'F10')).toEqual([]);
  });

  it('gives one finding per value and hour', () => {
    const env = financeEnv({ models: [scoped] });
    env.send({ event_type: 'prediction', payload: { segment: 'auto' } });
    env.send({ event_type: 'prediction', payload: { segment: 'auto' } });
    env.advance('1h');
    env.send({ event_type: 'prediction', payload: { segment: 'auto' } });
    expect(new Set(findingsOf(env, 'F10').map((f) => f.occurrence)).size).toBe(2);
  });

  it('reports a model without a recorded scope, unless the tenant turns that off; compares only the fields listed', () => {
    const env = financeEnv();
    env.send({ event_type: 'prediction', payload: { segment: 'auto' } });
    expect(findingsOf(env, 'F10').map((f) => f.scope)).toEqual(['use-scope:not-recorded']);

    const quiet = financeEnv({ args: { F10: { reportUnrecordedScope: false } } });
    quiet.send({ event_type: 'prediction', payload: { segment: 'auto' } });
    const useOnly = financeEnv({ models: [scoped], args: { F10: { fields: ['use_scope'] } } });
    useOnly.send({ event_type: 'prediction', payload: { segment: 'auto' } });
    expect([findingsOf(quiet, 'F10'), findingsOf(useOnly, 'F10')]).toEqual([[], []]);
  });
});
