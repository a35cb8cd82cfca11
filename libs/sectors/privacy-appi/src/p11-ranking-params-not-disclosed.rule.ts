import { defineRule, Type } from '@kanshi/policy-sdk';
import { inForceAt, iso, recordPublication, text, timeOf, type Published } from './privacy-rule-support';

interface State {
  /** Published ranking-parameter disclosures, oldest first. */
  disclosures: Published[];
}

/**
 * P11: a recommendation is served with ranking parameters other than the ones published.
 * `disclosure` events of kind `ranking_params` record the published version, in force from
 * `published_time` (else the event time; a disclosure published in advance takes effect when
 * it says). A `prediction` carrying `ranking_params_version` (an optional field the contract
 * does not define yet; predictions without it are not recommendations and are skipped) is a
 * finding when that version differs from the one in force, or when none was ever published
 * and `requirePublishedDisclosure` holds. Repeats of the same mismatch share one occurrence;
 * a matching recommendation clears the alert.
 */
export const p11RankingParamsNotDisclosed = defineRule({
  id: 'P11',
  title: 'Recommendation served with ranking parameters other than the published disclosure',
  rationale:
    'Designated digital platforms must disclose the main parameters that decide rankings and give notice of ' +
    'changes; ranking with an undisclosed parameter set makes the disclosure untrue.',
  source: 'Act on Improving Transparency and Fairness of Digital Platforms, Art. 5 (disclosure of main ranking parameters)',
  defaultSeverity: 'medium',
  reads: ['disclosure', 'prediction'],
  args: Type.Object({
    requirePublishedDisclosure: Type.Boolean({ default: true, description: 'Report recommendations served before any ranking-parameters disclosure was published.' }),
    disclosureKind: Type.String({ default: 'ranking_params', minLength: 1, description: 'disclosure kind that publishes the ranking parameters.' }),
  }),
  recovery: { clearFor: '1h' },
  initialState: (): State => ({ disclosures: [] }),
  evaluate: ({ event, args, state, time }) => {
    const { payload } = event;
    if (event.event_type === 'disclosure') {
      const version = text(payload, 'version');
      if (text(payload, 'kind') === args.disclosureKind && version !== undefined) {
        recordPublication(state.disclosures, { version, at: timeOf(payload, 'published_time') ?? time });
      }
      return undefined;
    }
    const served = text(payload, 'ranking_params_version');
    if (served === undefined) return undefined;
    const published = inForceAt(state.disclosures, time);
    if (published?.version === served) return { kind: 'clear', scope: 'ranking_params' };
    if (published === undefined && !args.requirePublishedDisclosure) return undefined;
    return {
      scope: 'ranking_params',
      occurrence: `served:${served}|published:${published === undefined ? 'none' : `${published.version}@${iso(published.at)}`}`.slice(0, 200),
      observed: { served_version: served, published_version: published?.version ?? null, published_at: published === undefined ? null : iso(published.at) },
    };
  },
});
