import { getSectorModuleOptions, modelProfile, RuleRuntime, runtimeRules, type TestSectorEnvironment } from '@kanshi/policy-sdk';
import { FinanceFsaSectorModule } from './finance-fsa-sector.module';
import { clearsOf, financeEnv, findingsOf } from './finance-test-kit';

function metric(env: TestSectorEnvironment, timestamp: string, name: string, value: number, extra: Record<string, unknown> = {}) {
  env.send({ event_type: 'performance_metric', timestamp, payload: { metric: name, value, ...extra } });
}

// Most specs count in a UTC calendar, which a tenant may set; Japan time is the default (last spec).
const UTC = { F6: { utcOffsetMinutes: 0 } };
// Q1 2026 ends 2026-04-01 (UTC); with 7 days of lateness it is judged on 2026-04-08.
const JUDGED = '2026-04-08T00:00:00Z';

describe('F6 calibration ratio per quarter', () => {
  it('fires when realised/predicted defaults fall below 0.8, judged after the quarter and lateness', () => {
    const env = financeEnv({ args: UTC });
    metric(env, '2026-01-31T00:00:00Z', 'observed_default_rate', 0.015, { n: 1000 });
    metric(env, '2026-01-31T00:00:00Z', 'predicted_default_rate', 0.02, { n: 1000 });
    env.restart();
    metric(env, '2026-02-28T00:00:00Z', 'observed_default_rate', 0.0169, { n: 1000 });
    metric(env, '2026-02-28T00:00:00Z', 'predicted_default_rate', 0.02, { n: 1000 });
    env.advanceTo('2026-04-07T23:59:59.999Z');
    expect(findingsOf(env, 'F6')).toEqual([]);
    env.advanceTo(JUDGED);

    const [finding] = findingsOf(env, 'F6');
    expect(finding).toMatchObject({ severity: 'medium', scope: 'model', occurrence: '2026-01-01T00:00:00.000Z' });
    expect(finding?.observed).toMatchObject({ basis: 'default_rates', reports: 2, quarter_start: '2026-01-01T00:00:00.000Z', quarter_end: '2026-04-01T00:00:00.000Z' });
    expect((finding?.observed as { ratio: number }).ratio).toBeCloseTo(0.7975, 6);
  });

  it('accepts the bounds themselves and clears', () => {
    for (const ratio of [0.8, 1.25]) {
      const env = financeEnv({ args: UTC });
      metric(env, '2026-02-01T00:00:00Z', 'calibration_ratio', ratio);
      env.advanceTo(JUDGED);
      expect(findingsOf(env, 'F6')).toEqual([]);
      expect(clearsOf(env, 'F6')).toHaveLength(1);
    }
  });

  it('fires above 1.25 from producer-computed ratios, n-weighted', () => {
    const env = financeEnv({ args: UTC });
    metric(env, '2026-01-10T00:00:00Z', 'calibration_ratio', 1.0, { n: 100 });
    metric(env, '2026-03-10T00:00:00Z', 'Calibration_Ratio', 1.4, { n: 300 });
    env.advanceTo(JUDGED);
    expect(findingsOf(env, 'F6')[0]?.observed).toMatchObject({ basis: 'calibration_ratio', ratio: 1.3, reports: 2 });
  });

  it('keeps quarters apart and refuses reports after the lateness', () => {
    const env = financeEnv({ args: UTC });
    metric(env, '2026-03-31T23:00:00Z', 'calibration_ratio', 1.0);
    metric(env, '2026-04-01T01:00:00Z', 'calibration_ratio', 2.0);
    env.advanceTo(JUDGED);
    metric(env, '2026-03-15T00:00:00Z', 'calibration_ratio', 3.0);
    env.advanceTo('2026-07-08T00:00:00Z');
    expect(findingsOf(env, 'F6').map((f) => f.occurrence)).toEqual(['2026-04-01T00:00:00.000Z']);
    expect(clearsOf(env, 'F6')).toHaveLength(1);
  });

  it('does not judge without enough reports, or with predicted rates only, and skips subgroups', () => {
    const env = financeEnv({ args: { F6: { ...UTC.F6, minSamples: 2 } } });
    metric(env, '2026-01-10T00:00:00Z', 'calibration_ratio', 2.0);
    metric(env, '2026-01-10T00:00:00Z', 'calibration_ratio', 2.0, { subgroup: 'sme' });
    env.advanceTo(JUDGED);
    const ratesless = financeEnv({ args: UTC });
    metric(ratesless, '2026-01-10T00:00:00Z', 'predicted_default_rate', 0.02);
    ratesless.advanceTo(JUDGED);
    expect([findingsOf(env, 'F6'), clearsOf(env, 'F6'), findingsOf(ratesless, 'F6')]).toEqual([[], [], []]);
  });

  it('counts calendar quarters in Japan time by default, and in the calendar a tenant sets', () => {
    const jst = financeEnv();
    // 2026-12-31T16:00Z is already 2027-01-01 01:00 in Japan: the first quarter of 2027 there.
    metric(jst, '2026-12-31T14:00:00Z', 'calibration_ratio', 2.0);
    metric(jst, '2026-12-31T16:00:00Z', 'calibration_ratio', 3.0);
    jst.advanceTo('2027-01-07T14:59:59.999Z');
    expect(findingsOf(jst, 'F6')).toEqual([]);
    jst.advanceTo('2027-01-07T15:00:00Z');
    expect(findingsOf(jst, 'F6').map((f) => f.observed)).toEqual([
      expect.objectContaining({ ratio: 2, quarter_start: '2026-09-30T15:00:00.000Z', quarter_end: '2026-12-31T15:00:00.000Z' }),
    ]);

    const utc = financeEnv({ args: UTC });
    metric(utc, '2026-11-30T12:00:00Z', 'calibration_ratio', 2.0);
    utc.advanceTo('2027-01-07T23:59:59.999Z');
    expect(findingsOf(utc, 'F6')).toEqual([]);
    utc.advanceTo('2027-01-08T00:00:00Z');
    expect(findingsOf(utc, 'F6').map((f) => f.observed)).toEqual([expect.objectContaining({ quarter_start: '2026-10-01T00:00:00.000Z', quarter_end: '2027-01-01T00:00:00.000Z' })]);
  });

  it('judges a quarter once when the calendar changes under it, on the days its reports were counted in', () => {
    // A tenant moves F6 from UTC to Japan time in the middle of a quarter (or an engine upgrade
    // meets state counted in UTC): each report stays in its day, and the quarter is judged once.
    let offset = 0;
    const rules = runtimeRules([getSectorModuleOptions(FinanceFsaSectorModule)!]);
    const runtime = new RuleRuntime(rules, (rule) => (rule.rule.id === 'F6' ? { ...rule.defaultArgs, utcOffsetMinutes: offset } : rule.defaultArgs));
    const model = modelProfile({ tenantId: 't', modelId: 'credit', sectors: ['finance'], riskTier: 'T1' });
    const report = (id: string, timestamp: string) =>
      runtime.evaluate({ schema_version: '1.0', event_id: id, event_type: 'performance_metric', timestamp, tenant_id: 't', model_id: 'credit', payload: { metric: 'calibration_ratio', value: 2 } }, model);
    const f6 = (out: ReturnType<RuleRuntime['advanceTo']>) => out.findings.filter((f) => f.rule.rule.id === 'F6');

    report('a', '2026-11-30T12:00:00Z');
    offset = 540;
    report('b', '2026-12-10T12:00:00Z');
    const judged = [...f6(runtime.advanceTo(Date.parse('2027-01-07T15:00:00Z'), () => model)), ...f6(runtime.advanceTo(Date.parse('2027-01-09T00:00:00Z'), () => model))];
    // The UTC timer fires a day later and finds the quarter judged; nothing re-arms after it.
    judged.push(...f6(runtime.advanceTo(Date.parse('2027-03-01T00:00:00Z'), () => model)));

    expect(judged.map((f) => f.observed)).toEqual([expect.objectContaining({ ratio: 2, reports: 2, quarter_start: '2026-09-30T15:00:00.000Z', quarter_end: '2026-12-31T15:00:00.000Z' })]);
  });
});
