import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { EvidenceLedger, EvidenceSigner, exportBundle, gatherReportFacts, reportFontPath, rulesInForceOf } from '@kanshi/evidence';
import { sectorModulesFromConfig } from '@kanshi/policy-catalog';
import { SectorModuleRegistry } from '@kanshi/policy-core';
import { seedMonthOfHistory, type SeededHistory } from '@kanshi/testing';
import { createDataSource, EvidenceReportRepository, EvidenceRepository, TenantRepository } from '@kanshi/persistence';
import { round } from './bench-support';
import { cpuSnapshot, cpuUsed } from './cpu-accounting';
import type { BenchContext, Figure, Scenario, ScenarioResult } from './scenario';

const FULL = { rows: 100_000, batch: 250 };
const QUICK = { rows: 2_000, batch: 250 };

/** Findings-shaped rows (the alert path's most frequent insert) as the statement's JSON. */
function findingRows(tenantId: string, from: number, count: number, alertId: string): string {
  return JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      finding_id: `${tenantId}:${from + i}`,
      alert_id: alertId,
      tenant_id: tenantId,
      event_id: `evt-${from + i}`,
      occurred_at: new Date(Date.UTC(2026, 11, 1) + (from + i) * 1000).toISOString(),
      severity: 'high',
      observed: { metric: 'psi', value: 0.31 + ((from + i) % 7) / 100, threshold: 0.25, window: '1h', samples: 1200 },
    })),
  );
}

const INSERT = (table: string) =>
  `INSERT INTO ${table} (finding_id, alert_id, tenant_id, event_id, occurred_at, severity, observed)
   SELECT * FROM jsonb_to_recordset($1::jsonb) AS f(finding_id text, alert_id uuid, tenant_id text, event_id text, occurred_at timestamptz, severity text, observed jsonb)`;

/** Exports the tenant's bundle for the seeded period with the model's report, sampling the process's RSS meanwhile. */
async function measureBundle(context: BenchContext, ledger: EvidenceLedger, app: DataSource, tenantId: string, seeded: SeededHistory) {
  const dir = await mkdtemp(join(tmpdir(), 'kanshi-bench-bundle-'));
  const rulesInForce = rulesInForceOf(SectorModuleRegistry.load(sectorModulesFromConfig(context.config)).rules);
  const scope = { modelId: 'bench-model', sector: null };
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const started = Date.now();
    const manifest = await exportBundle(ledger, new EvidenceRepository(app), tenantId, { from: seeded.from, to: seeded.to }, join(dir, 'bundle'), {
      report: {
        scope,
        fontPath: reportFontPath(context.config.values.reportFont),
        facts: (span) => gatherReportFacts(new EvidenceReportRepository(app), rulesInForce, { tenantId, from: seeded.from, to: seeded.to, ...scope }, span),
      },
    });
    const ms = Date.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    let bytes = 0;
    for (const name of await readdir(join(dir, 'bundle'))) bytes += (await stat(join(dir, 'bundle', name))).size;
    return { ms, bytes, entries: manifest.entries, peakRssGrowth: peak - baseline };
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * (11) The evidence ledger's cost. Capture: the same batches of findings-shaped rows inserted,
 * alternately, into two copies of `alert_findings`, one with the ledger's capture trigger and
 * one without (the difference is what capture adds to each insert of the alert path). Sealing:
 * the captured rows chained into the ledger (entries per second, CPU per entry, bytes stored
 * per entry). Verification: the tenant's chain read back and checked.
 */
async function run(context: BenchContext): Promise<ScenarioResult> {
  const sizes = context.quick ? QUICK : FULL;
  const { config } = context;
  const suffix = context.runId.replace(/[^A-Za-z0-9]/g, '_').toLowerCase();
  const plain = `bench_evidence_plain_${suffix}`;
  const captured = `bench_evidence_captured_${suffix}`;
  const tenantId = `bench-${context.runId}-evidence`.replace(/[^A-Za-z0-9._-]/g, '-');
  // The owner creates the two copies; the rows are written and sealed as the apps do.
  const owner = createDataSource(config.values.databaseMigrationUrl, 'kanshi-bench-evidence-owner');
  const app = createDataSource(config.values.databaseUrl, 'kanshi-bench-evidence');
  try {
    await owner.initialize();
    await app.initialize();
    await new TenantRepository(app).ensure(tenantId, 'Bench evidence tenant');
    for (const table of [plain, captured]) {
      await owner.query(`CREATE TABLE ${table} (LIKE alert_findings INCLUDING DEFAULTS INCLUDING INDEXES)`);
    }
    await owner.query(
      `CREATE TRIGGER tr_${captured}_evidence AFTER INSERT ON ${captured}
         REFERENCING NEW TABLE AS kanshi_evidence_new FOR EACH STATEMENT EXECUTE FUNCTION kanshi_evidence_rows()`,
    );
    const alertId = randomUUID();
    const time = { [plain]: 0, [captured]: 0 };
    context.log(`evidence: inserting ${sizes.rows.toLocaleString('en-US')} findings-shaped rows into each copy, in batches of ${sizes.batch}, alternating`);
    for (let from = 0; from < sizes.rows; from += sizes.batch) {
      const rows = findingRows(tenantId, from, Math.min(sizes.batch, sizes.rows - from), alertId);
      // Alternate which goes first, so neither always meets a warmer cache.
      const order = (from / sizes.batch) % 2 === 0 ? [plain, captured] : [captured, plain];
      for (const table of order) {
        const started = process.hrtime.bigint();
        await owner.query(INSERT(table), [rows]);
        time[table] = (time[table] ?? 0) + Number(process.hrtime.bigint() - started) / 1e6;
      }
    }
    const plainUs = ((time[plain] ?? 0) * 1000) / sizes.rows;
    const capturedUs = ((time[captured] ?? 0) * 1000) / sizes.rows;

    // A key of the bench's own: the scenario measures chaining and verifying, not the operator's key.
    const ledger = new EvidenceLedger(new EvidenceRepository(app), EvidenceSigner.fromSeed(randomBytes(32)));
    context.log('evidence: sealing the captured rows into the ledger');
    const cpuBefore = cpuSnapshot({ bench: process.pid }, ['postgres']);
    const sealStarted = Date.now();
    const sealed = await ledger.sealTenant(tenantId);
    const sealMs = Date.now() - sealStarted;
    const sealCpu = cpuUsed(cpuBefore, cpuSnapshot({ bench: process.pid }, ['postgres']));
    // Bytes as stored (the values after TOAST compression, and seq and at), and as canonical text.
    const [storage] = await app.query<{ stored: string; text: string }[]>(
      `SELECT sum(pg_column_size(entry) + pg_column_size(hash) + pg_column_size(tenant_id) + 16)::text AS stored, sum(octet_length(entry))::text AS text FROM evidence_ledger WHERE tenant_id = $1`,
      [tenantId],
    );
    context.log('evidence: verifying the chain');
    const verifyStarted = Date.now();
    const report = await ledger.verify(tenantId);
    const verifyMs = Date.now() - verifyStarted;
    if (!report.ok) throw new Error(`the bench tenant's chain did not verify: ${report.problem?.message ?? '?'}`);
    // Bundles of a model's monitoring history, one period and one three times as long: time,
    // size, and the export's memory (sampled), which should not grow with the period.
    const bundles = [];
    for (const days of context.quick ? [2, 6] : [30, 90]) {
      const bundleTenant = `${tenantId}-${days}d`;
      await new TenantRepository(app).ensure(bundleTenant, `Bench evidence tenant, ${days} days`);
      context.log(`evidence: seeding ${days} days of a model's history and bundling it with its report`);
      const seeded = await seedMonthOfHistory(app, bundleTenant, 'bench-model', { days });
      bundles.push({ days, seeded, ...(await measureBundle(context, ledger, app, bundleTenant, seeded)) });
    }
    // Per captured row: a statement's rows are one entry, so entries are fewer than rows.
    const cpuUs = (group: string) => ((sealCpu.groups.get(group) ?? 0) * 1e6) / sizes.rows;
    const figures: Figure[] = [
      { name: 'insert of a findings row, plain', value: round(plainUs, 1), unit: 'µs/row' },
      { name: 'insert of a findings row, captured for the ledger', value: round(capturedUs, 1), unit: 'µs/row' },
      { name: 'capture overhead on the insert', value: round(((capturedUs - plainUs) / plainUs) * 100, 1), unit: '%' },
      { name: 'rows sealed (chained, stored, taken off the pending table)', value: round(sizes.rows / (sealMs / 1000)), unit: 'rows/s' },
      { name: 'sealing CPU per row, Kanshi', value: round(cpuUs('bench'), 1), unit: 'µs' },
      { name: 'sealing CPU per row, PostgreSQL', value: round(cpuUs('postgres'), 1), unit: 'µs' },
      { name: 'ledger bytes per row, canonical text', value: round(Number(storage?.text ?? 0) / sizes.rows), unit: 'bytes' },
      { name: 'ledger bytes stored per row (compressed by PostgreSQL)', value: round(Number(storage?.stored ?? 0) / sizes.rows, 1), unit: 'bytes' },
      { name: 'rows verified', value: round(sizes.rows / (verifyMs / 1000)), unit: 'rows/s' },
      ...bundles.flatMap((b) => [
        { name: `bundle of ${b.days} days (${b.entries.toLocaleString('en-US')} entries), made with both reports`, value: round(b.ms / 1000, 2), unit: 's' },
        { name: `bundle of ${b.days} days, size (entries, checkpoints, key, reports, manifest)`, value: round(b.bytes / 1024), unit: 'KiB' },
        { name: `bundle of ${b.days} days, peak memory growth while made (RSS)`, value: round(b.peakRssGrowth / 1024 / 1024, 1), unit: 'MiB' },
      ]),
    ];
    return {
      id: evidenceScenario.id,
      title: evidenceScenario.title,
      figures,
      settings: { rows: sizes.rows, batch: sizes.batch, entries: sealed, sealMs, verifyMs },
      notes: [
        'Capture is a statement-level trigger on the trails (one insert into evidence_pending per statement, whatever its rows) and a row-level one on the inventory and configuration tables; both run in the transaction of the change.',
        'Sealing runs in the alert worker every KANSHI_EVIDENCE_SEAL_INTERVAL_MS, 1,000 entries per transaction, off the engine\'s and the alert jobs\' path; here it runs in the bench process against the same database.',
        'A statement\'s inserted rows are one entry (here one per batch); an inventory or configuration change is an entry of its own.',
        'Stored bytes are after PostgreSQL\'s compression of the entry text; these rows repeat much of their text, so real rows compress less.',
        `The bench tenant's ${sealed.toLocaleString('en-US')} entries stay in the ledger: it is append-only.`,
        'Bundles: a model\'s history as seedMonthOfHistory writes it (a verdict of 8 rules every hour, an alert every 6 hours), exported for its period with the report of the model in Japanese and English; entries are streamed a page at a time, the report\'s lists are bounded, so memory should not grow with the period.',
      ],
    };
  } finally {
    if (owner.isInitialized) {
      for (const t of [plain, captured]) await owner.query(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
      await owner.destroy();
    }
    if (app.isInitialized) await app.destroy();
  }
}

export const evidenceScenario: Scenario = {
  id: 'evidence',
  title: 'Evidence ledger: capture overhead on an insert, sealing rate, storage and verification per row',
  deadlineMs: ({ quick }) => (quick ? 60_000 : 300_000),
  run,
};
