import { clearsOf, creditModel, financeEnv, findingsOf } from './finance-test-kit';

const vendorModel = creditModel({ thirdParty: true, vendor: 'ScoreCo' });

describe('F9 third-party model without vendor validation reference', () => {
  it('fires on the deployment of a vendor model without a reference', () => {
    const env = financeEnv({ models: [vendorModel] });
    env.send({ event_type: 'model_deployment', payload: { version: '1.0' } });
    expect(findingsOf(env, 'F9')).toHaveLength(1);
    expect(findingsOf(env, 'F9')[0]).toMatchObject({ severity: 'high', scope: 'model', evidence: ['test-event-1'] });
    expect(findingsOf(env, 'F9')[0]?.observed).toEqual({ third_party: true, vendor: 'ScoreCo', vendor_validation_ref: null, trigger: 'model_deployment' });
  });

  it('takes third_party and the reference from the deployment when the inventory has none', () => {
    const env = financeEnv();
    env.send({ event_type: 'model_deployment', payload: { version: '1.0', third_party: true } });
    env.send({ event_type: 'model_deployment', payload: { version: '1.1', third_party: true, vendor_validation_ref: 'VAL-2026-01' } });
    expect(findingsOf(env, 'F9')).toHaveLength(1);
    expect(clearsOf(env, 'F9')).toHaveLength(1);
  });

  it('accepts an inventory reference, and in-house models', () => {
    const env = financeEnv({ models: [creditModel({ thirdParty: true, vendorValidationRef: 'VAL-1' })] });
    env.send({ event_type: 'model_deployment', payload: { version: '1.0' } });
    const inHouse = financeEnv();
    inHouse.send({ event_type: 'prediction' });
    inHouse.send({ event_type: 'model_deployment', payload: { version: '1.0', third_party: false } });
    expect([findingsOf(env, 'F9'), findingsOf(inHouse, 'F9')]).toEqual([[], []]);
  });

  it('catches a vendor model in use: one finding a day from predictions, cleared once the reference is recorded', () => {
    const env = financeEnv({ models: [vendorModel] });
    env.send({ event_type: 'prediction' });
    env.send({ event_type: 'prediction' });
    env.advance('1d');
    env.send({ event_type: 'prediction' });
    expect(new Set(findingsOf(env, 'F9').map((f) => f.occurrence))).toEqual(new Set(['in-use:2026-01-05T00:00:00.000Z', 'in-use:2026-01-06T00:00:00.000Z']));

    env.restart();
    env.setModel({ ...vendorModel, vendorValidationRef: 'VAL-9' });
    env.send({ event_type: 'prediction' });
    env.send({ event_type: 'prediction' });
    expect(clearsOf(env, 'F9')).toHaveLength(1);

    const off = financeEnv({ models: [vendorModel], args: { F9: { judgePredictions: false } } });
    off.send({ event_type: 'prediction' });
    expect(findingsOf(off, 'F9')).toEqual([]);
  });
});
