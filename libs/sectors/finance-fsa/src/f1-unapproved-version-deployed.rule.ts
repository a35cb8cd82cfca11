import { defineRule, Field, Type, type ApprovedVersion } from '@kanshi/policy-sdk';
import { FSA_MRM, scopeOf } from './finance-rule-helpers';

type Verdict = 'approved' | 'not_listed' | 'hash_mismatch' | 'none_recorded';

function verdict(approved: readonly ApprovedVersion[], version: string, hash: string | undefined, matchHash: boolean): Verdict {
  if (approved.length === 0) return 'none_recorded';
  const listed = approved.filter((a) => a.version === version);
  if (listed.length === 0) return 'not_listed';
  // A hash is compared only when both the inventory and the telemetry name one.
  if (!matchHash || hash === undefined || listed.some((a) => a.hash === null || a.hash === hash)) return 'approved';
  return 'hash_mismatch';
}

/**
 * F1: a version runs that the inventory does not list as approved. Judged on every
 * `model_deployment` (scope `deployed-version`, cleared by the next approved deployment) and,
 * optionally, on predictions that name their `model_version` (scope `served-version:<v>`, one
 * finding per version and hash, however many predictions it serves). Models outside the
 * inventory are left to G1; predictions without `model_version` are left to G6.
 */
export const f1UnapprovedVersionDeployed = defineRule({
  id: 'F1',
  title: 'Deployed model version not approved in the inventory',
  rationale:
    'A model version may only be used once it has passed the bank’s approval; a version missing from the ' +
    'inventory’s approved list has bypassed model approval.',
  source: `${FSA_MRM}, principle 4 (model approval)`,
  defaultSeverity: 'critical',
  reads: ['model_deployment', 'prediction'],
  args: Type.Object({
    judgePredictions: Type.Boolean({ default: true, description: 'Also judge the model_version served on each prediction.' }),
    matchHash: Type.Boolean({
      default: true,
      description: 'When both the approved entry and the telemetry carry an artefact hash, they must be equal.',
    }),
  }),
  recovery: { clearFor: '1m' },
  evaluate: ({ event, model, args }) => {
    if (!model) return undefined;
    const approved = model.approvedVersions;
    if (event.event_type === 'model_deployment') {
      const version = Field.text(event.payload, 'version') ?? event.model_version;
      if (version === undefined) return undefined;
      const hash = Field.text(event.payload, 'hash') ?? event.model_hash;
      const result = verdict(approved, version, hash, args.matchHash);
      if (result === 'approved') return { kind: 'clear', scope: 'deployed-version' };
      return { scope: 'deployed-version', observed: { version, hash: hash ?? null, reason: result, approved_versions: approved.slice(0, 20) } };
    }
    if (!args.judgePredictions || event.model_version === undefined) return undefined;
    const version = event.model_version;
    const result = verdict(approved, version, event.model_hash, args.matchHash);
    if (result === 'approved') return undefined;
    return {
      scope: scopeOf('served-version', version),
      occurrence: `${version}|${event.model_hash ?? ''}`.slice(0, 200),
      observed: { version, hash: event.model_hash ?? null, reason: result, approved_versions: approved.slice(0, 20) },
    };
  },
});
