import { defineRule, Type } from '@kanshi/policy-sdk';
import { APPI_2026_BILL, categoriesIn, dataUsageOf, NamesArg, scopeOf, text } from './privacy-rule-support';

/**
 * P7: data of a child under 16 is used without a guardian's consent. Two signals:
 * - a `data_usage` event with a minor category and no `guardian_consent_ref` (an optional
 *   field the contract does not define yet), unless its `legal_basis` is exempt; one scope per
 *   dataset;
 * - a `consent` grant with `guardian_consent: false` (the field is sent for subjects under 16
 *   only, so an absent field means nothing to check); one scope per consent scope.
 */
export const p7MinorDataWithoutGuardianConsent = defineRule({
  id: 'P7',
  title: 'Data of a child under 16 used without guardian consent',
  rationale:
    'The 2026 amendment requires the consent of a parent or guardian before personal data of a child under ' +
    '16 is used; the child’s own consent is not enough.',
  source: `${APPI_2026_BILL} (children under 16: consent of the legal representative)`,
  defaultSeverity: 'high',
  reads: ['data_usage', 'consent'],
  args: Type.Object({
    minorCategories: NamesArg(['minor'], 'Data categories that mark data of children under 16.'),
    exemptLegalBases: NamesArg([], 'legal_basis values that allow the use without guardian consent.'),
  }),
  evaluate: ({ event, args }) => {
    const { payload } = event;
    if (event.event_type === 'consent') {
      if (payload['guardian_consent'] !== false || text(payload, 'action') !== 'grant') return undefined;
      const consentScope = text(payload, 'scope') ?? 'unknown';
      return {
        scope: scopeOf('consent', consentScope),
        observed: { subject_pseudo_id: text(payload, 'subject_pseudo_id') ?? null, consent_scope: consentScope, guardian_consent: false },
      };
    }
    const usage = dataUsageOf(payload);
    const minor = categoriesIn(usage, args.minorCategories);
    if (minor.length === 0 || text(payload, 'guardian_consent_ref') !== undefined) return undefined;
    if (usage.legalBasis !== undefined && args.exemptLegalBases.includes(usage.legalBasis)) return undefined;
    return {
      scope: scopeOf('dataset', usage.datasetId),
      observed: { dataset_id: usage.datasetId, purpose: usage.purpose ?? null, minor_categories: minor, legal_basis: usage.legalBasis ?? null },
    };
  },
});
