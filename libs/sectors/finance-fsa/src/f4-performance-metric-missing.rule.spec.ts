import { HOUR_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, creditModel, financeEnv, findingsOf, START } from './finance-test-kit';

const metric = { metric: 'auc', value: 0.8 };

describe('F4 no performance metric for a tier-1 model', () => {
  it('fires 48h after the last metric, not a millisecond before, and survives a restart', () => {
    const env = financeEnv();
    env.send({ event_type: 'performance_metric', payload: metric });
    env.restart();
    env.advanceTo(START + 48 * HOUR_MS - 1);
    expect(findingsOf(env, 'F4')).toEqual([]);
    env.advance('1ms');

    const [finding] = findingsOf(env, 'F4');
    expect(finding).toMatchObject({ severity: 'high', scope: 'model', occurrence: `silent-since:${at(START)}` });
    expect(finding?.observed).toEqual({ tier: 'T1', last_metric_at: at(START), silent_since: at(START), silent_hours: 48 });
    env.send({ event_type: 'prediction' });
    env.advance('10d');
    expect(findingsOf(env, 'F4')).toHaveLength(1);
  });

  it('resets the timer on each metric, and clears an open alert when metrics return', () => {
    const env = financeEnv();
    env.send({ event_type: 'performance_metric', payload: metric });
    env.send({ event_type: 'performance_metric', timestamp: at(START + 40 * HOUR_MS), payload: metric });
    env.advanceTo(START + 87 * HOUR_MS);
    expect(findingsOf(env, 'F4')).toEqual([]);
    env.advanceTo(START + 88 * HOUR_MS);
    expect(findingsOf(env, 'F4')).toHaveLength(1);

    env.send({ event_type: 'performance_metric', payload: metric });
    expect(clearsOf(env, 'F4')).toHaveLength(1);
  });

  it('starts the clock at the first event of a model that never reported a metric', () => {
    const env = financeEnv({ args: { F4: { maxSilence: '24h' } } });
    env.send({ event_type: 'prediction', timestamp: at(START + HOUR_MS) });
    env.send({ event_type: 'prediction', timestamp: at(START + 20 * HOUR_MS) });
    env.advanceTo(START + 25 * HOUR_MS);
    expect(findingsOf(env, 'F4').map((f) => f.observed)).toEqual([{ tier: 'T1', last_metric_at: null, silent_since: at(START + HOUR_MS), silent_hours: 24 }]);
  });

  it('ignores models of other tiers, unless the tenant lists them', () => {
    const env = financeEnv({ models: [creditModel({ riskTier: 'T2' })] });
    env.send({ event_type: 'prediction' });
    env.advance('5d');
    expect(findingsOf(env, 'F4')).toEqual([]);

    const wide = financeEnv({ models: [creditModel({ riskTier: 'T2' })], args: { F4: { tiers: ['T1', 'T2'] } } });
    wide.send({ event_type: 'prediction' });
    wide.advance('5d');
    expect(findingsOf(wide, 'F4')).toHaveLength(1);
  });

  it('stops watching when the model is re-tiered before the deadline', () => {
    const env = financeEnv();
    env.send({ event_type: 'prediction' });
    env.setModel(creditModel({ riskTier: 'T3' }));
    env.advance('3d');
    expect(findingsOf(env, 'F4')).toEqual([]);
  });
});
