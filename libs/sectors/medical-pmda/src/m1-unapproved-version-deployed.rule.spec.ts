import { findingsOf, medicalEnv } from './medical-spec-support';

const deploy = (payload: Record<string, unknown>) => ({ event_type: 'model_deployment' as const, payload });

describe('M1 deployed version not approved', () => {
  it('passes an approved version with its pinned hash, and a version approved without a hash', () => {
    const env = medicalEnv();
    env.send(deploy({ version: '1.0.0', hash: 'sha256:aaa' }));
    env.send(deploy({ version: '1.1.0', hash: 'sha256:anything' }));
    env.send(deploy({ version: '1.1.0' }));

    expect(findingsOf(env, 'M1')).toEqual([]);
  });

  it('fires critical for a version outside the approved and plan-confirmed set', () => {
    const env = medicalEnv();
    env.send(deploy({ version: '2.0.0', hash: 'sha256:bbb' }));

    const [finding] = findingsOf(env, 'M1');
    expect(finding).toMatchObject({ severity: 'critical', scope: 'model', evidence: ['test-event-1'] });
    expect(finding?.observed).toMatchObject({ version: '2.0.0', hash: 'sha256:bbb', reason: 'version_not_approved', via: 'model_deployment', change_plan_ref: 'IDATEN-2025-001' });
  });

  it('fires for an approved version with another artefact hash', () => {
    const env = medicalEnv();
    env.send(deploy({ version: '1.0.0', hash: 'sha256:tampered' }));

    expect(findingsOf(env, 'M1').map((f) => f.observed)).toEqual([expect.objectContaining({ reason: 'hash_mismatch' })]);
  });

  it('treats a missing hash against a pinned approval as unverifiable, unless the tenant allows it', () => {
    const strict = medicalEnv();
    strict.send(deploy({ version: '1.0.0' }));
    expect(findingsOf(strict, 'M1').map((f) => f.observed)).toEqual([expect.objectContaining({ reason: 'hash_not_reported', hash: null })]);

    const lenient = medicalEnv({}, { args: { M1: { requireHashWhenPinned: false } } });
    lenient.send(deploy({ version: '1.0.0' }));
    expect(findingsOf(lenient, 'M1')).toEqual([]);
  });

  it('never pages for a prediction that leaves out its optional hash, and still catches a prediction with another hash', () => {
    const env = medicalEnv();
    env.send(deploy({ version: '1.0.0', hash: 'sha256:aaa' }));
    env.send({ event_type: 'prediction', model_version: '1.0.0' });
    expect(findingsOf(env, 'M1')).toEqual([]);

    env.send({ event_type: 'prediction', model_version: '1.0.0', model_hash: 'sha256:tampered' });
    expect(findingsOf(env, 'M1').map((f) => f.observed)).toEqual([expect.objectContaining({ reason: 'hash_mismatch', via: 'prediction' })]);
  });

  it('fires when the inventory records no approved version at all', () => {
    const env = medicalEnv({ approvedVersions: [] });
    env.send(deploy({ version: '1.0.0', hash: 'sha256:aaa' }));

    expect(findingsOf(env, 'M1').map((f) => f.observed)).toEqual([expect.objectContaining({ reason: 'no_approved_versions_recorded' })]);
  });

  it('catches predictions served by an unapproved build once per version and hash, across a restart', () => {
    const env = medicalEnv();
    env.send({ event_type: 'prediction', model_version: '9.9.9', model_hash: 'sha256:x' });
    env.restart();
    env.send({ event_type: 'prediction', model_version: '9.9.9', model_hash: 'sha256:x' });
    env.send({ event_type: 'prediction', model_version: '9.9.9', model_hash: 'sha256:y' });
    env.send({ event_type: 'prediction', model_version: '1.0.0', model_hash: 'sha256:aaa' });

    const findings = findingsOf(env, 'M1');
    expect(findings.map((f) => f.occurrence)).toEqual(['prediction:9.9.9#sha256:x', 'prediction:9.9.9#sha256:y']);
    expect(findings[0]?.observed).toMatchObject({ via: 'prediction', reason: 'version_not_approved' });
  });

  it('skips predictions without a version, and all predictions when the tenant turns that off', () => {
    const env = medicalEnv();
    env.send({ event_type: 'prediction' });
    expect(findingsOf(env, 'M1')).toEqual([]);

    const off = medicalEnv({}, { args: { M1: { checkPredictions: false } } });
    off.send({ event_type: 'prediction', model_version: '9.9.9' });
    expect(findingsOf(off, 'M1')).toEqual([]);
  });

  it('only judges medical models', () => {
    const env = medicalEnv({ sectors: ['finance'] });
    env.send(deploy({ version: '2.0.0' }));

    expect(findingsOf(env, 'M1')).toEqual([]);
  });
});
