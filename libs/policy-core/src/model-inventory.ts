import type { RuleVerdict } from '@kanshi/contracts';
import type { ModelProfile } from '@kanshi/policy-sdk';
import type { RuleOverride } from './rule-overrides';

/** The tenants, the model inventory (retired models left out) and the rule overrides at one moment. */
export interface InventorySnapshot {
  readonly tenantIds: readonly string[];
  readonly models: readonly ModelProfile[];
  readonly overrides?: readonly RuleOverride[];
  /** The tenants' active ingest keys, secrets still sealed. */
  readonly ingestKeys?: readonly SealedIngestKey[];
}

/** An active ingest key as stored: its secret sealed under `KANSHI_SECRETS_KEY`. */
export interface SealedIngestKey {
  readonly keyId: string;
  readonly tenantId: string;
  readonly secretSealed: string;
}

/** A deployment a `model_deployment` event reported, for the inventory's deployed version. */
export interface ModelDeployment {
  readonly tenantId: string;
  readonly modelId: string;
  readonly version: string;
  readonly hash: string | null;
  /** The event's time: an older event never overwrites a newer deployment. */
  readonly deployedAt: string;
}

/** Where the engine reads tenants and the model inventory from (PostgreSQL in production). */
export interface ModelInventorySource {
  loadInventory(): Promise<InventorySnapshot>;
  /** Records the deployed version and hash of models in the inventory; idempotent. */
  recordDeployments(deployments: readonly ModelDeployment[]): Promise<void>;
  /** Records when models in the inventory last sent telemetry (newest event time, and now); idempotent. */
  recordTelemetrySeen(seen: readonly TelemetrySeen[]): Promise<void>;
  /** Records the latest verdicts of windowed rules, for the models' posture; an older one never overwrites a newer one. */
  recordRuleVerdicts(verdicts: readonly RuleVerdict[]): Promise<void>;
}

export type { RuleVerdict } from '@kanshi/contracts';

/** The newest event time a batch held for one model. */
export interface TelemetrySeen {
  readonly tenantId: string;
  readonly modelId: string;
  /** ISO 8601. */
  readonly lastEventAt: string;
}

/** Injection token of the {@link ModelInventorySource}. */
export const MODEL_INVENTORY_SOURCE = Symbol('MODEL_INVENTORY_SOURCE');

/** Answers inventory look-ups from memory; the hot path never waits on the database. */
export interface ModelInventory {
  /** Whether the tenant exists; telemetry of unknown tenants is dead-lettered. */
  hasTenant(tenantId: string): boolean;
  get(tenantId: string, modelId: string): ModelProfile | undefined;
}

function inventoryKey(tenantId: string, modelId: string): string {
  return `${tenantId}\u0000${modelId}`;
}

/** A {@link ModelInventory} over fixed lists, for tests and for each refresh of the cache. */
export class StaticModelInventory implements ModelInventory {
  private readonly models: ReadonlyMap<string, ModelProfile>;
  private readonly tenants: ReadonlySet<string>;

  /** `tenantIds` defaults to the tenants of `models`. */
  constructor(models: readonly ModelProfile[], tenantIds: readonly string[] = models.map((m) => m.tenantId)) {
    this.models = new Map(models.map((m) => [inventoryKey(m.tenantId, m.modelId), m]));
    this.tenants = new Set(tenantIds);
  }

  get size(): number {
    return this.models.size;
  }

  hasTenant(tenantId: string): boolean {
    return this.tenants.has(tenantId);
  }

  get(tenantId: string, modelId: string): ModelProfile | undefined {
    return this.models.get(inventoryKey(tenantId, modelId));
  }
}
