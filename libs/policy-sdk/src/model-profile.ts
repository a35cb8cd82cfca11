import type { Sector } from '@kanshi/contracts';

/**
 * What the model inventory knows about a model, as rules see it. Read-only: rules judge,
 * they never change the inventory.
 */
export interface ModelProfile {
  readonly tenantId: string;
  readonly modelId: string;
  readonly name: string;
  readonly sectors: readonly Sector[];
  /** Risk tier as rated by the tenant (for example `T1`). */
  readonly riskTier: string | null;
  readonly owner: string | null;
  readonly intendedUse: string | null;
}
