import { findingsOf, medicalEnv } from './medical-spec-support';

const metric = (payload: Record<string, unknown>) => ({ event_type: 'performance_metric' as const, model_version: '1.2.0', payload: { metric: 'sensitivity', dataset_ref: 'locked_reference', ...payload } });

describe('M3 locked-reference metric below the approved claim', () => {
  it('fires critical just below the claim, not at it', () => {
    const env = medicalEnv();
    env.send(metric({ value: 0.92, approved_claim: 0.92 }));
    expect(findingsOf(env, 'M3')).toEqual([]);

    env.send(metric({ value: 0.919, approved_claim: 0.92, n: 500 }));
    const [finding] = findingsOf(env, 'M3');
    expect(finding).toMatchObject({ severity: 'critical', scope: 'sensitivity' });
    expect(finding?.observed).toEqual({ metric: 'sensitivity', value: 0.919, approved_claim: 0.92, direction: 'higher_is_better', subgroup: null, n: 500, version: '1.2.0' });
  });

  it('reads error-type metrics the other way round', () => {
    const env = medicalEnv();
    env.send(metric({ metric: 'false_positive_rate', value: 0.1, approved_claim: 0.1 }));
    env.send(metric({ metric: 'false_positive_rate', value: 0.11, approved_claim: 0.1 }));

    expect(findingsOf(env, 'M3').map((f) => f.observed)).toEqual([expect.objectContaining({ value: 0.11, direction: 'lower_is_better' })]);
  });

  it('gives each subgroup its own scope', () => {
    const env = medicalEnv();
    env.send(metric({ value: 0.8, approved_claim: 0.9, subgroup: 'age_80_plus' }));

    expect(findingsOf(env, 'M3')[0]?.scope).toBe('sensitivity/age_80_plus');
  });

  it('ignores real-world data and metrics without a claim', () => {
    const env = medicalEnv();
    env.send(metric({ value: 0.5, approved_claim: 0.9, dataset_ref: 'real_world' }));
    env.send(metric({ value: 0.5 }));
    env.send({ event_type: 'performance_metric', payload: { metric: 'sensitivity', value: 0.5, approved_claim: 0.9 } });

    expect(findingsOf(env, 'M3')).toEqual([]);
  });

  it('falls back to the deployed version of the inventory when the event names none', () => {
    const env = medicalEnv({ deployedVersion: '1.1.0' });
    env.send({ event_type: 'performance_metric', payload: { metric: 'auc', value: 0.8, approved_claim: 0.85, dataset_ref: 'locked_reference' } });

    expect(findingsOf(env, 'M3')[0]?.observed).toMatchObject({ version: '1.1.0', n: null });
  });
});
