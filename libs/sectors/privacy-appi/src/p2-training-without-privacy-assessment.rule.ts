import { defineRule, Type } from '@kanshi/policy-sdk';
import { APPI, categoriesIn, dataUsageOf, NamesArg, PERSONAL_CATEGORIES, purposeIn, scopeOf, text, TRAINING_PURPOSES } from './privacy-rule-support';

/**
 * P2: personal data goes into training without a privacy-assessment (DPIA) reference, neither
 * on the `data_usage` event (`privacy_assessment_ref`) nor in the model's inventory entry
 * (`privacyAssessmentRefs`). A model missing from the inventory has no reference. One scope
 * per dataset.
 */
export const p2TrainingWithoutPrivacyAssessment = defineRule({
  id: 'P2',
  title: 'Training use of personal data without a privacy assessment (DPIA)',
  rationale:
    'A documented privacy impact assessment is the internal control that shows the risks of training on ' +
    'personal data were weighed before the data was used.',
  source: `${APPI} (security control measures, Art. 23); PPC guidance on privacy impact assessments`,
  defaultSeverity: 'critical',
  reads: ['data_usage'],
  args: Type.Object({
    trainingPurposes: NamesArg(TRAINING_PURPOSES, 'data_usage purposes that count as training.'),
    personalCategories: NamesArg(PERSONAL_CATEGORIES, 'Data categories that need an assessment before training.'),
  }),
  evaluate: ({ event, args, model }) => {
    const usage = dataUsageOf(event.payload);
    if (!purposeIn(usage, args.trainingPurposes)) return undefined;
    const personal = categoriesIn(usage, args.personalCategories);
    if (personal.length === 0) return undefined;
    if (text(event.payload, 'privacy_assessment_ref') !== undefined || (model?.privacyAssessmentRefs.length ?? 0) > 0) return undefined;
    return {
      scope: scopeOf('dataset', usage.datasetId),
      observed: { dataset_id: usage.datasetId, purpose: usage.purpose, personal_categories: personal, model_in_inventory: model !== undefined },
    };
  },
});
