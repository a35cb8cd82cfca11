import type { EvidenceRepository } from '@kanshi/persistence';
import { EvidenceLedger } from './evidence-ledger.service';
import { EvidenceSigner } from './evidence-signer';

/** The store's side of sealing, in memory: changes waiting per tenant, by id; each call recorded. */
class WaitingChanges {
  readonly sealed: { tenantId: string; rows: number }[] = [];
  private readonly waiting = new Map<string, number[]>();
  private nextId = 1;

  capture(tenantId: string, count: number): void {
    const ids = this.waiting.get(tenantId) ?? [];
    for (let i = 0; i < count; i += 1) ids.push(this.nextId++);
    this.waiting.set(tenantId, ids);
  }

  newestPendingId(): Promise<string | null> {
    return Promise.resolve(this.nextId === 1 ? null : String(this.nextId - 1));
  }

  tenantsWithPending(after: string | null, limit: number): Promise<string[]> {
    const tenants = [...this.waiting].filter(([tenantId, ids]) => ids.length > 0 && (after === null || tenantId > after)).map(([tenantId]) => tenantId);
    return Promise.resolve(tenants.sort().slice(0, limit));
  }

  seal(tenantId: string, maxRows: number, upToId: string): Promise<number> {
    const ids = this.waiting.get(tenantId) ?? [];
    const taken = ids.filter((id) => id <= Number(upToId)).slice(0, maxRows);
    this.waiting.set(tenantId, ids.slice(taken.length));
    if (taken.length > 0) this.sealed.push({ tenantId, rows: taken.length });
    return Promise.resolve(taken.length);
  }
}

function ledgerOver(store: WaitingChanges): EvidenceLedger {
  return new EvidenceLedger(store as unknown as EvidenceRepository, EvidenceSigner.fromSeed(Buffer.alloc(32, 9)));
}

describe('sealing every tenant', () => {
  it('takes turns, so a tenant’s few changes are chained before another’s backlog is through', async () => {
    const store = new WaitingChanges();
    store.capture('bank-a', 3500);
    store.capture('hospital-b', 2);
    store.capture('bank-c', 1);

    expect(await ledgerOver(store).sealAll()).toBe(3503);

    const order = store.sealed.map((s) => `${s.tenantId}:${s.rows}`);
    expect(order).toEqual(['bank-a:1000', 'bank-c:1', 'hospital-b:2', 'bank-a:1000', 'bank-a:1000', 'bank-a:500']);
  });

  it('pages through more tenants than one page holds, each in its turn', async () => {
    const store = new WaitingChanges();
    const tenants = Array.from({ length: 250 }, (_, i) => `t-${String(i).padStart(3, '0')}`);
    for (const tenantId of tenants) store.capture(tenantId, 1);

    expect(await ledgerOver(store).sealAll()).toBe(250);
    expect(store.sealed.map((s) => s.tenantId)).toEqual(tenants);
  });

  it('ends with the changes captured before it began, however fast a tenant keeps writing', async () => {
    const store = new WaitingChanges();
    store.capture('busy', 1500);
    const seal = store.seal.bind(store);
    // Each batch taken, the tenant writes another 1,000 changes.
    store.seal = async (tenantId, maxRows, upToId) => {
      const rows = await seal(tenantId, maxRows, upToId);
      store.capture(tenantId, 1000);
      return rows;
    };

    expect(await ledgerOver(store).sealAll()).toBe(1500);
  });

  it('keeps sweeping for the worker while there is work and time, taking turns, so a change captured behind a backlog goes in the next sweep', async () => {
    const store = new WaitingChanges();
    store.capture('bank-a', 5000);
    store.capture('bank-b', 1);
    const seal = store.seal.bind(store);
    let captured = false;
    // bank-c writes once bank-a's first batch is taken.
    store.seal = async (tenantId, maxRows, upToId) => {
      const rows = await seal(tenantId, maxRows, upToId);
      if (!captured) {
        captured = true;
        store.capture('bank-c', 1);
      }
      return rows;
    };

    expect(await ledgerOver(store).sealFor(60_000)).toBe(5002);

    expect(store.sealed.map((s) => `${s.tenantId}:${s.rows}`)).toEqual(['bank-a:1000', 'bank-b:1', 'bank-a:1000', 'bank-c:1', 'bank-a:1000', 'bank-a:1000', 'bank-a:1000']);
  });

  it('stops sweeping for the worker once its time is up', async () => {
    const store = new WaitingChanges();
    store.capture('bank-a', 5000);
    let clock = 0;
    const seal = store.seal.bind(store);
    store.seal = async (tenantId, maxRows, upToId) => {
      clock += 400;
      return seal(tenantId, maxRows, upToId);
    };

    expect(await ledgerOver(store).sealFor(1000, () => false, () => clock)).toBe(3000);
  });

  it('passes over a tenant whose batch fails, so the others still get their turn, and says so', async () => {
    const store = new WaitingChanges();
    store.capture('bank-a', 10);
    store.capture('bank-b', 3);
    store.capture('bank-c', 2);
    const seal = store.seal.bind(store);
    store.seal = (tenantId, maxRows, upToId) => (tenantId === 'bank-b' ? Promise.reject(new Error('value too long')) : seal(tenantId, maxRows, upToId));
    const ledger = ledgerOver(store);
    const said: unknown[] = [];
    ledger.onSealFailures = (failures) => said.push(...failures);

    expect(await ledger.sealFor(60_000)).toBe(12);
    expect(store.sealed.map((s) => s.tenantId)).toEqual(['bank-a', 'bank-c']);
    expect(said.map(String)).toContain('Error: tenant bank-b: value too long');
    // Only the failing one left: the error goes up, for the sealer's warning.
    await expect(ledger.sealFor(60_000)).rejects.toThrow('tenant bank-b: value too long');
  });

  it('stops between batches when told to', async () => {
    const store = new WaitingChanges();
    store.capture('bank-a', 5000);
    let batches = 0;

    await ledgerOver(store).sealAll(() => batches++ >= 2);

    expect(store.sealed).toHaveLength(2);
  });
});
