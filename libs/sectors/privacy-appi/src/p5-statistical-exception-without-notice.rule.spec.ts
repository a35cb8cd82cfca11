import { dataUsage, findingsOf, privacyEnv } from './privacy-test-support';

const statistical = { legal_basis: 'statistical_exception' };

describe('P5 statistical exception without public notice or written agreement', () => {
  it('fires, critical, without a public notice reference', () => {
    const env = privacyEnv();
    env.send(dataUsage({ ...statistical, dataset_id: 'stats-1' }));

    expect(findingsOf(env, 'P5')).toHaveLength(1);
    expect(findingsOf(env, 'P5')[0]).toMatchObject({
      severity: 'critical',
      scope: 'dataset:stats-1',
      observed: { dataset_id: 'stats-1', legal_basis: 'statistical_exception', recipient: null, missing: ['public_notice_ref'] },
    });
  });

  it('needs a written agreement when the data is shared, and only then', () => {
    const env = privacyEnv();
    env.send(dataUsage({ ...statistical, public_notice_ref: 'NOTICE-7' }));
    expect(findingsOf(env, 'P5')).toEqual([]);

    env.send(dataUsage({ ...statistical, public_notice_ref: 'NOTICE-7', purpose: 'sharing', recipient_org: 'Univ Lab' }));
    env.send(dataUsage({ ...statistical, purpose: 'sharing', recipient_org: 'Univ Lab' }));
    env.send(dataUsage({ ...statistical, public_notice_ref: 'NOTICE-7', recipient_org: 'Univ Lab', written_agreement_ref: 'AGR-3' }));

    expect(findingsOf(env, 'P5').map((f) => f.observed)).toEqual([
      expect.objectContaining({ recipient: 'Univ Lab', missing: ['written_agreement_ref'] }),
      expect.objectContaining({ recipient: 'Univ Lab', missing: ['public_notice_ref', 'written_agreement_ref'] }),
    ]);
  });

  it('ignores other legal bases and a missing one', () => {
    const env = privacyEnv();
    env.send(dataUsage({ legal_basis: 'consent' }));
    env.send(dataUsage());

    expect(findingsOf(env, 'P5')).toEqual([]);
  });
});
