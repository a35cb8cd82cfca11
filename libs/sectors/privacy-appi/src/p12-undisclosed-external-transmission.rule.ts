import { defineRule, Type } from '@kanshi/policy-sdk';
import { dataUsageOf, inForceAt, iso, NamesArg, purposeIn, recordPublication, scopeOf, text, texts, timeOf, type Published } from './privacy-rule-support';

interface State {
  /** Published external-transmission notices with the user fields each lists, oldest first. */
  notices: Published[];
}

/**
 * P12: a third-party tag or SDK sends a user field that the published external-transmission
 * notice does not list. `disclosure` events of kind `external_transmission_notice` carry the
 * listed fields in `fields` (an optional field the contract does not define yet; a notice
 * without it lists nothing), in force from `published_time` (else the event time). A
 * `data_usage` event with an external-transmission purpose reports what was sent in
 * `fields_sent` (also not in the contract yet; events without it are not judged). Fields
 * compare exactly. One scope per recipient (`recipient_org`, the SDK's vendor).
 */
export const p12UndisclosedExternalTransmission = defineRule({
  id: 'P12',
  title: 'Third-party SDK sends a user field not in the published notice',
  rationale:
    'Before user data is sent to a third party by a tag or SDK, users must be told what is sent, to whom and ' +
    'why; a field missing from the notice is sent without that notice.',
  source: 'Telecommunications Business Act Art. 27-12 (external transmission rule); MIC guidelines on user information',
  defaultSeverity: 'high',
  reads: ['disclosure', 'data_usage'],
  args: Type.Object({
    noticeKind: Type.String({ default: 'external_transmission_notice', minLength: 1, description: 'disclosure kind of the external-transmission notice.' }),
    transmissionPurposes: NamesArg(['external_transmission'], 'data_usage purposes that report a tag or SDK sending user data.'),
  }),
  initialState: (): State => ({ notices: [] }),
  evaluate: ({ event, args, state, time }) => {
    const { payload } = event;
    if (event.event_type === 'disclosure') {
      const version = text(payload, 'version');
      if (text(payload, 'kind') === args.noticeKind && version !== undefined) {
        recordPublication(state.notices, { version, at: timeOf(payload, 'published_time') ?? time, fields: texts(payload, 'fields') });
      }
      return undefined;
    }
    const usage = dataUsageOf(payload);
    if (!purposeIn(usage, args.transmissionPurposes)) return undefined;
    const sent = texts(payload, 'fields_sent');
    const notice = inForceAt(state.notices, time);
    const listed = new Set(notice?.fields ?? []);
    const undisclosed = [...new Set(sent.filter((field) => !listed.has(field)))];
    if (undisclosed.length === 0) return undefined;
    const recipient = text(payload, 'recipient_org') ?? 'unnamed recipient';
    return {
      scope: scopeOf('recipient', recipient),
      observed: {
        recipient,
        dataset_id: usage.datasetId,
        undisclosed_fields: undisclosed.slice(0, 50),
        notice_version: notice?.version ?? null,
        notice_published_at: notice === undefined ? null : iso(notice.at),
      },
    };
  },
});
