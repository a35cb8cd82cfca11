import { dataUsage, findingsOf, privacyEnv } from './privacy-test-support';

describe('P2 training use without a privacy assessment (DPIA)', () => {
  it('fires, critical, when neither the event nor the inventory names an assessment', () => {
    const env = privacyEnv();
    env.send(dataUsage({ dataset_id: 'ds-9', data_categories: ['pseudonymised'], legal_basis: 'within_purpose' }));

    expect(findingsOf(env, 'P2')).toHaveLength(1);
    expect(findingsOf(env, 'P2')[0]).toMatchObject({
      severity: 'critical',
      scope: 'dataset:ds-9',
      observed: { dataset_id: 'ds-9', purpose: 'training', personal_categories: ['pseudonymised'], model_in_inventory: true },
    });
  });

  it('accepts a reference on the event, or one in the model’s inventory entry', () => {
    const onEvent = privacyEnv();
    onEvent.send(dataUsage({ privacy_assessment_ref: 'DPIA-2026-04' }));
    expect(findingsOf(onEvent, 'P2')).toEqual([]);

    const inInventory = privacyEnv({ models: [{ modelId: 'recsys', privacyAssessmentRefs: ['DPIA-2026-01'] }] });
    inInventory.send(dataUsage());
    expect(findingsOf(inInventory, 'P2')).toEqual([]);
  });

  it('fires for a model missing from the inventory, and ignores non-training or anonymised uses', () => {
    const env = privacyEnv();
    env.send(dataUsage({}, { model_id: 'shadow' }));
    env.send(dataUsage({ purpose: 'inference' }));
    env.send(dataUsage({ data_categories: ['anonymised'] }));

    expect(findingsOf(env, 'P2').map((f) => [f.modelId, f.observed])).toEqual([['shadow', expect.objectContaining({ model_in_inventory: false })]]);
  });
});
