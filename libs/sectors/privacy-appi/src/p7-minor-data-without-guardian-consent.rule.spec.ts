import { dataUsage, findingsOf, privacyEnv } from './privacy-test-support';

describe('P7 data of a child under 16 without guardian consent', () => {
  it('fires, high, for minor data without a guardian consent reference', () => {
    const env = privacyEnv();
    env.send(dataUsage({ dataset_id: 'teen-activity', data_categories: ['personal', 'minor'], consent_ref: 'CONSENT-CHILD' }));

    expect(findingsOf(env, 'P7')).toHaveLength(1);
    expect(findingsOf(env, 'P7')[0]).toMatchObject({
      severity: 'high',
      scope: 'dataset:teen-activity',
      observed: { dataset_id: 'teen-activity', purpose: 'training', minor_categories: ['minor'], legal_basis: null },
    });
  });

  it('does not fire with a guardian consent reference, for adults’ data, or under an exempt basis', () => {
    const env = privacyEnv({ args: { P7: { exemptLegalBases: ['legal_obligation'] } } });
    env.send(dataUsage({ data_categories: ['minor'], guardian_consent_ref: 'GUARDIAN-1' }));
    env.send(dataUsage({ data_categories: ['personal'] }));
    env.send(dataUsage({ data_categories: ['minor'], legal_basis: 'legal_obligation' }));

    expect(findingsOf(env, 'P7')).toEqual([]);
  });

  it('fires for a consent grant reported with guardian_consent false, per consent scope', () => {
    const env = privacyEnv();
    env.send({ event_type: 'consent', payload: { subject_pseudo_id: 'u-17', scope: 'recommendation', action: 'grant', guardian_consent: false } });

    expect(findingsOf(env, 'P7').map((f) => [f.scope, f.observed])).toEqual([
      ['consent:recommendation', { subject_pseudo_id: 'u-17', consent_scope: 'recommendation', guardian_consent: false }],
    ]);
  });

  it('ignores consents with a guardian, without the field (not a minor), and withdrawals', () => {
    const env = privacyEnv();
    env.send({ event_type: 'consent', payload: { subject_pseudo_id: 'u-1', scope: 'training', action: 'grant', guardian_consent: true } });
    env.send({ event_type: 'consent', payload: { subject_pseudo_id: 'u-2', scope: 'training', action: 'grant' } });
    env.send({ event_type: 'consent', payload: { subject_pseudo_id: 'u-3', scope: 'training', action: 'withdraw', guardian_consent: false } });

    expect(findingsOf(env, 'P7')).toEqual([]);
  });
});
