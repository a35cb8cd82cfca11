import { Arg, defineRule, Evidence, Stats, Type, Windows, type WindowedState, type WindowPlan } from '@kanshi/policy-sdk';
import { FSA_AI_PAPER } from './finance-rule-helpers';

const plan = (a: { window: string; lateness: string }): WindowPlan => ({ bucket: a.window, lateness: a.lateness });

/**
 * F11: share of customer-facing generated responses that are grounded in, and cite, approved
 * sources. Counts predictions with `generative: true` that are customer-facing
 * (`customer_facing`, an optional field outside the v1 contract; absent counts as customer-facing
 * unless `assumeCustomerFacing` is off). A response is grounded only when `grounded` (also
 * outside the v1 contract) is `true`: a missing flag counts as not grounded, since the check is
 * about the evidence being there. Judged per `window` at its end plus `lateness`; a window
 * with fewer than `minSamples` responses only when the sample is conclusive, else it is
 * reported as insufficient data.
 */
export const f11GenerativeGrounding = defineRule({
  id: 'F11',
  title: 'Customer-facing generative AI: too few grounded, cited responses',
  rationale:
    'Generated answers to customers about financial products must rest on the bank’s approved sources; ' +
    'ungrounded answers risk misleading customers.',
  source: `${FSA_AI_PAPER} (generative AI, customer protection)`,
  defaultSeverity: 'medium',
  reads: ['prediction'],
  args: Type.Object({
    minShare: Type.Number({ default: 0.95, minimum: 0, maximum: 1, description: 'Least share of grounded, cited responses.' }),
    ...Arg.shareWindow({ window: '24h', lateness: '15m', minSamples: 50 }, 'responses'),
    assumeCustomerFacing: Type.Boolean({ default: true, description: 'Count generated responses without a customer_facing flag as customer-facing.' }),
  }),
  window: Windows.spec('tumbling'),
  recovery: { clearFor: '1d' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, args, timers }) => {
    const facing = event.payload['customer_facing'];
    if (event.payload['generative'] !== true || facing === false || (facing !== true && !args.assumeCustomerFacing)) return undefined;
    Windows.count(state, plan(args), time, timers, { responses: 1, grounded: event.payload['grounded'] === true ? 1 : 0 });
    return undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const judged = Windows.judge(state, plan(args), timer.name);
    if (!judged) return undefined;
    const { responses = 0, grounded = 0 } = judged.totals;
    const judgement = Stats.shareAtLeast(grounded, responses, args.minShare, args.minSamples);
    if (!judgement) return undefined;
    const observed = { share: judgement.share, responses, grounded, ...Evidence.sample(judgement, args.minSamples), ...Evidence.window(judged) };
    if (judgement.verdict === 'insufficient') return { kind: 'insufficient', observed };
    return judgement.verdict === 'fail' ? { occurrence: judged.occurrence, observed } : { kind: 'clear' };
  },
});
