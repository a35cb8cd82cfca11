import { dataUsage, findingsOf, privacyEnv } from './privacy-test-support';

describe('P6 sensitive attribute used as a feature without consent', () => {
  it('fires, critical, for sensitive data in training or inference without a consent reference', () => {
    const env = privacyEnv();
    env.send(dataUsage({ dataset_id: 'health-features', data_categories: ['personal', 'sensitive'], legal_basis: 'within_purpose' }));
    env.send(dataUsage({ dataset_id: 'health-features', purpose: 'inference', data_categories: ['sensitive'] }));

    expect(findingsOf(env, 'P6')).toHaveLength(2);
    expect(findingsOf(env, 'P6')[0]).toMatchObject({
      severity: 'critical',
      scope: 'dataset:health-features',
      observed: { dataset_id: 'health-features', purpose: 'training', sensitive_categories: ['sensitive'], legal_basis: 'within_purpose' },
    });
    expect(findingsOf(env, 'P6')[1]?.observed).toMatchObject({ purpose: 'inference', legal_basis: null });
  });

  it('does not fire with consent, without sensitive data, for other purposes, or under an exempt basis', () => {
    const env = privacyEnv({ args: { P6: { exemptLegalBases: ['legal_obligation'] } } });
    env.send(dataUsage({ data_categories: ['sensitive'], consent_ref: 'CONSENT-42' }));
    env.send(dataUsage({ data_categories: ['personal'] }));
    env.send(dataUsage({ purpose: 'sharing', data_categories: ['sensitive'] }));
    env.send(dataUsage({ data_categories: ['sensitive'], legal_basis: 'legal_obligation' }));

    expect(findingsOf(env, 'P6')).toEqual([]);
  });
});
