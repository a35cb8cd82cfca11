import { Arg, defineRule, Evidence, Field, Stats, Type, Windows, type WindowedState } from '@kanshi/policy-sdk';
import { tumbling } from './general-rule-support';

const args = Type.Object({
  minTracedShare: Type.Number({ default: 0.999, minimum: 0, maximum: 1, description: 'Lowest tolerated share of predictions carrying a trace id, a model version and an input hash.' }),
  ...Arg.shareWindow({ window: '1h', lateness: '5m', minSamples: 100 }, 'predictions'),
});

const plan = tumbling;

/**
 * G6: every prediction must be traceable. A prediction counts as traced when the envelope
 * carries `trace_id` and `model_version` and the payload carries `input_hash`; a missing or
 * blank field makes it untraced (the check is about those fields being there). `observed`
 * says which field was missing how often. A window with fewer than `minSamples` predictions is
 * judged only when the sample is conclusive, and is otherwise reported as insufficient data.
 */
export const g6PredictionTraceability = defineRule({
  id: 'G6',
  title: 'Predictions without trace id, model version or input hash',
  rationale:
    'Without a trace id, model version and input hash a decision cannot be reconstructed or explained afterwards, ' +
    'which defeats accountability and the record that shows reasonable care.',
  source: 'AI Guidelines for Business v1.1 (accountability, transparency: traceability); Appropriateness Guideline (Dec 2025): governance',
  defaultSeverity: 'high',
  reads: ['prediction'],
  args,
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '1h' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, timers, args: a }) => {
    const noTrace = event.trace_id === undefined || event.trace_id.trim() === '' ? 1 : 0;
    const noVersion = event.model_version === undefined || event.model_version.trim() === '' ? 1 : 0;
    const noInputHash = Field.text(event.payload, 'input_hash') === undefined ? 1 : 0;
    const traced = noTrace + noVersion + noInputHash === 0 ? 1 : 0;
    Windows.count(state, plan(a), time, timers, { predictions: 1, traced, no_trace_id: noTrace, no_model_version: noVersion, no_input_hash: noInputHash });
    return undefined;
  },
  onTimer: ({ timer, state, args: a }) => {
    const judged = Windows.judge(state, plan(a), timer.name);
    if (!judged) return undefined;
    const { predictions = 0, traced = 0, no_trace_id = 0, no_model_version = 0, no_input_hash = 0 } = judged.totals;
    const judgement = Stats.shareAtLeast(traced, predictions, a.minTracedShare, a.minSamples);
    if (!judgement) return undefined;
    const observed = {
      traced_share: Evidence.rounded(judgement.share),
      predictions,
      untraced: predictions - traced,
      missing: { trace_id: no_trace_id, model_version: no_model_version, input_hash: no_input_hash },
      ...Evidence.sample(judgement, a.minSamples),
      ...Evidence.window(judged),
    };
    if (judgement.verdict === 'insufficient') return { kind: 'insufficient', observed };
    if (judgement.verdict === 'pass') return { kind: 'clear' };
    return { occurrence: judged.occurrence, observed };
  },
});
