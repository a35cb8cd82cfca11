import { Logger } from '@nestjs/common';
import { AppConfig, loadConfig } from '@kanshi/config';
import type { EvidenceBundleRepository } from '@kanshi/persistence';
import type { EvidenceLedger } from './evidence-ledger.service';
import { EvidenceSealer } from './evidence-sealer.service';

describe('the evidence sealer', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs a chain it refuses to sign once an hour while it lasts, not at every check, and deletes expired bundles at each check', async () => {
    const problem = { seq: 9, kind: 'edited' as const, message: 'entry 9 does not hash to its stored hash' };
    const ledger = {
      sealFor: jest.fn(() => Promise.resolve(0)),
      checkpoint: jest.fn(() => Promise.resolve({ signed: [], refused: [{ tenantId: 'bank-a', problem }] })),
    };
    const bundles = { expire: jest.fn(() => Promise.resolve(0)) };
    const config = new AppConfig({ ...loadConfig({}).values, evidenceCheckpointIntervalMs: 60_000 });
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const sealer = new EvidenceSealer(ledger as unknown as EvidenceLedger, config, bundles as unknown as EvidenceBundleRepository);

    const t0 = 1_000_000_000;
    for (const at of [t0, t0 + 60_000, t0 + 120_000, t0 + 3_600_000, t0 + 3_660_000]) {
      await sealer.pass(at);
      // The checkpoint pass runs beside sealing: let it finish.
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(ledger.checkpoint).toHaveBeenCalledTimes(5);
    expect(bundles.expire).toHaveBeenCalledTimes(5);
    expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('no checkpoint signed for tenant bank-a: entry 9 does not hash'),
      expect.stringContaining('no checkpoint signed for tenant bank-a: entry 9 does not hash'),
    ]);
  });
});
