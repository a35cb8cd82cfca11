import { Arg, defineRule, Evidence, Stats, Type, Windows, type WindowedState } from '@kanshi/policy-sdk';
import { tumbling } from './general-rule-support';

const args = Type.Object({
  maxPerThousand: Type.Number({ default: 10, minimum: 0, description: 'Most guardrail or safety-filter violations tolerated per 1,000 responses.' }),
  ...Arg.shareWindow({ window: '24h', lateness: '1h', minSamples: 1000 }, 'responses'),
});

const plan = tumbling;

/**
 * G9: how often the model's responses trip a guardrail or safety filter. Every prediction is a
 * response; it counts as a violation when its payload carries `guardrail_violation: true`
 * (an optional field outside the contract's named ones: the response was blocked or flagged
 * by a guardrail or safety filter). A missing or non-boolean field counts as no violation. A
 * window with fewer than `minSamples` responses is judged only when the sample is conclusive,
 * and is otherwise reported as insufficient data.
 */
export const g9GuardrailViolationRate = defineRule({
  id: 'G9',
  title: 'Guardrail or safety-filter violations above the tolerated rate',
  rationale:
    'A rising share of responses caught by guardrails or safety filters shows the model is producing unsafe ' +
    'output more often than tolerated; the safety principle requires acting on it, not only filtering.',
  source: 'AI Guidelines for Business v1.1 (safety, security); G7 Hiroshima Process reporting framework (risk identification and mitigation)',
  defaultSeverity: 'medium',
  reads: ['prediction'],
  args,
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '24h' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, timers, args: a }) => {
    const violations = event.payload['guardrail_violation'] === true ? 1 : 0;
    Windows.count(state, plan(a), time, timers, { responses: 1, violations });
    return undefined;
  },
  onTimer: ({ timer, state, args: a }) => {
    const judged = Windows.judge(state, plan(a), timer.name);
    if (!judged) return undefined;
    const { responses = 0, violations = 0 } = judged.totals;
    const judgement = Stats.shareAtMost(violations, responses, a.maxPerThousand / 1000, a.minSamples);
    if (!judgement) return undefined;
    const observed = { per_thousand: Evidence.rounded(judgement.share * 1000, 3), violations, responses, ...Evidence.sample(judgement, a.minSamples), ...Evidence.window(judged) };
    if (judgement.verdict === 'insufficient') return { kind: 'insufficient', observed };
    if (judgement.verdict === 'pass') return { kind: 'clear' };
    return { occurrence: judged.occurrence, observed };
  },
});
