import { dataUsage, findingsOf, privacyEnv } from './privacy-test-support';

describe('P4 join of pseudonymised data with identifiers', () => {
  it('fires, critical, for a join of pseudonymised with identifying data', () => {
    const env = privacyEnv();
    env.send(dataUsage({ dataset_id: 'joined-crm', purpose: 'join', data_categories: ['pseudonymised', 'personal'] }));

    expect(findingsOf(env, 'P4')).toHaveLength(1);
    expect(findingsOf(env, 'P4')[0]).toMatchObject({
      severity: 'critical',
      scope: 'dataset:joined-crm',
      observed: { dataset_id: 'joined-crm', purpose: 'join', pseudonymised_categories: ['pseudonymised'], identifier_categories: ['personal'] },
    });
  });

  it('does not fire without both sides of the join, or for another purpose', () => {
    const env = privacyEnv();
    env.send(dataUsage({ purpose: 'join', data_categories: ['pseudonymised', 'anonymised'] }));
    env.send(dataUsage({ purpose: 'join', data_categories: ['personal'] }));
    env.send(dataUsage({ purpose: 'training', data_categories: ['pseudonymised', 'personal'] }));

    expect(findingsOf(env, 'P4')).toEqual([]);
  });

  it('takes a tenant’s join purposes and identifier categories', () => {
    const env = privacyEnv({ args: { P4: { joinPurposes: ['enrichment'], identifierCategories: ['personal', 'sensitive'] } } });
    env.send(dataUsage({ purpose: 'enrichment', data_categories: ['pseudonymised', 'sensitive'] }));

    expect(findingsOf(env, 'P4').map((f) => f.observed)).toEqual([expect.objectContaining({ identifier_categories: ['sensitive'] })]);
  });
});
