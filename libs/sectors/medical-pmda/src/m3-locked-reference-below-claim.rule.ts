import { Arg, defineRule, Field, Type } from '@kanshi/policy-sdk';

/**
 * M3: a metric measured on the locked reference set (the test set frozen at approval, re-run
 * after every update) falls short of the approved claim. Metrics without `approved_claim` cannot
 * be judged and are skipped. Error-type metrics (lower is better) are listed in an argument.
 * Each metric and subgroup is its own scope.
 */
export const m3LockedReferenceBelowClaim = defineRule({
  id: 'M3',
  title: 'Locked-reference-set performance below the approved claim after an update',
  rationale:
    'A change under the change plan must not degrade performance: the updated device has to meet ' +
    'the approved claim on the locked reference set before it is used on patients.',
  source: 'PMD Act Art. 23-2-10-2 (change plan: performance must not degrade); MHLW AI Q&A (Mar 2022)',
  defaultSeverity: 'critical',
  reads: ['performance_metric'],
  args: Type.Object({
    lowerIsBetter: Arg.names(
      ['false_positive_rate', 'false_negative_rate', 'error_rate', 'fpr', 'fnr', 'mae', 'rmse'],
      'Metrics where a higher value is worse: these break the claim by exceeding it.',
    ),
  }),
  evaluate: ({ event, model, args }) => {
    const { payload } = event;
    if (payload['dataset_ref'] !== 'locked_reference') return undefined;
    const metric = Field.text(payload, 'metric');
    const value = Field.number(payload, 'value');
    const claim = Field.number(payload, 'approved_claim');
    if (metric === undefined || value === undefined || claim === undefined) return undefined;
    const lowerIsBetter = args.lowerIsBetter.includes(metric);
    if (lowerIsBetter ? value <= claim : value >= claim) return undefined;
    const subgroup = Field.text(payload, 'subgroup');
    return {
      scope: subgroup === undefined ? metric : `${metric}/${subgroup}`,
      observed: {
        metric,
        value,
        approved_claim: claim,
        direction: lowerIsBetter ? 'lower_is_better' : 'higher_is_better',
        subgroup: subgroup ?? null,
        n: Field.number(payload, 'n') ?? null,
        version: event.model_version ?? model?.deployedVersion ?? null,
      },
    };
  },
});
