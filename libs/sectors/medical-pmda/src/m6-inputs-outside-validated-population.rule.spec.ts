import { clearsOf, DAY, findingsOf, HOUR, iso, medicalEnv, START } from './medical-spec-support';
import type { TestSectorEnvironment } from '@kanshi/policy-sdk';

/** `total` judged predictions from `from`, the first `outside` of them with `outsidePayload`. */
function traffic(env: TestSectorEnvironment, from: number, total: number, outside: number, outsidePayload: Record<string, unknown> = { out_of_distribution: true }) {
  for (let i = 0; i < total; i++) {
    env.send({ event_type: 'prediction', timestamp: iso(from + i * 60_000), payload: i < outside ? outsidePayload : { out_of_distribution: false } });
  }
}

/** The first day is judged at its end plus the one-hour lateness. */
const JUDGED = START + DAY + HOUR;

describe('M6 inputs outside the validated population', () => {
  it('clears at 2% and fires medium above it, once per window at its close', () => {
    const at = medicalEnv();
    traffic(at, START, 100, 2);
    at.advanceTo(JUDGED);
    expect(findingsOf(at, 'M6')).toEqual([]);
    expect(clearsOf(at, 'M6')).toHaveLength(1);

    const above = medicalEnv();
    traffic(above, START, 100, 3);
    above.advanceTo(JUDGED - 1);
    expect(findingsOf(above, 'M6')).toEqual([]);
    above.advanceTo(JUDGED);
    above.advance('3d');
    const findings = findingsOf(above, 'M6');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'medium', occurrence: iso(START) });
    expect(findings[0]?.observed).toEqual({ share: 0.03, n: 100, outside: 3, out_of_distribution: 3, off_label: 0, window_start: iso(START), window_end: iso(START + DAY) });
  });

  it('raises the severity to high when the outside inputs include off-label use', () => {
    const env = medicalEnv();
    traffic(env, START, 100, 3, { use_scope: 'pediatric_chest_xray' });
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'M6')[0]).toMatchObject({ severity: 'high', observed: expect.objectContaining({ off_label: 3, out_of_distribution: 0 }) });
  });

  it('judges fewer than 100 inputs only by a conclusive sample, and does not count predictions without either signal', () => {
    const env = medicalEnv();
    traffic(env, START, 99, 3);
    for (let i = 0; i < 10; i++) env.send({ event_type: 'prediction', timestamp: iso(START + 2 * HOUR + i) });
    env.advance('2d');
    expect([findingsOf(env, 'M6'), clearsOf(env, 'M6')]).toEqual([[], []]);
    expect(env.insufficient.map((i) => i.observed)).toEqual([expect.objectContaining({ n: 99, outside: 3, min_samples: 100, judged_by: 'too_few_samples' })]);

    const many = medicalEnv();
    traffic(many, START, 40, 20);
    many.advance('2d');
    expect(findingsOf(many, 'M6').map((f) => [f.severity, (f.observed as { judged_by: string }).judged_by])).toEqual([['medium', 'wilson_lower_95']]);
  });

  it('fires high for any off-label input, however small its share and however few the inputs', () => {
    const env = medicalEnv();
    traffic(env, START, 100, 1, { use_scope: 'pediatric_chest_xray' });
    traffic(env, START + DAY, 10, 1, { use_scope: 'pediatric_chest_xray' });
    env.advance('3d');

    expect(findingsOf(env, 'M6').map((f) => [f.occurrence, f.severity, (f.observed as { share: number }).share])).toEqual([
      [iso(START), 'high', 0.01],
      [iso(START + DAY), 'high', 0.1],
    ]);
  });

  it('ignores use_scope when the inventory records no approved scope', () => {
    const env = medicalEnv({ approvedUseScope: [] });
    traffic(env, START, 100, 100, { use_scope: 'anything' });
    env.advance('2d');

    expect(findingsOf(env, 'M6')).toEqual([]);
  });

  it('keeps windows apart and survives a restart mid-window', () => {
    const env = medicalEnv();
    traffic(env, START + DAY - 60 * 60_000, 60, 3);
    env.restart();
    traffic(env, START + DAY, 60, 0);
    env.advance('3d');

    // Each day has 60 inputs, below the minimum: neither is judged.
    expect(findingsOf(env, 'M6')).toEqual([]);

    const joined = medicalEnv();
    traffic(joined, START + 10 * HOUR, 60, 3);
    joined.restart();
    traffic(joined, START + 12 * HOUR, 40, 0);
    joined.advance('2d');
    expect(findingsOf(joined, 'M6').map((f) => f.observed)).toEqual([expect.objectContaining({ n: 100, outside: 3 })]);
  });
});
