import { defineRule, Field, Type, type ApprovedVersion } from '@kanshi/policy-sdk';
import { firstTime } from './medical-rule-support';

type Verdict = 'no_approved_versions_recorded' | 'version_not_approved' | 'hash_mismatch' | 'hash_not_reported';

/** Why `version`/`hash` is outside the approved set, or `undefined` when it is inside. */
function verdict(approved: readonly ApprovedVersion[], version: string, hash: string | undefined, requireHashWhenPinned: boolean): Verdict | undefined {
  if (approved.length === 0) return 'no_approved_versions_recorded';
  const entries = approved.filter((a) => a.version === version);
  if (entries.length === 0) return 'version_not_approved';
  if (entries.some((a) => a.hash === null || a.hash === hash)) return undefined;
  return hash === undefined ? (requireHashWhenPinned ? 'hash_not_reported' : undefined) : 'hash_mismatch';
}

/**
 * M1: a device software version (or artefact) runs that PMDA never approved and no confirmed
 * change plan covers. The inventory's `approvedVersions` holds both the approved versions and
 * those confirmed under the change plan. Judged on every `model_deployment`, and on predictions
 * served by a version no deployment announced (once per version and hash, so a busy device
 * does not make one finding per inference). Predictions without `model_version` are skipped,
 * and so is the hash check of a prediction that reports no `model_hash` (optional there).
 */
export const m1UnapprovedVersionDeployed = defineRule({
  id: 'M1',
  title: 'Deployed device software not in the approved or plan-confirmed set',
  rationale:
    'AI medical device software may only be placed in use in the version PMDA approved or a ' +
    'change confirmed under the change plan; any other build is an unapproved medical device.',
  source: 'PMD Act (approval of Class III/IV devices; change-plan confirmation, Art. 23-2-10-2)',
  defaultSeverity: 'critical',
  reads: ['model_deployment', 'prediction'],
  args: Type.Object({
    requireHashWhenPinned: Type.Boolean({
      default: true,
      description: 'When the approved entry pins an artefact hash, a deployment that reports no hash is a finding (the build cannot be verified). Predictions are never judged on a missing hash.',
    }),
    checkPredictions: Type.Boolean({ default: true, description: 'Also check the version and hash that predictions report in their envelope.' }),
  }),
  initialState: () => ({ flagged: [] as string[] }),
  evaluate: ({ event, model, args, state }) => {
    if (!model) return undefined;
    const fromDeployment = event.event_type === 'model_deployment';
    if (!fromDeployment && !args.checkPredictions) return undefined;
    const version = fromDeployment ? Field.text(event.payload, 'version') : event.model_version;
    const hash = fromDeployment ? Field.text(event.payload, 'hash') : event.model_hash;
    if (version === undefined) return undefined;
    // A prediction that leaves out its (optional) hash proves nothing about the build; only a
    // deployment must report the hash of a pinned approval. A reported hash that differs is a finding either way.
    const reason = verdict(model.approvedVersions, version, hash, fromDeployment && args.requireHashWhenPinned);
    if (reason === undefined) return undefined;
    const key = `${version}#${hash ?? ''}`;
    if (!fromDeployment && !firstTime(state.flagged, key)) return undefined;
    return {
      observed: {
        version,
        hash: hash ?? null,
        reason,
        via: event.event_type,
        approved_versions: model.approvedVersions.slice(0, 20).map((a) => a.version),
        change_plan_ref: model.changePlan?.ref ?? null,
      },
      ...(fromDeployment ? {} : { occurrence: `prediction:${key}` }),
    };
  },
});
