import { defineRule, Type } from '@kanshi/policy-sdk';
import { APPI, categoriesIn, dataUsageOf, NamesArg, PERSONAL_CATEGORIES, scopeOf, text } from './privacy-rule-support';

/**
 * P9: personal data goes to a recipient in another country (typically an AI API hosted
 * abroad) without a `transfer_basis` (consent to the transfer, an adequate country, or a
 * recipient with equivalent measures). Only events naming a `recipient_country` are judged:
 * without it the destination is unknown and P3/P5 cover sharing. Anonymised-only data is not
 * personal data. One scope per recipient (organisation, else country).
 */
export const p9OverseasTransferWithoutBasis = defineRule({
  id: 'P9',
  title: 'Personal data transferred abroad (e.g. to an AI API) without a transfer basis',
  rationale:
    'Providing personal data to a recipient in a foreign country needs the person’s informed consent, an ' +
    'adequate country or a recipient with equivalent safeguards; sending prompts with personal data to an ' +
    'overseas AI API is such a provision.',
  source: `${APPI} Art. 28 (provision to a third party in a foreign country)`,
  defaultSeverity: 'high',
  reads: ['data_usage'],
  args: Type.Object({
    homeCountries: NamesArg(['JP'], 'recipient_country values that are not abroad (ISO 3166-1 alpha-2).'),
    personalCategories: NamesArg(PERSONAL_CATEGORIES, 'Data categories that make a transfer a transfer of personal data.'),
  }),
  evaluate: ({ event, args }) => {
    const { payload } = event;
    const country = text(payload, 'recipient_country');
    if (country === undefined || args.homeCountries.includes(country) || text(payload, 'transfer_basis') !== undefined) return undefined;
    const usage = dataUsageOf(payload);
    const personal = categoriesIn(usage, args.personalCategories);
    if (personal.length === 0) return undefined;
    const org = text(payload, 'recipient_org') ?? null;
    return {
      scope: scopeOf('recipient', org ?? country),
      observed: { dataset_id: usage.datasetId, purpose: usage.purpose ?? null, recipient_org: org, recipient_country: country, personal_categories: personal },
    };
  },
});
