import type { Sector } from '@kanshi/contracts';

/** A model version the tenant approved (or confirmed under a change plan), with its artefact hash. */
export interface ApprovedVersion {
  /** The version label as the producer reports it in `model_deployment.version`. */
  readonly version: string;
  /** Artefact hash as the producer reports it (`sha256:…`); `null` when only the version is approved. */
  readonly hash: string | null;
}

/** A change plan confirmed with the regulator (PMD Act IDATEN route): what may change without a new approval. */
export interface ChangePlan {
  /** The plan's reference (the confirmation number), cited in findings. */
  readonly ref: string;
  /** Change types inside the plan (`retraining`, `threshold`, …), as `model_deployment.change_type` reports them. */
  readonly scope: readonly string[];
}

/**
 * What the model inventory knows about a model, as rules see it. Read-only: rules judge, they
 * never change the inventory. Fields the tenant has not filled in are `null` or empty, and a
 * rule that needs one must say so in its finding rather than guess.
 */
export interface ModelProfile {
  /** The tenant that owns the model. */
  readonly tenantId: string;
  /** The model id producers put in `model_id`. */
  readonly modelId: string;
  /** A readable name (the model id when none was given). */
  readonly name: string;
  /** Sectors whose modules judge the model, besides the general one. */
  readonly sectors: readonly Sector[];
  /** Risk tier as rated by the tenant: `T1` (highest) to `T3`. */
  readonly riskTier: string | null;
  /** Accountable owner (a person or a team). */
  readonly owner: string | null;
  /** What the model is for, in the tenant's words. */
  readonly intendedUse: string | null;
  /** Segments, products or use scopes the model is approved for (F10); empty means not recorded. */
  readonly approvedUseScope: readonly string[];
  /** Versions (and hashes) approved for deployment (F1, M1); empty means not recorded. */
  readonly approvedVersions: readonly ApprovedVersion[];
  /** The change plan confirmed for the model (M2, M3), or `null`. */
  readonly changePlan: ChangePlan | null;
  /** Date of the last independent validation, ISO 8601 (F2). */
  readonly lastValidatedAt: string | null;
  /** Built or supplied by a third party (F9). */
  readonly thirdParty: boolean;
  /** The third party that supplied the model, if any. */
  readonly vendor: string | null;
  /** Reference of the vendor's validation evidence (F9). */
  readonly vendorValidationRef: string | null;
  /** References of privacy (DPIA) assessments covering the model (P2). */
  readonly privacyAssessmentRefs: readonly string[];
  /** The version and hash last reported by a `model_deployment` event, or `null`. */
  readonly deployedVersion: string | null;
  /** Artefact hash of {@link ModelProfile.deployedVersion}, or `null`. */
  readonly deployedHash: string | null;
}

/**
 * A complete profile from the fields a test cares about: everything else empty or `null`.
 *
 * @example
 * ```ts
 * const model = modelProfile({ tenantId: 'acme', modelId: 'credit', sectors: ['finance'], riskTier: 'T1' });
 * ```
 */
export function modelProfile(fields: Partial<ModelProfile> & Pick<ModelProfile, 'tenantId' | 'modelId'>): ModelProfile {
  return {
    name: fields.modelId,
    sectors: [],
    riskTier: null,
    owner: null,
    intendedUse: null,
    approvedUseScope: [],
    approvedVersions: [],
    changePlan: null,
    lastValidatedAt: null,
    thirdParty: false,
    vendor: null,
    vendorValidationRef: null,
    privacyAssessmentRefs: [],
    deployedVersion: null,
    deployedHash: null,
    ...fields,
  };
}
