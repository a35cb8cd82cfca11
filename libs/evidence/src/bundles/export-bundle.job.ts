import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JOBS, type ExportBundleJob } from '@kanshi/contracts';
import { AppConfig } from '@kanshi/config';
import { EvidenceBundleRepository, EvidenceReportRepository, EvidenceRepository, SupersededRunError, type BundleRow } from '@kanshi/persistence';
import { JobHandler, type JobContext, type JobHandlerOf } from '@kanshi/queue';
import { logEntry } from '@kanshi/runtime';
import { exportBundle } from '../evidence-bundle';
import { EvidenceLedger } from '../evidence-ledger.service';
import { gatherReportFacts, type RulesInForce } from '../report/report-facts';
import { reportFontPath } from '../report/report-pdf';
import { packBundle } from './bundle-archive';

/** The rules in force of a model, as the loaded sector modules and the overrides say (provided by the app). */
export const RULES_IN_FORCE = Symbol('RULES_IN_FORCE');

/** Progress is written at most this often (and at every change of stage). */
const PROGRESS_EVERY_MS = 500;

/** The directory name inside a bundle's archive. */
export function bundleDirName(bundle: Pick<BundleRow, 'tenantId' | 'id' | 'createdAt'>): string {
  const safe = bundle.tenantId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return `kanshi-evidence-${safe}-${bundle.createdAt.toISOString().slice(0, 10)}-${bundle.id.slice(0, 8)}`;
}

/**
 * Makes an evidence bundle asked for through the API: the entries, checkpoints, key, reports
 * and signed manifest, packed as a `.tar.gz` stored in parts in PostgreSQL, with progress in the
 * bundle's row. A failed attempt is run again by BullMQ; the last one's failure is recorded in the
 * row for the person who asked. A worker that dies or stalls mid-way leaves the job to BullMQ,
 * which runs it again from the start; the stalled run can no longer write (its token is stale).
 */
@Injectable()
@JobHandler(JOBS.exportBundle)
export class ExportBundleJobHandler implements JobHandlerOf<typeof JOBS.exportBundle> {
  private readonly logger = new Logger(ExportBundleJobHandler.name);

  constructor(
    private readonly bundles: EvidenceBundleRepository,
    private readonly ledger: EvidenceLedger,
    private readonly store: EvidenceRepository,
    private readonly reports: EvidenceReportRepository,
    private readonly config: AppConfig,
    @Inject(RULES_IN_FORCE) private readonly rulesInForce: RulesInForce,
  ) {}

  async handle(job: ExportBundleJob, context: JobContext): Promise<void> {
    const run = await this.bundles.start(job.bundle_id);
    if (!run || run.bundle.tenantId !== job.tenant_id) return;
    const { bundle, token } = run;
    const work = await mkdtemp(join(tmpdir(), 'kanshi-bundle-'));
    try {
      const { params } = bundle;
      const period = { ...(params.from ? { from: new Date(params.from) } : {}), ...(params.to ? { to: new Date(params.to) } : {}) };
      const scope = { modelId: params.model_id, sector: params.sector };
      const fontPath = reportFontPath(this.config.values.reportFont);
      const dir = join(work, bundleDirName(bundle));
      const progress = this.progressOf(bundle.id, token);
      const manifest = await exportBundle(this.ledger, this.store, bundle.tenantId, period, dir, {
        report: {
          scope,
          fontPath,
          facts: (ledger) => gatherReportFacts(this.reports, this.rulesInForce, { tenantId: bundle.tenantId, from: period.from ?? null, to: period.to ?? null, ...scope }, ledger),
        },
        progress: ({ stage, done, total }) => progress.report(stage, done, total),
      });
      progress.report('archive', 0, 1);
      const size = await packBundle(dir, (n, data) => this.bundles.addPart(bundle.id, token, n, data));
      await progress.flush();
      if (await this.bundles.finish(bundle.id, token, manifest as unknown as Record<string, unknown>, size)) {
        this.logger.log(logEntry(`evidence bundle ${bundle.id} of tenant ${bundle.tenantId}: ${manifest.entries} entries, ${size} bytes`, { tenant: bundle.tenantId, job: context.jobId }));
      }
    } catch (error) {
      if (error instanceof SupersededRunError) return;
      const message = error instanceof Error ? error.message : String(error);
      // A database or disk hiccup deserves another run (BullMQ's retries); the last attempt
      // records why, for the person who asked.
      if (context.attempt < context.maxAttempts) {
        this.logger.warn(logEntry(`evidence bundle ${bundle.id} of tenant ${bundle.tenantId}, attempt ${context.attempt} of ${context.maxAttempts}, failed (tried again): ${message}`, { tenant: bundle.tenantId, job: context.jobId }));
        throw error;
      }
      this.logger.warn(logEntry(`evidence bundle ${bundle.id} of tenant ${bundle.tenantId} failed: ${message}`, { tenant: bundle.tenantId, job: context.jobId }));
      await this.bundles.fail(bundle.id, token, message);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Writes progress to the bundle's row in order, at most every {@link PROGRESS_EVERY_MS} within a stage; `flush` waits for the writes. */
  private progressOf(id: string, token: string): { report: (stage: string, done: number, total: number) => void; flush: () => Promise<void> } {
    let last = 0;
    let lastStage = '';
    let writing: Promise<void> = Promise.resolve();
    return {
      report: (stage, done, total) => {
        const now = Date.now();
        if (stage === lastStage && now - last < PROGRESS_EVERY_MS && done < total) return;
        last = now;
        lastStage = stage;
        writing = writing.then(() => this.bundles.progress(id, token, stage, done, total)).catch(() => undefined);
      },
      flush: () => writing,
    };
  }
}
