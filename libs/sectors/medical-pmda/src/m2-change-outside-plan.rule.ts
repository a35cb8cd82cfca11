import { Arg, defineRule, durationMs, Field, Type } from '@kanshi/policy-sdk';

/**
 * M2: a deployment reports a change type its change plan does not cover. The plan recorded in
 * the inventory wins; the deployment's own `change_plan_scope` is used only when the inventory
 * has none. A change with no plan on either side is outside every plan. A deployment without
 * `change_type` (a first installation, a redeploy) is not a change and is skipped. The finding
 * carries the legal clock: a partial-change approval or a minor-change notification is due
 * within 30 days of the change (the deployment's time), `dueAt`.
 */
export const m2ChangeOutsidePlan = defineRule({
  id: 'M2',
  title: 'Deployment change type outside the confirmed change plan',
  rationale:
    'Only changes inside a change plan confirmed by PMDA may go the fast route; any other change ' +
    'needs a partial-change approval or a minor-change notification before use.',
  source: 'PMD Act Art. 23-2-10-2 (change-plan confirmation, IDATEN); MHLW AI Q&A (Mar 2022)',
  defaultSeverity: 'critical',
  reads: ['model_deployment'],
  args: Type.Object({
    notifyWithin: Arg.duration('30d', 'How long after the change the partial-change approval or minor-change notification is due.'),
  }),
  evaluate: ({ event, model, time, args }) => {
    const changeType = Field.text(event.payload, 'change_type');
    if (changeType === undefined) return undefined;
    const reported = event.payload['change_plan_scope'];
    const reportedScope = Array.isArray(reported) ? reported.filter((s): s is string => typeof s === 'string') : undefined;
    const plan = model?.changePlan
      ? { ref: model.changePlan.ref, scope: model.changePlan.scope, from: 'inventory' }
      : reportedScope
        ? { ref: Field.text(event.payload, 'change_plan_ref') ?? null, scope: reportedScope, from: 'deployment' }
        : undefined;
    if (plan && plan.scope.includes(changeType)) return undefined;
    const dueAt = new Date(time + durationMs(args.notifyWithin));
    return {
      dueAt,
      observed: {
        change_type: changeType,
        version: Field.text(event.payload, 'version') ?? null,
        change_plan_ref: plan?.ref ?? null,
        plan_scope: plan?.scope.slice(0, 64) ?? [],
        plan_from: plan?.from ?? 'none',
        changed_at: new Date(time).toISOString(),
        notification_due: dueAt.toISOString(),
      },
    };
  },
});
