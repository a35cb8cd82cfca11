import { Arg, defineRule, Evidence, Field, Stats, Type, Windows, type WindowedState } from '@kanshi/policy-sdk';
import { tumblingPlan } from './medical-rule-support';

/**
 * M6: too many inputs fall outside the population or device specification the device was
 * validated for. An input is outside when the prediction says `out_of_distribution: true`, or
 * when its `use_scope` is not among the model's approved use scopes (off-label use; only when
 * the inventory records them). Predictions that carry neither signal cannot be judged and are
 * not counted. Judged once per window at its close: a share of outside inputs above `maxShare`
 * is a finding, and any off-label input is one at `offLabelSeverity` whatever the share, since
 * off-label use breaks the approval itself (the 2 % tolerance is for drift out of the validated
 * population, not for use outside the indication). A window with fewer than `minSamples` judged
 * inputs and no off-label input is judged only when the sample is conclusive, else it is
 * reported as insufficient data.
 */
export const m6InputsOutsideValidatedPopulation = defineRule({
  id: 'M6',
  title: 'Inputs outside the validated population or device specification',
  rationale:
    'Performance was only shown for the validated population and indicated use; inputs outside it ' +
    'are unvalidated use of a medical device, and off-label use breaks the approval itself.',
  source: 'PMD Act (approved intended use and indications); PMDA review of AI-based SaMD',
  defaultSeverity: 'medium',
  reads: ['prediction'],
  args: Type.Object({
    maxShare: Type.Number({ default: 0.02, minimum: 0, maximum: 1, description: 'Largest share of judged inputs that may be outside.' }),
    minSamples: Type.Integer({
      default: 100,
      minimum: 1,
      description: 'Judged inputs in a window for the share itself to decide; with fewer, only a sample conclusive at 95 % (Wilson bound) fires or clears, and any other closes the window as insufficient data. Off-label inputs fire however few.',
    }),
    offLabelSeverity: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')], {
      default: 'high',
      description: 'Severity when some of the outside inputs were off-label.',
    }),
    window: Arg.duration('24h', 'Tumbling window judged at its close.'),
    lateness: Arg.duration('1h', 'How long after a window ends predictions for it still count.'),
  }),
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '48h' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, model, args, state, timers }) => {
    const { payload } = event;
    const ood = payload['out_of_distribution'];
    const useScope = Field.text(payload, 'use_scope');
    const approved = model?.approvedUseScope ?? [];
    const offLabel = useScope !== undefined && approved.length > 0 ? !approved.includes(useScope) : undefined;
    if (typeof ood !== 'boolean' && offLabel === undefined) return undefined;
    Windows.count(state, tumblingPlan(args), time, timers, {
      judged: 1,
      outside: ood === true || offLabel === true ? 1 : 0,
      outOfDistribution: ood === true ? 1 : 0,
      offLabel: offLabel === true ? 1 : 0,
    });
    return undefined;
  },
  onTimer: ({ timer, args, state }) => {
    const window = Windows.judge(state, tumblingPlan(args), timer.name);
    if (!window) return undefined;
    const { judged = 0, outside = 0, outOfDistribution = 0, offLabel = 0 } = window.totals;
    const judgement = Stats.shareAtMost(outside, judged, args.maxShare, args.minSamples);
    if (!judgement) return undefined;
    const observed = { share: judgement.share, n: judged, outside, out_of_distribution: outOfDistribution, off_label: offLabel, ...Evidence.sample(judgement, args.minSamples), ...Evidence.window(window) };
    if (offLabel > 0) return { occurrence: window.occurrence, severity: args.offLabelSeverity, observed };
    if (judgement.verdict === 'insufficient') return { kind: 'insufficient', observed };
    return judgement.verdict === 'fail' ? { occurrence: window.occurrence, observed } : { kind: 'clear' };
  },
});
