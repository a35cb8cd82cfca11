import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@kanshi/config';
import {
  BUNDLE_FILES,
  EvidenceLedger,
  evidenceSignerFromConfig,
  exportBundle,
  keyIdOf,
  publicKeyFromPem,
  verifyBundle,
  verifyLedger,
  REPORT_FILES,
  reportFontPath,
  gatherReportFacts,
  rulesInForceOf,
  unpackBundle,
  type BundleReport,
  type BundleReportSource,
  type LedgerReport,
  type VerifyKeys,
} from '@kanshi/evidence';
import { createDataSource, EvidenceReportRepository, EvidenceRepository } from '@kanshi/persistence';
import { sectorModulesFromConfig } from '@kanshi/policy-catalog';
import { SectorModuleRegistry } from '@kanshi/policy-core';
import type { AppConfig } from '@kanshi/config';
import type { DataSource } from 'typeorm';
import { err, out, runCommandLine } from '../cli/command-line';
import { parseEvidenceArgs, USAGE, type EvidenceCommand } from './evidence-args';

/** The evidence ledger's operator commands; see {@link USAGE}. */
runCommandLine('evidence', USAGE, parseEvidenceArgs, async (command) => {
  // A bundle is verified with the files and a key alone: no configuration, no database.
  if (command.command === 'verify-bundle') return verifyBundleCommand(command);
  const config = loadConfig();
  const dataSource = createDataSource(config.values.databaseUrl, 'kanshi-evidence');
  try {
    await dataSource.initialize();
    if (await dataSource.showMigrations()) throw new Error('the database schema is behind this release: run `npm run infra:up` (it runs the migrations)');
    const store = new EvidenceRepository(dataSource);
    if (command.command === 'checkpoint') {
      const ledger = new EvidenceLedger(store, evidenceSignerFromConfig(config, err));
      const sealed = command.tenantId === undefined ? await ledger.sealAll() : await ledger.sealTenant(command.tenantId);
      const { signed, refused } = await ledger.checkpoint(new Date(), command.tenantId === undefined ? {} : { tenantId: command.tenantId });
      out(`${sealed} change(s) chained; ${signed.length} checkpoint(s) signed with key ${ledger.signer.keyId}`);
      for (const c of signed) out(`  ${c.tenant_id}: entry ${c.seq} ${c.hash}`);
      for (const r of refused) out(`✖ ${r.tenantId}: not signed, the chain is broken at entry ${r.problem.seq} (${r.problem.kind}): ${r.problem.message}`);
      return refused.length > 0 ? 1 : 0;
    }
    if (command.command === 'bundle') {
      const ledger = new EvidenceLedger(store, evidenceSignerFromConfig(config, err));
      const report = command.report ? reportSource(config, dataSource, command) : undefined;
      const manifest = await exportBundle(ledger, store, command.tenantId, { from: command.from, to: command.to }, command.out, {
        ...(report ? { report } : {}),
        progress: ({ stage, done, total }) =>
          err(stage === 'entries' ? `bundle: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} entries written` : `bundle: report ${done} of ${total} languages written`),
      });
      out(`✔ bundle of tenant ${manifest.tenant_id} in ${command.out}: entries ${manifest.first_seq}–${manifest.last_seq} (${manifest.entries}), ${manifest.checkpoints} checkpoint(s), key ${manifest.key_id}`);
      if (report) out(`  reports: ${Object.values(REPORT_FILES).map((f) => join(command.out, f)).join(', ')}`);
      out(`  verify it anywhere with: npm run evidence -- verify-bundle ${command.out} --public-key <the key you publish>`);
      return 0;
    }
    const keys = command.publicKeyFile === undefined ? new EvidenceLedger(store, evidenceSignerFromConfig(config, err)).keys : publicKeyFile(command.publicKeyFile);
    const report = await verifyLedger(store, command.tenantId, { from: command.from, to: command.to }, keys);
    out(command.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    err(`evidence: ${error instanceof Error ? error.message : String(error)} (database from KANSHI_DATABASE_URL)`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
});

async function verifyBundleCommand(command: Extract<EvidenceCommand, { command: 'verify-bundle' }>): Promise<number> {
  // A downloaded archive (`.tar.gz`) is unpacked into a directory of its own first.
  const archive = statSync(command.dir, { throwIfNoEntry: false })?.isFile() === true;
  const unpacked = archive ? mkdtempSync(join(tmpdir(), 'kanshi-verify-bundle-')) : undefined;
  try {
    const dir = unpacked === undefined ? command.dir : await unpackBundle(command.dir, unpacked);
    const own = command.publicKeyFile === undefined;
    const key = publicKeyFromPem(readFileSync(own ? join(dir, BUNDLE_FILES.publicKey) : command.publicKeyFile, 'utf8'));
    if (own) err(`evidence: verified with the bundle's own public key (id ${keyIdOf(key)}); compare that id with the key you were given, or pass it with --public-key`);
    const report = await verifyBundle(dir, key);
    out(command.json ? JSON.stringify(report, null, 2) : formatBundleReport(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    err(`evidence: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    if (unpacked !== undefined) rmSync(unpacked, { recursive: true, force: true });
  }
}

/** The key of a PEM file, by its id. */
function publicKeyFile(path: string): VerifyKeys {
  const key = publicKeyFromPem(readFileSync(path, 'utf8'));
  return new Map([[keyIdOf(key), key]]);
}

function formatReport(r: LedgerReport): string {
  const range = r.first_seq === null ? 'no entries' : `entries ${r.first_seq}–${r.last_seq}`;
  const checkpoints = `${r.checkpoints.matched} of ${r.checkpoints.checked} signed checkpoint(s) matched`;
  if (r.ok) return `✔ tenant ${r.tenant_id}: ${range} verified (${r.entries} read); ${checkpoints}; head ${r.head_hash ?? '—'}`;
  return `✖ tenant ${r.tenant_id}: entry ${r.problem?.seq ?? '?'} is bad (${r.problem?.kind ?? '?'}): ${r.problem?.message ?? ''}\n  ${r.entries} entries read; ${checkpoints}`;
}

function formatBundleReport(r: BundleReport): string {
  const covers = `  covers entries recorded from ${r.bundle.covers.from ?? '—'} to ${r.bundle.covers.to ?? '—'}`;
  if (r.ok) return `${formatReport(r)}\n${covers}`;
  const lines = r.bundle.problems.map((p) => `✖ ${p}`);
  if (r.problem) lines.unshift(formatReport(r));
  return lines.join('\n');
}

/** The report of a bundle: read from the database, with the rules of the configured sector modules and the report font. */
function reportSource(config: AppConfig, dataSource: DataSource, command: Extract<EvidenceCommand, { command: 'bundle' }>): BundleReportSource {
  const fontPath = reportFontPath(config.values.reportFont);
  const rulesInForce = rulesInForceOf(SectorModuleRegistry.load(sectorModulesFromConfig(config)).rules);
  const scope = { modelId: command.modelId ?? null, sector: command.sector ?? null };
  return {
    scope,
    fontPath,
    facts: (ledger) =>
      gatherReportFacts(new EvidenceReportRepository(dataSource), rulesInForce, { tenantId: command.tenantId, from: command.from ?? null, to: command.to ?? null, ...scope }, ledger),
  };
}
