import { DAY_MS, HOUR_MS, type TestSectorEnvironment } from '@kanshi/policy-sdk';
import { clearsOf, findingsOf, generalEnv, sendMany, START } from './general-test-kit';

/** `n` predictions for `attributes`, the first `approved` of them approved. */
function outcomes(env: TestSectorEnvironment, from: number, attributes: Record<string, string | number | boolean>, n: number, approved: number) {
  sendMany(env, n, from, (i) => ({ event_type: 'prediction', payload: { decision: i < approved ? 'approve' : 'decline', restricted_attributes: attributes } }));
}
const JUDGED = START + DAY_MS + HOUR_MS;

describe('G4 subgroup outcome-rate ratio', () => {
  it('fires below a 0.8 min/max ratio with the groups in observed, per attribute', () => {
    const env = generalEnv({ args: { G4: { minSamples: 100 } } });
    outcomes(env, START, { gender: 'f' }, 100, 39);
    outcomes(env, START + HOUR_MS, { gender: 'm' }, 100, 50);
    env.advanceTo(JUDGED - 1);
    expect(findingsOf(env, 'G4')).toEqual([]);
    env.advanceTo(JUDGED);

    const [finding] = findingsOf(env, 'G4');
    expect(finding).toMatchObject({ scope: 'gender', severity: 'high', occurrence: new Date(START - 6 * DAY_MS).toISOString() });
    expect(finding?.observed).toMatchObject({
      attribute: 'gender',
      ratio: 0.78,
      lowest: { value: 'f', n: 100, rate: 0.39 },
      highest: { value: 'm', n: 100, rate: 0.5 },
    });
  });

  it('does not fire at exactly 0.8, and reports clear for the attribute', () => {
    const env = generalEnv({ args: { G4: { minSamples: 100 } } });
    outcomes(env, START, { gender: 'f' }, 100, 40);
    outcomes(env, START + HOUR_MS, { gender: 'm' }, 100, 50);
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G4')).toEqual([]);
    expect(clearsOf(env, 'G4').map((c) => c.scope)).toEqual(['gender']);
  });

  it('compares only groups with at least 500 predictions by default', () => {
    const env = generalEnv();
    outcomes(env, START, { age_band: 'young' }, 499, 0);
    outcomes(env, START + HOUR_MS, { age_band: 'middle' }, 500, 250);
    outcomes(env, START + 2 * HOUR_MS, { age_band: 'old' }, 500, 240);
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G4')).toEqual([]);
    expect(clearsOf(env, 'G4').map((c) => c.scope)).toEqual(['age_band']);
  });

  it('sums the rolling 7 days and drops what is older', () => {
    const env = generalEnv({ args: { G4: { minSamples: 100 } } });
    outcomes(env, START, { region: 'north' }, 100, 10);
    outcomes(env, START + 3 * DAY_MS, { region: 'north' }, 100, 90);
    outcomes(env, START + 3 * DAY_MS, { region: 'south' }, 200, 100);
    env.advanceTo(START + 4 * DAY_MS + HOUR_MS);
    // Day 3 judges days -3..3: north 100/200 = 0.5, south 0.5.
    expect(findingsOf(env, 'G4')).toEqual([]);
    expect(clearsOf(env, 'G4')).toHaveLength(1);

    // Day 7 judges days 1..7: the poor day 0 of the north is gone, 0.9 against 0.5.
    outcomes(env, START + 7 * DAY_MS, { region: 'south' }, 1, 1);
    env.advanceTo(START + 8 * DAY_MS + HOUR_MS);
    expect(findingsOf(env, 'G4').map((f) => f.observed)).toEqual([
      expect.objectContaining({ lowest: { value: 'south', n: 201, rate: 0.502488 }, highest: { value: 'north', n: 100, rate: 0.9 } }),
    ]);
  });

  it('skips predictions without a decision or attributes, and counts custom positive outcomes', () => {
    const env = generalEnv({ args: { G4: { minSamples: 10, positiveOutcomes: ['granted'] } } });
    sendMany(env, 20, START, () => ({ event_type: 'prediction', payload: { restricted_attributes: { gender: 'f' } } }));
    sendMany(env, 20, START, () => ({ event_type: 'prediction', payload: { decision: 'granted' } }));
    sendMany(env, 10, START, (i) => ({ event_type: 'prediction', payload: { decision: i < 5 ? 'granted' : 'approve', restricted_attributes: { gender: 'f', minor: false } } }));
    sendMany(env, 10, START, () => ({ event_type: 'prediction', payload: { decision: 'granted', restricted_attributes: { gender: 'm', minor: true } } }));
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G4').map((f) => [f.scope, (f.observed as { ratio: number }).ratio])).toEqual([
      ['gender', 0.5],
      ['minor', 0.5],
    ]);
  });

  it('keeps counting across a restart', () => {
    const env = generalEnv({ args: { G4: { minSamples: 100 } } });
    outcomes(env, START, { gender: 'f' }, 100, 30);
    env.restart();
    outcomes(env, START + HOUR_MS, { gender: 'm' }, 100, 50);
    env.restart();
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G4').map((f) => (f.observed as { ratio: number }).ratio)).toEqual([0.6]);
  });
});
