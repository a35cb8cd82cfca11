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

  it('judges nothing under the minimum sample, and keeps hours apart', () => {
    const env = generalEnv();
    sendMany(env, 99, START, () => generated(false));
    sendMany(env, 100, START + HOUR_MS, () => generated(true));
    env.advance('3h');

    expect(findingsOf(env, 'G5')).toEqual([]);
    expect(clearsOf(env, 'G5').map((c) => at(c.time))).toEqual([at(JUDGED + HOUR_MS)]);
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
