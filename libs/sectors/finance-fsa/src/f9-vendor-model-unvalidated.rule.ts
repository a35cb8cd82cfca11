import { DAY_MS, defineRule, Field, Type } from '@kanshi/policy-sdk';
import { FSA_AI_PAPER, FSA_MRM, iso } from './finance-rule-helpers';

interface F9State {
  /** A finding is open: the first compliant event clears it. */
  open: boolean;
}

/**
 * F9: a third-party model in use without a reference to the vendor's validation evidence.
 * Third party when the inventory says so or a deployment reports `third_party: true`; the
 * reference is the inventory's `vendorValidationRef`, else the deployment's
 * `vendor_validation_ref`. Judged on every deployment (one finding each) and on predictions
 * (one finding per day of use, so a model deployed before monitoring began is caught too).
 * The first compliant event after a finding clears it.
 */
export const f9VendorModelUnvalidated = defineRule({
  id: 'F9',
  title: 'Third-party model without vendor validation reference',
  rationale:
    'Vendor models are subject to the same validation as in-house ones; the bank must hold evidence of ' +
    'the vendor’s validation before relying on the model.',
  source: `${FSA_MRM}, principle 7 (vendor and third-party models); ${FSA_AI_PAPER} (vendors)`,
  defaultSeverity: 'high',
  reads: ['model_deployment', 'prediction'],
  args: Type.Object({
    judgePredictions: Type.Boolean({ default: true, description: 'Also judge models in use that have not been redeployed (once a day).' }),
  }),
  recovery: { clearFor: '1h' },
  initialState: (): F9State => ({ open: false }),
  evaluate: ({ event, time, model, state, args }) => {
    if (!model) return undefined;
    const deployment = event.event_type === 'model_deployment';
    if (!deployment && !args.judgePredictions) return undefined;
    const thirdParty = model.thirdParty || (deployment && event.payload['third_party'] === true);
    const ref = model.vendorValidationRef ?? (deployment ? Field.text(event.payload, 'vendor_validation_ref') : undefined);
    if (!thirdParty || (ref !== undefined && ref.trim() !== '')) {
      if (!state.open) return undefined;
      state.open = false;
      return { kind: 'clear' };
    }
    state.open = true;
    const observed = { third_party: true, vendor: model.vendor, vendor_validation_ref: null, trigger: event.event_type };
    return deployment ? { observed } : { observed, occurrence: `in-use:${iso(Math.floor(time / DAY_MS) * DAY_MS)}` };
  },
});
