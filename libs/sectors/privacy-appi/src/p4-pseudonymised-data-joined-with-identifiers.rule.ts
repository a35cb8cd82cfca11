import { defineRule, Type } from '@kanshi/policy-sdk';
import { APPI, categoriesIn, dataUsageOf, NamesArg, purposeIn, scopeOf } from './privacy-rule-support';

/**
 * P4: pseudonymised data is joined with identifying data, i.e. re-identified. Telemetry: a
 * `data_usage` event whose `purpose` is a join (`join`, `linkage` …) and whose
 * `data_categories` hold both a pseudonymised category and an identifying one (`personal`,
 * `biometric`). One scope per dataset (the joined result).
 */
export const p4PseudonymisedDataJoinedWithIdentifiers = defineRule({
  id: 'P4',
  title: 'Pseudonymised data joined with identifiers (re-identification)',
  rationale:
    'Pseudonymously processed information must never be combined with other information to identify the ' +
    'person; a join with identifying data is exactly that.',
  source: `${APPI} Art. 41(7) (prohibition of re-identification of pseudonymously processed information)`,
  defaultSeverity: 'critical',
  reads: ['data_usage'],
  args: Type.Object({
    joinPurposes: NamesArg(['join', 'linkage', 'record_linkage'], 'data_usage purposes that mean datasets are joined.'),
    pseudonymisedCategories: NamesArg(['pseudonymised'], 'Data categories that mark pseudonymised data.'),
    identifierCategories: NamesArg(['personal', 'biometric'], 'Data categories that carry identifiers.'),
  }),
  evaluate: ({ event, args }) => {
    const usage = dataUsageOf(event.payload);
    if (!purposeIn(usage, args.joinPurposes)) return undefined;
    const pseudonymised = categoriesIn(usage, args.pseudonymisedCategories);
    const identifying = categoriesIn(usage, args.identifierCategories);
    if (pseudonymised.length === 0 || identifying.length === 0) return undefined;
    return {
      scope: scopeOf('dataset', usage.datasetId),
      observed: { dataset_id: usage.datasetId, purpose: usage.purpose, pseudonymised_categories: pseudonymised, identifier_categories: identifying },
    };
  },
});
