import { defineRule, Type } from '@kanshi/policy-sdk';
import { APPI, categoriesIn, dataUsageOf, externalRecipient, NamesArg, scopeOf, SHARING_PURPOSES, text } from './privacy-rule-support';

/**
 * P3: a pseudonymised dataset is handed to an external recipient. The recipient is the
 * `recipient_org` unless it is listed as internal (own entities, entrusted processors, joint
 * users, which the APPI does not treat as third parties); without a named organisation, a
 * sharing purpose or a `recipient_country` still counts. One scope per recipient.
 */
export const p3PseudonymisedDataSentOutside = defineRule({
  id: 'P3',
  title: 'Pseudonymised dataset sent to an external recipient',
  rationale:
    'Pseudonymously processed information may be used internally only; providing it to a third party is ' +
    'prohibited.',
  source: `${APPI} Art. 41(6) and Art. 42 (pseudonymously processed information: no provision to third parties)`,
  defaultSeverity: 'critical',
  reads: ['data_usage'],
  args: Type.Object({
    pseudonymisedCategories: NamesArg(['pseudonymised'], 'Data categories that mark pseudonymised data.'),
    sharingPurposes: NamesArg(SHARING_PURPOSES, 'data_usage purposes that mean the data is handed to someone else.'),
    internalRecipients: NamesArg([], 'recipient_org values that are not third parties (own entities, entrusted processors, joint users).'),
  }),
  evaluate: ({ event, args }) => {
    const usage = dataUsageOf(event.payload);
    if (categoriesIn(usage, args.pseudonymisedCategories).length === 0) return undefined;
    const recipient = externalRecipient(event.payload, usage, args);
    if (recipient === undefined) return undefined;
    return {
      scope: scopeOf('recipient', recipient),
      observed: { dataset_id: usage.datasetId, purpose: usage.purpose ?? null, recipient, recipient_country: text(event.payload, 'recipient_country') ?? null },
    };
  },
});
