import type { ModelProfile } from '@kanshi/policy-sdk';

/** Where the engine reads the model inventory from (PostgreSQL in production). */
export interface ModelInventorySource {
  loadModels(): Promise<readonly ModelProfile[]>;
}

/** Injection token of the {@link ModelInventorySource}. */
export const MODEL_INVENTORY_SOURCE = Symbol('MODEL_INVENTORY_SOURCE');

/** Answers inventory look-ups from memory; the hot path never waits on the database. */
export interface ModelInventory {
  get(tenantId: string, modelId: string): ModelProfile | undefined;
}

function inventoryKey(tenantId: string, modelId: string): string {
  return `${tenantId}\u0000${modelId}`;
}

/** A {@link ModelInventory} over a fixed list, for tests and for each refresh of the cache. */
export class StaticModelInventory implements ModelInventory {
  private readonly models: ReadonlyMap<string, ModelProfile>;

  constructor(models: readonly ModelProfile[]) {
    this.models = new Map(models.map((m) => [inventoryKey(m.tenantId, m.modelId), m]));
  }

  get size(): number {
    return this.models.size;
  }

  get(tenantId: string, modelId: string): ModelProfile | undefined {
    return this.models.get(inventoryKey(tenantId, modelId));
  }
}
