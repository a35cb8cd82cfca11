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

  it('counts at most maxAttributes attributes a day, the first seen, and says so', () => {
    const env = generalEnv({ args: { G4: { minSamples: 1, maxAttributes: 2 } } });
    env.send({ event_type: 'prediction', timestamp: new Date(START).toISOString(), payload: { decision: 'approve', restricted_attributes: { a: 1, b: 1, c: 1 } } });
    env.send({ event_type: 'prediction', timestamp: new Date(START + 1).toISOString(), payload: { decision: 'decline', restricted_attributes: { a: 2, b: 2, d: 2 } } });
    env.advanceTo(JUDGED);

    const limits = findingsOf(env, 'G4').filter((f) => f.scope === 'state-limit');
    expect(limits.map((f) => [f.occurrence, f.observed])).toEqual([
      ['state-limit:subgroup attributes@2026-01-05', { state_limit: 'subgroup attributes', limit: 2, day: '2026-01-05', per: 'day' }],
      ['state-limit:subgroup attributes@2026-01-05', { state_limit: 'subgroup attributes', limit: 2, day: '2026-01-05', per: 'day' }],
    ]);
    expect(findingsOf(env, 'G4').filter((f) => f.scope !== 'state-limit').map((f) => f.scope)).toEqual(['a', 'b']);
  });

  it('counts at most maxGroupsPerAttribute values of an attribute a day, the first seen', () => {
    const env = generalEnv({ args: { G4: { minSamples: 1, maxGroupsPerAttribute: 3 } } });
    for (const band of ['10', '20', '30', '40', '10']) {
      env.send({ event_type: 'prediction', timestamp: new Date(START).toISOString(), payload: { decision: band === '10' ? 'approve' : 'decline', restricted_attributes: { band } } });
    }
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G4').filter((f) => f.scope === 'state-limit').map((f) => (f.observed as { state_limit: string }).state_limit)).toEqual(['subgroups per attribute']);
    expect(findingsOf(env, 'G4').find((f) => f.scope === 'band')?.observed).toMatchObject({
      groups: [
        { value: '20', n: 1, rate: 0 },
        { value: '30', n: 1, rate: 0 },
        { value: '10', n: 2, rate: 1 },
      ],
    });
  });

  it('keeps a day within its caps when one prediction carries thousands of attributes', () => {
    const env = generalEnv();
    const wide: Record<string, string> = {};
    for (let i = 0; i < 64; i++) wide[`attribute_${i}`] = 'v';
    for (let day = 0; day < 3; day++) {
      for (let e = 0; e < 60; e++) {
        const values = Object.fromEntries(Object.keys(wide).map((k) => [k, `${day}-${e}`]));
        env.send({ event_type: 'prediction', timestamp: new Date(START + day * DAY_MS + e).toISOString(), payload: { decision: 'approve', restricted_attributes: values } });
      }
    }
    env.restart();
    const { buckets } = (env.stateOf('G4') as { window: { buckets: { values: object }[] } }).window;
    // 16 attributes of 50 groups: two tallies per group, a group count per attribute, the attribute count.
    expect(buckets.map((b) => Object.keys(b.values).length)).toEqual([16 * 101 + 1, 16 * 101 + 1, 16 * 101 + 1]);
  });
});
