import { Arg, defineRule, Evidence, Stats, Type, Windows, type WindowedState } from '@kanshi/policy-sdk';
import { tumbling } from './general-rule-support';

const args = Type.Object({
  maxPerThousand: Type.Number({ default: 10, minimum: 0, description: 'Most guardrail or safety-filter violations tolerated per 1,000 responses.' }),
  ...Arg.window({ window: '24h', lateness: '1h', minSamples: 1000 }, 'responses'),
});

const plan = tumbling;

/**
 * G9: how often the model's responses trip a guardrail or safety filter. Every prediction is a
 * response; it counts as a violation when its payload carries `guardrail_violation: true`
 * (an optional field outside the contract's named ones: the response was blocked or flagged
 * by a guardrail or safety filter). A missing or non-boolean field counts as no violation.
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
    if (responses < a.minSamples) return undefined;
    const perThousand = (violations / responses) * 1000;
    if (!Stats.above(perThousand, a.maxPerThousand)) return { kind: 'clear' };
    return { occurrence: judged.occurrence, observed: { per_thousand: Evidence.rounded(perThousand, 3), violations, responses, ...Evidence.window(judged) } };
  },
});
