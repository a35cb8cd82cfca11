import { dataUsage, findingsOf, privacyEnv } from './privacy-test-support';

describe('P1 training use of personal data with a legal basis outside the allowed set', () => {
  it('fires, critical, for personal data trained on under a basis outside the set', () => {
    const env = privacyEnv();
    env.send(dataUsage({ dataset_id: 'clicks-2026', data_categories: ['personal', 'anonymised'], legal_basis: 'legitimate_interest' }));

    expect(findingsOf(env, 'P1')).toHaveLength(1);
    expect(findingsOf(env, 'P1')[0]).toMatchObject({
      severity: 'critical',
      scope: 'dataset:clicks-2026',
      observed: { dataset_id: 'clicks-2026', purpose: 'training', personal_categories: ['personal'], legal_basis: 'legitimate_interest' },
    });
  });

  it('does not fire for an allowed basis, for other purposes, or for data that is not personal', () => {
    const env = privacyEnv();
    for (const basis of ['consent', 'within_purpose', 'statistical_exception']) env.send(dataUsage({ legal_basis: basis }));
    env.send(dataUsage({ purpose: 'inference', legal_basis: 'legitimate_interest' }));
    env.send(dataUsage({ data_categories: ['anonymised'], legal_basis: 'legitimate_interest' }));

    expect(findingsOf(env, 'P1')).toEqual([]);
  });

  it('counts a missing legal basis as outside the set', () => {
    const env = privacyEnv();
    env.send(dataUsage({ data_categories: ['sensitive'] }));

    expect(findingsOf(env, 'P1').map((f) => f.observed)).toEqual([expect.objectContaining({ legal_basis: null, personal_categories: ['sensitive'] })]);
  });

  it('takes a tenant’s allowed set', () => {
    const env = privacyEnv({ args: { P1: { allowedLegalBases: ['consent'] } } });
    env.send(dataUsage({ legal_basis: 'statistical_exception' }));
    env.send(dataUsage({ legal_basis: 'consent' }));

    expect(findingsOf(env, 'P1').map((f) => f.observed)).toEqual([expect.objectContaining({ legal_basis: 'statistical_exception' })]);
  });
});
