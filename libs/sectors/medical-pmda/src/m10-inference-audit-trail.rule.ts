import { Arg, defineRule, Evidence, Field, Stats, Type, Windows, type WindowedState } from '@kanshi/policy-sdk';
import { tumblingPlan } from './medical-rule-support';

/**
 * M10: too few inferences leave a complete audit record: device software version (envelope
 * `model_version`), input id (`input_hash`), output (`output`, `score` or `decision`) and the
 * clinician's action (`clinician_action`, an optional prediction field the contract does not
 * define yet). The check is about the fields being there, so a missing one makes the inference
 * incomplete. Judged once per window at its close, with the count of each missing part. A
 * device with few inferences is still judged: a window with fewer than `minSamples` is decided
 * when the sample is conclusive (30 incomplete of 30 fires), else reported as insufficient data.
 */
export const m10InferenceAuditTrail = defineRule({
  id: 'M10',
  title: 'Per-inference audit trail incomplete',
  rationale:
    'Every output of AI medical device software must be traceable to the device version, the input ' +
    'and what the clinician did with it, for post-market surveillance and incident investigation.',
  source: 'PMD Act post-market safety management (GVP) and quality management (QMS) record duties',
  defaultSeverity: 'high',
  reads: ['prediction'],
  args: Type.Object({
    minShare: Type.Number({ default: 0.999, minimum: 0, maximum: 1, description: 'Smallest share of inferences with a complete audit record.' }),
    minSamples: Type.Integer({
      default: 100,
      minimum: 1,
      description: 'Inferences in a window for the share itself to decide; with fewer, only a sample conclusive at 95 % (Wilson bound) fires or clears, and any other closes the window as insufficient data.',
    }),
    window: Arg.duration('1h', 'Tumbling window judged at its close.'),
    lateness: Arg.duration('5m', 'How long after a window ends inferences for it still count.'),
  }),
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '24h' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, args, state, timers }) => {
    const { payload } = event;
    const parts = {
      missingVersion: event.model_version === undefined || event.model_version.trim() === '',
      missingInputId: Field.text(payload, 'input_hash') === undefined,
      missingOutput: payload['output'] === undefined && payload['score'] === undefined && payload['decision'] === undefined,
      missingClinicianAction: Field.text(payload, 'clinician_action') === undefined,
    };
    const tallies: Record<string, number> = { n: 1, complete: Object.values(parts).some(Boolean) ? 0 : 1 };
    for (const [name, missing] of Object.entries(parts)) tallies[name] = missing ? 1 : 0;
    Windows.count(state, tumblingPlan(args), time, timers, tallies);
    return undefined;
  },
  onTimer: ({ timer, args, state }) => {
    const window = Windows.judge(state, tumblingPlan(args), timer.name);
    if (!window) return undefined;
    const { n = 0, complete = 0, missingVersion = 0, missingInputId = 0, missingOutput = 0, missingClinicianAction = 0 } = window.totals;
    const judgement = Stats.shareAtLeast(complete, n, args.minShare, args.minSamples);
    if (!judgement) return undefined;
    const observed = {
      share: judgement.share,
      n,
      complete,
      missing: { version: missingVersion, input_id: missingInputId, output: missingOutput, clinician_action: missingClinicianAction },
      ...Evidence.sample(judgement, args.minSamples),
      ...Evidence.window(window),
    };
    if (judgement.verdict === 'insufficient') return { kind: 'insufficient', observed };
    return judgement.verdict === 'fail' ? { occurrence: window.occurrence, observed } : { kind: 'clear' };
  },
});
