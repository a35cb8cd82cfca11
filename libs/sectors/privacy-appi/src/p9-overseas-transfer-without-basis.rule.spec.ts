import { dataUsage, findingsOf, privacyEnv } from './privacy-test-support';

describe('P9 overseas AI API transfer without a transfer basis', () => {
  it('fires, high, for personal data sent abroad without a basis, per recipient', () => {
    const env = privacyEnv();
    env.send(dataUsage({ dataset_id: 'prompts', purpose: 'inference', recipient_org: 'LLM API Inc', recipient_country: 'US' }));

    expect(findingsOf(env, 'P9')).toHaveLength(1);
    expect(findingsOf(env, 'P9')[0]).toMatchObject({
      severity: 'high',
      scope: 'recipient:LLM API Inc',
      observed: { dataset_id: 'prompts', purpose: 'inference', recipient_org: 'LLM API Inc', recipient_country: 'US', personal_categories: ['personal'] },
    });
  });

  it('uses the country as the scope when no organisation is named', () => {
    const env = privacyEnv();
    env.send(dataUsage({ purpose: 'inference', recipient_country: 'SG' }));

    expect(findingsOf(env, 'P9').map((f) => [f.scope, f.observed])).toEqual([['recipient:SG', expect.objectContaining({ recipient_org: null })]]);
  });

  it('does not fire with a basis, inside Japan, without a country, or for anonymised data', () => {
    const env = privacyEnv();
    env.send(dataUsage({ recipient_country: 'US', transfer_basis: 'consent_informed' }));
    env.send(dataUsage({ recipient_country: 'JP', recipient_org: 'Tokyo Cloud KK' }));
    env.send(dataUsage({ recipient_org: 'LLM API Inc' }));
    env.send(dataUsage({ recipient_country: 'US', data_categories: ['anonymised'] }));

    expect(findingsOf(env, 'P9')).toEqual([]);
  });

  it('takes a tenant’s list of home countries', () => {
    const env = privacyEnv({ args: { P9: { homeCountries: ['JP', 'GB'] } } });
    env.send(dataUsage({ recipient_country: 'GB' }));

    expect(findingsOf(env, 'P9')).toEqual([]);
  });
});
