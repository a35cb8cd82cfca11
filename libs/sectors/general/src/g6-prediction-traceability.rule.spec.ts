import { HOUR_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, generalEnv, sendMany, START } from './general-test-kit';

const JUDGED = START + HOUR_MS + 5 * 60_000;
const traced = (i: number) => ({ event_type: 'prediction' as const, trace_id: `t-${i}`, model_version: '3.1', payload: { input_hash: `sha256:${i}` } });

describe('G6 prediction traceability', () => {
  it('fires below 99.9% traced, naming the missing fields', () => {
    const env = generalEnv();
    sendMany(env, 1000, START, (i) => {
      if (i === 0) return { event_type: 'prediction', model_version: '3.1', payload: { input_hash: 'sha256:0' } };
      if (i === 1) return { event_type: 'prediction', trace_id: 't-1', model_version: '3.1', payload: {} };
      return traced(i);
    });
    env.advanceTo(JUDGED - 1);
    expect(findingsOf(env, 'G6')).toEqual([]);
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G6').map((f) => [f.severity, f.occurrence, f.observed])).toEqual([
      [
        'high',
        at(START),
        {
          traced_share: 0.998,
          predictions: 1000,
          untraced: 2,
          missing: { trace_id: 1, model_version: 0, input_hash: 1 },
          window_start: at(START),
          window_end: at(START + HOUR_MS),
        },
      ],
    ]);
  });

  it('does not fire at exactly 99.9%, and reports clear', () => {
    const env = generalEnv();
    sendMany(env, 1000, START, (i) => (i === 0 ? { event_type: 'prediction', trace_id: 't-0', payload: { input_hash: 'h' } } : traced(i)));
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G6')).toEqual([]);
    expect(clearsOf(env, 'G6')).toHaveLength(1);
  });

  it('counts blank fields as missing, and judges a low-volume hour only by a conclusive sample', () => {
    const env = generalEnv();
    sendMany(env, 99, START, () => ({ event_type: 'prediction', payload: {} }));
    sendMany(env, 100, START + HOUR_MS, (i) => ({ ...traced(i), payload: { input_hash: i < 1 ? ' ' : 'h' } }));
    sendMany(env, 30, START + 2 * HOUR_MS, (i) => traced(i));
    env.advance('4h');

    expect(findingsOf(env, 'G6').map((f) => [f.occurrence, (f.observed as { missing: unknown }).missing, (f.observed as { judged_by?: string }).judged_by])).toEqual([
      [at(START), { trace_id: 99, model_version: 99, input_hash: 99 }, 'wilson_upper_95'],
      [at(START + HOUR_MS), { trace_id: 0, model_version: 0, input_hash: 1 }, undefined],
    ]);
    // 30 traced of 30 cannot show 99.9 %: not judged, and said so, never counted as passing.
    expect(env.insufficient.map((i) => [i.rule.rule.id, (i.observed as { window_start: string }).window_start])).toEqual([['G6', at(START + 2 * HOUR_MS)]]);
    expect(clearsOf(env, 'G6')).toEqual([]);
  });

  it('keeps the hour across a restart', () => {
    const env = generalEnv();
    sendMany(env, 60, START, (i) => traced(i));
    env.restart();
    sendMany(env, 40, START + HOUR_MS / 2, () => ({ event_type: 'prediction', payload: {} }));
    env.restart();
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G6').map((f) => f.observed)).toEqual([expect.objectContaining({ predictions: 100, untraced: 40 })]);
  });
});
