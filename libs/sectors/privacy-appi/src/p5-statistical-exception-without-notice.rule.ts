import { defineRule, Type } from '@kanshi/policy-sdk';
import { APPI_2026_BILL, dataUsageOf, externalRecipient, NamesArg, scopeOf, SHARING_PURPOSES, text } from './privacy-rule-support';

/**
 * P5: data used under the statistical/AI-training exception without a `public_notice_ref`,
 * or, when the data is shared with an external recipient (see P3 for who counts), without a
 * `written_agreement_ref`. The check is about the references being present, so a missing
 * field is the finding. One scope per dataset.
 */
export const p5StatisticalExceptionWithoutNotice = defineRule({
  id: 'P5',
  title: 'Statistical exception used without public notice (or written agreement when shared)',
  rationale:
    'The statistical/AI-training exception to consent holds only if the use is publicly announced and, when ' +
    'data is provided to another party, covered by a written agreement.',
  source: `${APPI_2026_BILL} (statistical and AI-development exception: public notice, written agreements)`,
  defaultSeverity: 'critical',
  reads: ['data_usage'],
  args: Type.Object({
    statisticalBases: NamesArg(['statistical_exception'], 'legal_basis values that invoke the statistical exception.'),
    sharingPurposes: NamesArg(SHARING_PURPOSES, 'data_usage purposes that mean the data is handed to someone else.'),
    internalRecipients: NamesArg([], 'recipient_org values that are not third parties (own entities, entrusted processors).'),
  }),
  evaluate: ({ event, args }) => {
    const { payload } = event;
    const usage = dataUsageOf(payload);
    if (usage.legalBasis === undefined || !args.statisticalBases.includes(usage.legalBasis)) return undefined;
    const recipient = externalRecipient(payload, usage, args);
    const missing = [
      ...(text(payload, 'public_notice_ref') === undefined ? ['public_notice_ref'] : []),
      ...(recipient !== undefined && text(payload, 'written_agreement_ref') === undefined ? ['written_agreement_ref'] : []),
    ];
    if (missing.length === 0) return undefined;
    return {
      scope: scopeOf('dataset', usage.datasetId),
      observed: { dataset_id: usage.datasetId, purpose: usage.purpose ?? null, legal_basis: usage.legalBasis, recipient: recipient ?? null, missing },
    };
  },
});
