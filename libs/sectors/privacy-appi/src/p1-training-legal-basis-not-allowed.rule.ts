import { defineRule, Type } from '@kanshi/policy-sdk';
import { APPI, APPI_2026_BILL, categoriesIn, dataUsageOf, NamesArg, purposeIn, scopeOf, TRAINING_PURPOSES } from './privacy-rule-support';

/**
 * P1: a `data_usage` event puts personal data into training under a legal basis outside the
 * allowed set. The check is about the basis, so a missing `legal_basis` is a finding too
 * (reported as `null`). Pseudonymised data is left out of the default categories because the
 * APPI lets it be used internally beyond the original purpose; a tenant may add it. One scope
 * per dataset.
 */
export const p1TrainingLegalBasisNotAllowed = defineRule({
  id: 'P1',
  title: 'Personal data used for training under a legal basis outside the allowed set',
  rationale:
    'Personal data may only be used for AI training within the notified purpose, with consent, or under the ' +
    'statistical/AI-training exception; any other basis makes the training use unlawful.',
  source: `${APPI} Art. 18 (purpose of use); ${APPI_2026_BILL} (statistical/AI-training exception)`,
  defaultSeverity: 'critical',
  reads: ['data_usage'],
  args: Type.Object({
    allowedLegalBases: NamesArg(['consent', 'within_purpose', 'statistical_exception'], 'legal_basis values under which personal data may be used for training.'),
    trainingPurposes: NamesArg(TRAINING_PURPOSES, 'data_usage purposes that count as training.'),
    personalCategories: NamesArg(['personal', 'sensitive', 'biometric', 'minor'], 'Data categories that make the dataset personal data for this check.'),
  }),
  evaluate: ({ event, args }) => {
    const usage = dataUsageOf(event.payload);
    if (!purposeIn(usage, args.trainingPurposes)) return undefined;
    const personal = categoriesIn(usage, args.personalCategories);
    if (personal.length === 0) return undefined;
    if (usage.legalBasis !== undefined && args.allowedLegalBases.includes(usage.legalBasis)) return undefined;
    return {
      scope: scopeOf('dataset', usage.datasetId),
      observed: { dataset_id: usage.datasetId, purpose: usage.purpose, personal_categories: personal, legal_basis: usage.legalBasis ?? null },
    };
  },
});
