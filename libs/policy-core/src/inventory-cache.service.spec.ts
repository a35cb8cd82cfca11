import { Logger } from '@nestjs/common';
import { InventoryCache } from './inventory-cache.service';
import type { ModelInventorySource, TelemetrySeen } from './model-inventory';

function cacheWithSource() {
  const written: TelemetrySeen[][] = [];
  const source: ModelInventorySource = {
    loadInventory: () => Promise.resolve({ models: [], tenantIds: [], overrides: [] }),
    recordDeployments: () => Promise.resolve(),
    recordRuleVerdicts: () => Promise.resolve(),
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

describe('InventoryCache background refresh', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** A source whose loads after the first wait for the test to answer them. */
  function hangingSource() {
    const loads: { resolve: () => void; reject: (error: Error) => void }[] = [];
    const source: ModelInventorySource = {
      loadInventory: () =>
        loads.length === 0
          ? (loads.push({ resolve: () => undefined, reject: () => undefined }), Promise.resolve({ models: [], tenantIds: [] }))
          : new Promise((resolve, reject) => loads.push({ resolve: () => resolve({ models: [], tenantIds: [] }), reject })),
      recordDeployments: () => Promise.resolve(),
      recordRuleVerdicts: () => Promise.resolve(),
      recordTelemetrySeen: () => Promise.resolve(),
    };
    return { source, loads };
  }

  it('starts no refresh while the last one hangs (a database that does not answer), and goes on once it ends', async () => {
    jest.useFakeTimers();
    const { source, loads } = hangingSource();
    const cache = new InventoryCache(source, { inventoryRefreshMs: 500, ingestSecrets: { gatewayRoots: [], open: () => '' } } as never);
    await cache.onModuleInit();
    await jest.advanceTimersByTimeAsync(10_000);
    // The first load, then one background refresh that is still waiting: not twenty.
    expect(loads).toHaveLength(2);

    loads[1]?.resolve();
    await jest.advanceTimersByTimeAsync(500);
    expect(loads).toHaveLength(3);
    cache.onModuleDestroy();
  });

  it('logs a refresh failing through an outage once, then sparingly, and once when it works again', async () => {
    jest.useFakeTimers();
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const recovered = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { source, loads } = hangingSource();
    const cache = new InventoryCache(source, { inventoryRefreshMs: 500, ingestSecrets: { gatewayRoots: [], open: () => '' } } as never);
    await cache.onModuleInit();
    for (let n = 1; n <= 20; n++) {
      await jest.advanceTimersByTimeAsync(500);
      loads[n]?.reject(new Error('connect ECONNREFUSED'));
    }
    await jest.advanceTimersByTimeAsync(500);
    loads[21]?.resolve();
    await jest.advanceTimersByTimeAsync(0);
    expect(errors.mock.calls.map(([m]) => String(m))).toEqual(['inventory refresh failed: connect ECONNREFUSED']);
    expect(recovered.mock.calls.map(([m]) => String(m))).toEqual(['inventory refresh works again after 20 failures over 10 s']);
    cache.onModuleDestroy();
  });
});
