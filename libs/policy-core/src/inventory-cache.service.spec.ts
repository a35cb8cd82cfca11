import { InventoryCache } from './inventory-cache.service';
import type { ModelInventorySource, TelemetrySeen } from './model-inventory';

function cacheWithSource() {
  const written: TelemetrySeen[][] = [];
  const source: ModelInventorySource = {
    loadInventory: () => Promise.resolve({ models: [], tenantIds: [], overrides: [] }),
    recordDeployments: () => Promise.resolve(),
    recordTelemetrySeen: (seen) => {
      written.push([...seen]);
      return Promise.resolve();
    },
  };
  return { cache: new InventoryCache(source, { inventoryRefreshMs: 60_000 } as never), written };
}

const seen = (modelId: string, lastEventAt: string): TelemetrySeen => ({ tenantId: 't', modelId, lastEventAt });

describe('InventoryCache.recordTelemetrySeen', () => {
  it('writes a model at most every 30 s unless its event time moved forward', async () => {
    const { cache, written } = cacheWithSource();
    await cache.recordTelemetrySeen([seen('a', '2026-11-24T10:00:00.000Z'), seen('b', '2026-11-24T10:00:00.000Z')], 0);
    await cache.recordTelemetrySeen([seen('a', '2026-11-24T10:00:00.000Z')], 10_000);
    await cache.recordTelemetrySeen([seen('a', '2026-11-24T09:00:00.000Z'), seen('b', '2026-11-24T10:00:01.000Z')], 20_000);
    await cache.recordTelemetrySeen([seen('a', '2026-11-24T10:00:00.000Z')], 30_000);
    expect(written.map((w) => w.map((s) => `${s.modelId}@${s.lastEventAt.slice(11, 19)}`))).toEqual([
      ['a@10:00:00', 'b@10:00:00'],
      ['b@10:00:01'],
      ['a@10:00:00'],
    ]);
  });
});
