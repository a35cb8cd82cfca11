import { clearsOf, creditModel, financeEnv, findingsOf } from './finance-test-kit';

const approved = creditModel({ approvedVersions: [{ version: '3.1', hash: 'sha256:aaa' }, { version: '3.2', hash: null }] });

describe('F1 deployed version not approved', () => {
  it('fires critical on a deployment of a version the inventory does not list', () => {
    const env = financeEnv({ models: [approved] });
    env.send({ event_type: 'model_deployment', payload: { version: '4.0', hash: 'sha256:bbb' } });

    const [finding] = findingsOf(env, 'F1');
    expect(finding).toMatchObject({ severity: 'critical', scope: 'deployed-version', evidence: ['test-event-1'] });
    expect(finding?.observed).toMatchObject({ version: '4.0', hash: 'sha256:bbb', reason: 'not_listed' });
  });

  it('accepts an approved version, and clears the deployment alert', () => {
    const env = financeEnv({ models: [approved] });
    env.send({ event_type: 'model_deployment', payload: { version: '3.1', hash: 'sha256:aaa' } });
    env.send({ event_type: 'model_deployment', payload: { version: '3.2' } });

    expect(findingsOf(env, 'F1')).toEqual([]);
    expect(clearsOf(env, 'F1').map((c) => c.scope)).toEqual(['deployed-version', 'deployed-version']);
  });

  it('fires when the hash differs from the approved one, unless hash matching is off', () => {
    const env = financeEnv({ models: [approved] });
    env.send({ event_type: 'model_deployment', payload: { version: '3.1', hash: 'sha256:zzz' } });
    expect(findingsOf(env, 'F1').map((f) => (f.observed as { reason: string }).reason)).toEqual(['hash_mismatch']);

    const lenient = financeEnv({ models: [approved], args: { F1: { matchHash: false } } });
    lenient.send({ event_type: 'model_deployment', payload: { version: '3.1', hash: 'sha256:zzz' } });
    expect(findingsOf(lenient, 'F1')).toEqual([]);
  });

  it('treats a missing hash as matching by version, and reads the envelope hash when the payload has none', () => {
    const env = financeEnv({ models: [approved] });
    env.send({ event_type: 'model_deployment', payload: { version: '3.1' } });
    expect(findingsOf(env, 'F1')).toEqual([]);
    env.send({ event_type: 'model_deployment', model_hash: 'sha256:zzz', payload: { version: '3.1' } });
    expect(findingsOf(env, 'F1')).toHaveLength(1);
  });

  it('says so when the inventory records no approved version at all', () => {
    const env = financeEnv();
    env.send({ event_type: 'model_deployment', payload: { version: '1.0' } });
    expect(findingsOf(env, 'F1')[0]?.observed).toMatchObject({ reason: 'none_recorded' });
  });

  it('judges served versions on predictions: one finding per version however many predictions', () => {
    const env = financeEnv({ models: [approved] });
    env.send({ event_type: 'prediction', model_version: '3.2' });
    env.send({ event_type: 'prediction', model_version: '9.9' });
    env.send({ event_type: 'prediction', model_version: '9.9' });
    env.send({ event_type: 'prediction' });

    const findings = findingsOf(env, 'F1');
    expect(findings.map((f) => f.scope)).toEqual(['served-version:9.9', 'served-version:9.9']);
    expect(new Set(findings.map((f) => f.occurrence)).size).toBe(1);

    const off = financeEnv({ models: [approved], args: { F1: { judgePredictions: false } } });
    off.send({ event_type: 'prediction', model_version: '9.9' });
    expect(findingsOf(off, 'F1')).toEqual([]);
  });

  it('leaves models outside the inventory to G1', () => {
    const env = financeEnv();
    env.send({ event_type: 'model_deployment', model_id: 'unknown', payload: { version: '1.0' } });
    expect(findingsOf(env, 'F1')).toEqual([]);
  });
});
