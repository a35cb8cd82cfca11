import type { TestSectorEnvironment } from '@kanshi/policy-sdk';
import { clearsOf, findingsOf, HOUR, iso, medicalEnv, START } from './medical-spec-support';

const complete = { input_hash: 'sha256:in', output: { finding: 'nodule', score: 0.82 }, clinician_action: 'confirm' };

/** `total` inferences from `from`, the first `incomplete` of them with `broken` as their payload. */
function traffic(env: TestSectorEnvironment, from: number, total: number, incomplete: number, broken: Record<string, unknown> = { input_hash: 'sha256:in', output: 1 }) {
  for (let i = 0; i < total; i++) {
    env.send({ event_type: 'prediction', model_version: '1.1.0', timestamp: iso(from + i * 1000), payload: i < incomplete ? broken : complete });
  }
}

/** The first hour is judged at its end plus the five-minute lateness. */
const JUDGED = START + HOUR + 5 * 60_000;

describe('M10 per-inference audit trail', () => {
  it('clears at 0.999 and fires high below it, at the close of the window', () => {
    const at = medicalEnv();
    traffic(at, START, 1000, 1);
    at.advanceTo(JUDGED);
    expect([findingsOf(at, 'M10'), clearsOf(at, 'M10').length]).toEqual([[], 1]);

    const below = medicalEnv();
    traffic(below, START, 1000, 2);
    below.advanceTo(JUDGED - 1);
    expect(findingsOf(below, 'M10')).toEqual([]);
    below.advanceTo(JUDGED);
    const [finding] = findingsOf(below, 'M10');
    expect(finding).toMatchObject({ severity: 'high', occurrence: iso(START) });
    expect(finding?.observed).toEqual({
      share: 0.998,
      n: 1000,
      complete: 998,
      missing: { version: 0, input_id: 0, output: 0, clinician_action: 2 },
      window_start: iso(START),
      window_end: iso(START + HOUR),
    });
  });

  it('counts each missing part, the version from the envelope and any form of output', () => {
    const env = medicalEnv();
    for (let i = 0; i < 100; i++) {
      const payload = i === 0 ? {} : i === 1 ? { ...complete, output: undefined, decision: 'refer' } : complete;
      env.send({ event_type: 'prediction', timestamp: iso(START + i), ...(i === 2 ? {} : { model_version: '1.1.0' }), payload });
    }
    env.advanceTo(JUDGED);

    // Inference 0 lacks input id, output and action; inference 2 lacks the version; inference 1 has a decision as output.
    expect(findingsOf(env, 'M10')[0]?.observed).toMatchObject({ n: 100, complete: 98, missing: { version: 1, input_id: 1, output: 1, clinician_action: 1 } });
  });

  it('judges a device with 30 inferences an hour: 30 incomplete of 30 fire, 30 complete of 30 are insufficient data, not a pass', () => {
    const env = medicalEnv();
    traffic(env, START, 30, 30);
    traffic(env, START + HOUR, 30, 0);
    env.advance('3h');

    expect(findingsOf(env, 'M10').map((f) => [f.occurrence, f.severity, f.observed])).toEqual([
      [
        iso(START),
        'high',
        { share: 0, n: 30, complete: 0, missing: { version: 0, input_id: 0, output: 0, clinician_action: 30 }, min_samples: 100, judged_by: 'wilson_upper_95', window_start: iso(START), window_end: iso(START + HOUR) },
      ],
    ]);
    expect(clearsOf(env, 'M10')).toEqual([]);
    expect(env.insufficient.map((i) => [i.rule.rule.id, (i.observed as { n: number; judged_by: string }).judged_by])).toEqual([['M10', 'too_few_samples']]);
  });

  it('judges each hour on its own, and survives a restart mid-window', () => {
    const env = medicalEnv();
    traffic(env, START + HOUR - 50_000, 50, 2);
    env.restart();
    traffic(env, START + HOUR, 100, 0);
    env.restart();
    traffic(env, START + HOUR + 200_000, 100, 1);
    env.advance('3h');

    // Hour 0 had 50 inferences, 2 incomplete (conclusive for 99.9 %); hour 1 had 200 with one incomplete.
    expect(findingsOf(env, 'M10').map((f) => [f.occurrence, (f.observed as { n: number }).n])).toEqual([
      [iso(START), 50],
      [iso(START + HOUR), 200],
    ]);
  });

  it('does not count inferences that arrive after their window was judged', () => {
    const env = medicalEnv();
    traffic(env, START, 100, 0);
    env.advanceTo(JUDGED);
    env.send({ event_type: 'prediction', timestamp: iso(START + 10), payload: {} });
    env.advance('3h');

    expect(findingsOf(env, 'M10')).toEqual([]);
    expect(clearsOf(env, 'M10')).toHaveLength(1);
  });
});
