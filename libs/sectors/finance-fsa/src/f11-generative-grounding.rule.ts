import { CountWindow, defineRule, durationMs, Type } from '@kanshi/policy-sdk';
import { closeWindow, countInWindow, durationArg, fallsBelow, FSA_AI_PAPER, iso, latenessArg, type WindowedState } from './finance-rule-helpers';

/**
 * F11: share of customer-facing generated responses that are grounded in, and cite, approved
 * sources. Counts predictions with `generative: true` that are customer-facing
 * (`customer_facing`, an optional field outside the v1 contract; absent counts as customer-facing
 * unless `assumeCustomerFacing` is off). A response is grounded only when `grounded` (also
 * outside the v1 contract) is `true`: a missing flag counts as not grounded, since the check is
 * about the evidence being there. Judged per `window` at its end plus `lateness`.
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
    window: durationArg('24h', 'Window the share is judged over.'),
    lateness: latenessArg('15m'),
    minSamples: Type.Integer({ default: 50, minimum: 1, description: 'Fewest responses in a window before it is judged.' }),
    assumeCustomerFacing: Type.Boolean({ default: true, description: 'Count generated responses without a customer_facing flag as customer-facing.' }),
  }),
  window: { kind: 'tumbling', size: '24h', lateness: '15m', minSamples: 50 },
  recovery: { clearFor: '1d' },
  initialState: (): WindowedState => ({ window: null }),
  evaluate: ({ event, time, state, args, timers }) => {
    const facing = event.payload['customer_facing'];
    if (event.payload['generative'] !== true || facing === false || (facing !== true && !args.assumeCustomerFacing)) return undefined;
    const retainMs = 2 * durationMs(args.window) + durationMs(args.lateness);
    countInWindow(state, { bucket: args.window, retainMs, lateness: args.lateness }, time, { responses: 1, grounded: event.payload['grounded'] === true ? 1 : 0 }, timers);
    return undefined;
  },
  onTimer: ({ timer, state, args }) => {
    const closed = closeWindow(state.window, timer.name);
    if (!closed) return undefined;
    const { responses = 0, grounded = 0 } = CountWindow.bucket(closed.window, closed.start);
    if (responses < args.minSamples) return undefined;
    const share = grounded / responses;
    return fallsBelow(share, args.minShare)
      ? { occurrence: iso(closed.start), observed: { share, responses, grounded, windowStart: iso(closed.start), windowEnd: iso(closed.end) } }
      : { kind: 'clear' };
  },
});
