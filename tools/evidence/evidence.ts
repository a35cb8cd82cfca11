import { loadConfig } from '@kanshi/config';
import { EvidenceLedger, evidenceSignerFromConfig, type LedgerReport } from '@kanshi/evidence';
import { createDataSource, EvidenceRepository } from '@kanshi/persistence';
import { err, out, runCommandLine } from '../cli/command-line';
import { parseEvidenceArgs, USAGE } from './evidence-args';

/** The evidence ledger's operator commands; see {@link USAGE}. */
runCommandLine('evidence', USAGE, parseEvidenceArgs, async (command) => {
  const config = loadConfig();
  const dataSource = createDataSource(config.values.databaseUrl, 'kanshi-evidence');
  try {
    await dataSource.initialize();
    if (await dataSource.showMigrations()) throw new Error('the database schema is behind this release: run `npm run infra:up` (it runs the migrations)');
    const ledger = new EvidenceLedger(new EvidenceRepository(dataSource), evidenceSignerFromConfig(config, err));
    if (command.command === 'checkpoint') {
      const sealed = command.tenantId === undefined ? await ledger.sealAll() : await ledger.sealTenant(command.tenantId);
      const signed = await ledger.checkpoint(new Date(), command.tenantId === undefined ? {} : { tenantId: command.tenantId });
      out(`${sealed} change(s) chained; ${signed.length} checkpoint(s) signed with key ${ledger.signer.keyId}`);
      for (const c of signed) out(`  ${c.tenant_id}: entry ${c.seq} ${c.hash}`);
      return 0;
    }
    const report = await ledger.verify(command.tenantId, { from: command.from, to: command.to });
    out(command.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    err(`evidence: ${error instanceof Error ? error.message : String(error)} (database from KANSHI_DATABASE_URL)`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
});

function formatReport(r: LedgerReport): string {
  const range = r.first_seq === null ? 'no entries' : `entries ${r.first_seq}–${r.last_seq}`;
  const checkpoints = `${r.checkpoints.matched} of ${r.checkpoints.checked} signed checkpoint(s) matched`;
  if (r.ok) return `✔ tenant ${r.tenant_id}: ${range} verified (${r.entries} read); ${checkpoints}; head ${r.head_hash ?? '—'}`;
  return `✖ tenant ${r.tenant_id}: entry ${r.problem?.seq ?? '?'} is bad (${r.problem?.kind ?? '?'}): ${r.problem?.message ?? ''}\n  ${r.entries} entries read; ${checkpoints}`;
}
