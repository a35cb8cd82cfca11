import { Arg, defineRule, Field, HOUR_MS, Type, type RuleFinding } from '@kanshi/policy-sdk';
import { FSA_MRM, iso, norm, scopeOf } from './finance-rule-helpers';

/**
 * F10: a prediction for a segment, product or use outside the model's approved use scope.
 * The prediction's `use_scope` and `segment` (the `fields` argument) are each compared,
 * case-insensitively, with the inventory's `approvedUseScope`; a prediction with neither field
 * is not judged. One scope per value (`use-scope:<value>`) and one finding per value and hour
 * (occurrence: the hour), so heavy misuse is one alert, not one finding per request. When the
 * inventory records no approved scope, that is reported instead (scope `use-scope:not-recorded`).
 */
export const f10UseOutsideApprovedScope = defineRule({
  id: 'F10',
  title: 'Request segment or product outside the approved use scope',
  rationale:
    'A model is approved and validated for specific products and customer segments; using it elsewhere ' +
    'applies it where its performance has never been established.',
  source: `${FSA_MRM}, principles 2 and 4 (inventory, approval for intended use)`,
  defaultSeverity: 'high',
  reads: ['prediction'],
  args: Type.Object({
    fields: Arg.names(['use_scope', 'segment'], 'Prediction payload fields compared with the approved use scope.'),
    reportUnrecordedScope: Type.Boolean({ default: true, description: 'Report predictions of a model whose inventory records no approved use scope.' }),
  }),
  evaluate: ({ event, time, model, args }) => {
    if (!model) return undefined;
    const values = [...new Set(args.fields.map((f) => Field.text(event.payload, f)).filter((v): v is string => v !== undefined))];
    if (values.length === 0) return undefined;
    const hour = iso(Math.floor(time / HOUR_MS) * HOUR_MS);
    if (model.approvedUseScope.length === 0) {
      return args.reportUnrecordedScope ? { scope: 'use-scope:not-recorded', occurrence: hour, observed: { values, approved_use_scope: [] } } : undefined;
    }
    const approved = new Set(model.approvedUseScope.map(norm));
    return values
      .filter((v) => !approved.has(norm(v)))
      .map((value): RuleFinding => ({
        scope: scopeOf('use-scope', norm(value)),
        occurrence: `${norm(value)}@${hour}`.slice(0, 200),
        observed: { value, approved_use_scope: model.approvedUseScope.slice(0, 50) },
      }));
  },
});
