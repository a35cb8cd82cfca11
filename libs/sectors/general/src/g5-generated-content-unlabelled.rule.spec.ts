import { HOUR_MS } from '@kanshi/policy-sdk';
import { at, clearsOf, findingsOf, generalEnv, sendMany, START } from './general-test-kit';

const JUDGED = START + HOUR_MS + 5 * 60_000;
const generated = (labelled: boolean | undefined) => ({
  event_type: 'prediction' as const,
  payload: labelled === undefined ? { generative: true } : { generative: true, ai_generated_label: labelled },
});

describe('G5 generated content labelled as AI-generated', () => {
  it('fires below 99% labelled, once the hour closes plus lateness', () => {
    const env = generalEnv();
    sendMany(env, 100, START, (i) => generated(i >= 2));
    env.advanceTo(JUDGED - 1);
    expect(findingsOf(env, 'G5')).toEqual([]);
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G5').map((f) => [f.severity, f.occurrence, f.observed])).toEqual([
      ['medium', at(START), { labelled_share: 0.98, generated: 100, unlabelled: 2, window_start: at(START), window_end: at(START + HOUR_MS) }],
    ]);
  });

  it('does not fire at exactly 99%, and reports clear', () => {
    const env = generalEnv();
    sendMany(env, 100, START, (i) => generated(i >= 1));
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G5')).toEqual([]);
    expect(clearsOf(env, 'G5')).toHaveLength(1);
  });

  it('counts a missing label as unlabelled and ignores non-generative predictions', () => {
    const env = generalEnv();
    sendMany(env, 100, START, (i) => generated(i < 2 ? undefined : true));
    sendMany(env, 50, START, () => ({ event_type: 'prediction', payload: { decision: 'answer' } }));
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G5').map((f) => f.observed)).toEqual([expect.objectContaining({ generated: 100, unlabelled: 2 })]);
  });

  it('judges a low-volume hour by a conclusive sample (30 unlabelled of 30 fires), reports an inconclusive one as insufficient data, and keeps hours apart', () => {
    const env = generalEnv();
    sendMany(env, 30, START, () => generated(false));
    sendMany(env, 30, START + HOUR_MS, (i) => generated(i > 0));
    sendMany(env, 100, START + 2 * HOUR_MS, () => generated(true));
    env.advance('4h');

    expect(findingsOf(env, 'G5').map((f) => [f.occurrence, f.observed])).toEqual([
      [at(START), { labelled_share: 0, generated: 30, unlabelled: 30, min_samples: 100, judged_by: 'wilson_upper_95', window_start: at(START), window_end: at(START + HOUR_MS) }],
    ]);
    expect(env.insufficient.map((i) => [i.rule.rule.id, i.scope, i.observed])).toEqual([
      ['G5', 'model', { labelled_share: 0.966667, generated: 30, unlabelled: 1, min_samples: 100, judged_by: 'too_few_samples', window_start: at(START + HOUR_MS), window_end: at(START + 2 * HOUR_MS) }],
    ]);
    expect(clearsOf(env, 'G5').map((c) => at(c.time))).toEqual([at(JUDGED + 2 * HOUR_MS)]);
  });

  it('counts only generated content shown to people: customer_facing false is left out', () => {
    const env = generalEnv();
    sendMany(env, 100, START, (i) => (i < 50 ? { ...generated(false), payload: { generative: true, customer_facing: false } } : generated(true)));
    sendMany(env, 100, START + HOUR_MS, (i) => (i < 2 ? { ...generated(false), payload: { generative: true, customer_facing: true } } : generated(true)));
    env.advance('3h');

    expect(findingsOf(env, 'G5').map((f) => [f.occurrence, (f.observed as { generated: number; unlabelled: number }).unlabelled])).toEqual([[at(START + HOUR_MS), 2]]);
  });

  it('keeps the hour across a restart', () => {
    const env = generalEnv();
    sendMany(env, 50, START, () => generated(false));
    env.restart();
    sendMany(env, 50, START + HOUR_MS / 2, () => generated(true));
    env.restart();
    env.advanceTo(JUDGED);

    expect(findingsOf(env, 'G5').map((f) => f.observed)).toEqual([expect.objectContaining({ labelled_share: 0.5, generated: 100 })]);
  });
});
