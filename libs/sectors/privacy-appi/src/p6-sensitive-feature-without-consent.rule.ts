import { defineRule, Type } from '@kanshi/policy-sdk';
import { APPI, categoriesIn, dataUsageOf, NamesArg, purposeIn, scopeOf, text } from './privacy-rule-support';

/**
 * P6: sensitive (special-care-required) data feeds a model, for training or as an inference
 * feature, without a `consent_ref`. A `legal_basis` in `exemptLegalBases` (the APPI's narrow
 * exceptions, e.g. a legal obligation) stands in for consent; none is exempt by default. One
 * scope per dataset.
 */
export const p6SensitiveFeatureWithoutConsent = defineRule({
  id: 'P6',
  title: 'Sensitive attribute used as a model feature without consent',
  rationale:
    'Special-care-required personal information (health, creed, criminal record …) may only be acquired and ' +
    'used with the person’s prior consent, outside narrow legal exceptions.',
  source: `${APPI} Art. 2(3) and Art. 20(2) (special care-required personal information: prior consent)`,
  defaultSeverity: 'critical',
  reads: ['data_usage'],
  args: Type.Object({
    sensitiveCategories: NamesArg(['sensitive'], 'Data categories that are special-care-required information.'),
    featurePurposes: NamesArg(['training', 'retraining', 'fine_tuning', 'inference', 'feature_engineering'], 'data_usage purposes in which data serves as model features.'),
    exemptLegalBases: NamesArg([], 'legal_basis values that allow the use without consent.'),
  }),
  evaluate: ({ event, args }) => {
    const usage = dataUsageOf(event.payload);
    if (!purposeIn(usage, args.featurePurposes)) return undefined;
    const sensitive = categoriesIn(usage, args.sensitiveCategories);
    if (sensitive.length === 0 || text(event.payload, 'consent_ref') !== undefined) return undefined;
    if (usage.legalBasis !== undefined && args.exemptLegalBases.includes(usage.legalBasis)) return undefined;
    return {
      scope: scopeOf('dataset', usage.datasetId),
      observed: { dataset_id: usage.datasetId, purpose: usage.purpose, sensitive_categories: sensitive, legal_basis: usage.legalBasis ?? null },
    };
  },
});
