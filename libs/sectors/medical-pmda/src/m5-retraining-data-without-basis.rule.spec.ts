import { findingsOf, medicalEnv } from './medical-spec-support';

const usage = (payload: Record<string, unknown>) => ({
  event_type: 'data_usage' as const,
  payload: { dataset_id: 'cxr-2026q1', purpose: 'retraining', data_categories: ['sensitive'], ...payload },
});

describe('M5 retraining data without consent/basis or data-quality report', () => {
  it('passes retraining data with a consent (or legal basis) ref and a data-quality report', () => {
    const env = medicalEnv();
    env.send(usage({ consent_ref: 'consent-42', data_quality_report_ref: 'dq-7' }));
    env.send(usage({ legal_basis: 'public_health_exception', data_quality_report_ref: 'dq-7' }));

    expect(findingsOf(env, 'M5')).toEqual([]);
  });

  it('fires high naming each missing reference, scoped to the dataset', () => {
    const env = medicalEnv();
    env.send(usage({ consent_ref: 'consent-42' }));
    env.send(usage({ dataset_id: 'other', data_quality_report_ref: 'dq-7' }));
    env.send(usage({ dataset_id: 'bare', purpose: 'training' }));

    const findings = findingsOf(env, 'M5');
    expect(findings.map((f) => [f.scope, f.severity, f.observed])).toEqual([
      ['dataset:cxr-2026q1', 'high', { dataset_id: 'cxr-2026q1', purpose: 'retraining', missing: ['data_quality_report_ref'] }],
      ['dataset:other', 'high', { dataset_id: 'other', purpose: 'retraining', missing: ['consent_or_basis_ref'] }],
      ['dataset:bare', 'high', { dataset_id: 'bare', purpose: 'training', missing: ['consent_or_basis_ref', 'data_quality_report_ref'] }],
    ]);
  });

  it('ignores other purposes, unless the tenant lists them', () => {
    const env = medicalEnv();
    env.send(usage({ purpose: 'inference' }));
    expect(findingsOf(env, 'M5')).toEqual([]);

    const wider = medicalEnv({}, { args: { M5: { purposes: ['inference'] } } });
    wider.send(usage({ purpose: 'inference' }));
    expect(findingsOf(wider, 'M5')).toHaveLength(1);
  });
});
