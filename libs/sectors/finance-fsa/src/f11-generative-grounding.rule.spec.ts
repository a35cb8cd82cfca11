import { DAY_MS, durationMs, type TestSectorEnvironment } from '@kanshi/policy-sdk';
import { at, clearsOf, financeEnv, findingsOf, START } from './finance-test-kit';

function responses(env: TestSectorEnvironment, n: number, grounded: number, extra: Record<string, unknown> = {}, from = START) {
  for (let i = 0; i < n; i++) {
    env.send({ event_type: 'prediction', timestamp: at(from + i * 1000), payload: { generative: true, customer_facing: true, grounded: i < grounded, ...extra } });
  }
}

const CLOSE = START + DAY_MS + durationMs('15m');

describe('F11 grounded share of customer-facing generated responses', () => {
  it('fires below 0.95 once the day closes plus lateness, surviving a restart', () => {
    const env = financeEnv();
    responses(env, 50, 47);
    env.restart();
    responses(env, 50, 47, {}, START + 3_600_000);
    env.advanceTo(CLOSE - 1);
    expect(findingsOf(env, 'F11')).toEqual([]);
    env.advanceTo(CLOSE);

    const [finding] = findingsOf(env, 'F11');
    expect(finding).toMatchObject({ severity: 'medium', scope: 'model', occurrence: at(START) });
    expect(finding?.observed).toEqual({ share: 0.94, responses: 100, grounded: 94, window_start: at(START), window_end: at(START + DAY_MS) });
  });

  it('does not fire at exactly 0.95, and clears', () => {
    const env = financeEnv();
    responses(env, 100, 95);
    env.advance('2d');
    expect(findingsOf(env, 'F11')).toEqual([]);
    expect(clearsOf(env, 'F11')).toHaveLength(1);
  });

  it('judges fewer than minSamples responses only by a conclusive sample, else reports insufficient data', () => {
    const none = financeEnv();
    responses(none, 49, 0);
    none.advance('2d');
    expect(findingsOf(none, 'F11').map((f) => f.observed)).toEqual([expect.objectContaining({ share: 0, responses: 49, min_samples: 50, judged_by: 'wilson_upper_95' })]);

    const most = financeEnv();
    responses(most, 49, 48);
    most.advance('2d');
    expect([findingsOf(most, 'F11'), clearsOf(most, 'F11')]).toEqual([[], []]);
    expect(most.insufficient.map((i) => i.observed)).toEqual([expect.objectContaining({ responses: 49, grounded: 48, judged_by: 'too_few_samples' })]);
  });

  it('counts a missing grounded flag as not grounded, and a missing customer_facing flag as customer-facing', () => {
    const env = financeEnv();
    for (let i = 0; i < 50; i++) env.send({ event_type: 'prediction', timestamp: at(START + i), payload: { generative: true } });
    env.advance('2d');
    expect(findingsOf(env, 'F11')[0]?.observed).toMatchObject({ share: 0, responses: 50 });

    const strict = financeEnv({ args: { F11: { assumeCustomerFacing: false } } });
    for (let i = 0; i < 50; i++) strict.send({ event_type: 'prediction', timestamp: at(START + i), payload: { generative: true } });
    strict.advance('2d');
    expect(findingsOf(strict, 'F11')).toEqual([]);
  });

  it('ignores internal and non-generative outputs', () => {
    const env = financeEnv();
    responses(env, 60, 0, { customer_facing: false });
    responses(env, 60, 0, { generative: false }, START + 100_000);
    env.advance('2d');
    expect([findingsOf(env, 'F11'), clearsOf(env, 'F11')]).toEqual([[], []]);
  });
});
