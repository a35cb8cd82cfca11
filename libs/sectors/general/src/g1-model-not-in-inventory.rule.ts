import { defineRule, Type } from '@kanshi/policy-sdk';

/**
 * G1: telemetry from a model nobody registered. Without an inventory entry there is no owner,
 * risk tier or intended use, so none of the other checks can be trusted.
 */
export const g1ModelNotInInventory = defineRule({
  id: 'G1',
  title: 'Model has no inventory entry',
  rationale:
    'Every model in use must be registered with an owner, a risk tier and an intended use; ' +
    'an unregistered model escapes governance, validation and monitoring.',
  source: 'AI Guidelines for Business v1.1 (governance, accountability); AI Promotion Act Basic Plan',
  defaultSeverity: 'high',
  reads: 'all',
  args: Type.Object({}),
  evaluate: ({ event, model }) =>
    model === undefined
      ? { observed: { model_id: event.model_id, model_version: event.model_version ?? null, event_type: event.event_type } }
      : undefined,
});
