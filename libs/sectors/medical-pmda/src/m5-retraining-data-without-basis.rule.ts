import { Arg, defineRule, Field, Type } from '@kanshi/policy-sdk';

/**
 * M5: data is used to retrain the device model without a consent or legal-basis reference, or
 * without a data-quality report. The check is about the references being present, so a missing
 * field is a finding. `data_quality_report_ref` is an optional field of `data_usage` that the
 * contract does not define yet. One scope per dataset.
 */
export const m5RetrainingDataWithoutBasis = defineRule({
  id: 'M5',
  title: 'Retraining data used without consent/basis or data-quality report',
  rationale:
    'Patient data used to retrain a medical device needs a documented consent or legal basis, and ' +
    'training data quality is part of the change-plan evidence PMDA reviews.',
  source: 'PMD Act change-plan confirmation (data management in the plan), MHLW AI Q&A (Mar 2022); APPI',
  defaultSeverity: 'high',
  reads: ['data_usage'],
  args: Type.Object({
    purposes: Arg.names(['training', 'retraining', 'fine_tuning'], 'Purposes that count as (re)training.'),
  }),
  evaluate: ({ event, args }) => {
    const { payload } = event;
    const purpose = Field.text(payload, 'purpose');
    if (purpose === undefined || !args.purposes.includes(purpose)) return undefined;
    const missing = [
      ...(Field.text(payload, 'consent_ref') === undefined && Field.text(payload, 'legal_basis') === undefined ? ['consent_or_basis_ref'] : []),
      ...(Field.text(payload, 'data_quality_report_ref') === undefined ? ['data_quality_report_ref'] : []),
    ];
    if (missing.length === 0) return undefined;
    const datasetId = Field.text(payload, 'dataset_id') ?? 'unknown-dataset';
    return { scope: `dataset:${datasetId}`.slice(0, 200), observed: { dataset_id: datasetId, purpose, missing } };
  },
});
