import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '@kanshi/config';
import { AuditLogRepository, createDataSource, EvidenceBundleRepository, EvidenceReportRepository, EvidenceRepository, SupersededRunError, type BundleRow } from '@kanshi/persistence';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import { verifyBundle } from '../evidence-bundle';
import { EvidenceLedger } from '../evidence-ledger.service';
import { EvidenceSigner } from '../evidence-signer';
import { unpackBundle } from './bundle-archive';
import { ExportBundleJobHandler } from './export-bundle.job';

const config = loadConfig();
const app = createDataSource(config.values.databaseUrl, 'kanshi-int-bundle-jobs');
const signer = EvidenceSigner.fromSeed(Buffer.alloc(32, 8));
const bundles = new EvidenceBundleRepository(app);
const handlerWith = (values: Partial<AppConfig['values']> = {}) =>
  new ExportBundleJobHandler(
    bundles,
    new EvidenceLedger(new EvidenceRepository(app), signer),
    new EvidenceRepository(app),
    new EvidenceReportRepository(app),
    new AppConfig({ ...config.values, ...values }),
    () => [],
  );
const dirs: string[] = [];

beforeAll(() => app.initialize());
afterAll(async () => {
  await app.destroy();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const later = () => new Date(Date.now() + 3_600_000);
const by = { id: 'api-key:0123456789ab', name: 'risk officer key' };
const all = { from: null, to: null, model_id: null, sector: null };
const limits = { open: 2, kept: 5 };
const last = { jobId: 'j', attempt: 3, maxAttempts: 3 };

/** A bundle asked for by the tenant; throws when refused. */
async function ask(tenantId: string): Promise<BundleRow> {
  const made = await bundles.create(tenantId, by, all, later(), limits);
  if (!('bundle' in made)) throw new Error(`refused: ${made.refused}`);
  return made.bundle;
}

describe('evidence bundle jobs (real PostgreSQL)', () => {
  it('makes the bundle asked for as an archive in parts that verifies with the public key alone', async () => {
    const { tenantId } = await createTenantFixture(app, uniqueId('bundle-job'));
    await new AuditLogRepository(app).insert({ tenantId, actor: by.id, actorName: by.name, roles: ['risk_officer'], method: 'POST', path: '/v1/x', target: '/v1/x', status: 200, ip: null, userAgent: null, details: {} });
    const bundle = await ask(tenantId);
    expect(bundle).toMatchObject({ status: 'queued', requestedBy: by.id });
    // Committed with it: the outbox entry that has the worker queue the job.
    const outbox = await app.query<{ kind: string }[]>(`SELECT kind FROM alert_outbox WHERE tenant_id = $1 AND subject_id = $2`, [tenantId, bundle.id]);
    expect(outbox.map((o) => o.kind)).toEqual(['evidence-bundle']);

    await handlerWith().handle({ tenant_id: tenantId, bundle_id: bundle.id }, { ...last, attempt: 1 });

    const done = await bundles.find(tenantId, bundle.id);
    expect(done).toMatchObject({ status: 'done', stage: 'done', error: null });
    expect(done?.manifest).toMatchObject({ tenant_id: tenantId, key_id: signer.keyId, files: { 'report.ja.pdf': expect.any(String) as unknown } });
    const parts: Buffer[] = [];
    for await (const part of bundles.parts(bundle.id)) parts.push(part);
    expect(Buffer.concat(parts).length).toBe(done?.size);
    const work = mkdtempSync(join(tmpdir(), 'kanshi-bundle-job-'));
    dirs.push(work);
    writeFileSync(join(work, 'bundle.tar.gz'), Buffer.concat(parts));
    const dir = await unpackBundle(join(work, 'bundle.tar.gz'), join(work, 'out'));
    expect(await verifyBundle(dir, signer.publicKey)).toMatchObject({ ok: true, bundle: { problems: [] } });
    // Done is done: the same job again changes nothing.
    await handlerWith().handle({ tenant_id: tenantId, bundle_id: bundle.id }, last);
    expect((await bundles.find(tenantId, bundle.id))?.finishedAt).toEqual(done?.finishedAt);
  });

  it('leaves a failed attempt to BullMQ’s retries, and records why the last one failed for the person who asked', async () => {
    const { tenantId } = await createTenantFixture(app, uniqueId('bundle-job'));
    const bundle = await ask(tenantId);
    const broken = handlerWith({ reportFont: '/nowhere/font.ttf' });
    await expect(broken.handle({ tenant_id: tenantId, bundle_id: bundle.id }, { ...last, attempt: 1 })).rejects.toThrow('KANSHI_REPORT_FONT names /nowhere/font.ttf');
    expect(await bundles.find(tenantId, bundle.id)).toMatchObject({ status: 'running', error: null });
    await broken.handle({ tenant_id: tenantId, bundle_id: bundle.id }, last);
    expect(await bundles.find(tenantId, bundle.id)).toMatchObject({ status: 'failed', error: expect.stringContaining('KANSHI_REPORT_FONT names /nowhere/font.ttf') as unknown });
  });

  it('refuses every write of a run another run has replaced', async () => {
    const { tenantId } = await createTenantFixture(app, uniqueId('bundle-job'));
    const bundle = await ask(tenantId);
    const stalled = await bundles.start(bundle.id);
    const again = await bundles.start(bundle.id);
    if (!stalled || !again) throw new Error('not started');
    await expect(bundles.addPart(bundle.id, stalled.token, 0, Buffer.from('stale'))).rejects.toThrow(SupersededRunError);
    expect(await bundles.fail(bundle.id, stalled.token, 'stale run')).toBe(false);
    expect(await bundles.finish(bundle.id, stalled.token, {}, 5)).toBe(false);
    await bundles.addPart(bundle.id, again.token, 0, Buffer.from('fresh'));
    expect(await bundles.finish(bundle.id, again.token, { ok: true }, 5)).toBe(true);
    expect(await bundles.fail(bundle.id, again.token, 'too late')).toBe(false);
    expect(await bundles.find(tenantId, bundle.id)).toMatchObject({ status: 'done', error: null, size: 5 });
  });

  it('holds a tenant to its open and kept bundles, keeps each tenant’s to itself, and hides and deletes them once expired', async () => {
    const { tenantId } = await createTenantFixture(app, uniqueId('bundle-job'));
    const other = await createTenantFixture(app, uniqueId('bundle-job'));
    const first = await ask(tenantId);
    await ask(tenantId);
    expect(await bundles.create(tenantId, by, all, later(), limits)).toEqual({ refused: 'open' });
    await ask(other.tenantId);
    expect(await bundles.find(other.tenantId, first.id)).toBeNull();
    expect(await bundles.find(tenantId, 'not-a-uuid')).toBeNull();
    // Done bundles still count against what a tenant keeps.
    for (const b of await bundles.list(tenantId, 10)) {
      const run = await bundles.start(b.id);
      if (run) await bundles.finish(b.id, run.token, {}, 1);
    }
    for (let i = 0; i < 3; i += 1) {
      const b = await ask(tenantId);
      const run = await bundles.start(b.id);
      if (run) await bundles.finish(b.id, run.token, {}, 1);
    }
    expect(await bundles.create(tenantId, by, all, later(), limits)).toEqual({ refused: 'kept' });

    const run = await bundles.start(first.id);
    expect(run).toBeNull();
    await app.query(`UPDATE evidence_bundles SET expires_at = now() - interval '1 second' WHERE id = $1`, [first.id]);
    expect(await bundles.find(tenantId, first.id)).toBeNull();
    expect((await bundles.list(tenantId, 10)).map((b) => b.id)).not.toContain(first.id);
    expect(await bundles.expire(new Date(Date.now() + 2 * 3_600_000))).toBeGreaterThanOrEqual(6);
    expect(await bundles.list(tenantId, 10)).toEqual([]);
  });
});
