import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '@kanshi/config';
import { AuditLogRepository, createDataSource, EvidenceBundleRepository, EvidenceReportRepository, EvidenceRepository } from '@kanshi/persistence';
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

describe('evidence bundle jobs (real PostgreSQL)', () => {
  it('makes the bundle asked for as an archive in parts that verifies with the public key alone', async () => {
    const { tenantId } = await createTenantFixture(app, uniqueId('bundle-job'));
    await new AuditLogRepository(app).insert({ tenantId, actor: by.id, actorName: by.name, roles: ['risk_officer'], method: 'POST', path: '/v1/x', target: '/v1/x', status: 200, ip: null, userAgent: null, details: {} });
    const bundle = await bundles.create(tenantId, by, all, later(), 2);
    expect(bundle).toMatchObject({ status: 'queued', requestedBy: by.id });
    // Committed with it: the outbox entry that has the worker queue the job.
    const outbox = await app.query<{ kind: string }[]>(`SELECT kind FROM alert_outbox WHERE tenant_id = $1 AND subject_id = $2`, [tenantId, bundle?.id]);
    expect(outbox.map((o) => o.kind)).toEqual(['evidence-bundle']);

    await handlerWith().handle({ tenant_id: tenantId, bundle_id: bundle?.id ?? '' });

    const done = await bundles.find(tenantId, bundle?.id ?? '');
    expect(done).toMatchObject({ status: 'done', stage: 'done', error: null });
    expect(done?.manifest).toMatchObject({ tenant_id: tenantId, key_id: signer.keyId, files: { 'report.ja.pdf': expect.any(String) as unknown } });
    const parts: Buffer[] = [];
    for await (const part of bundles.parts(bundle?.id ?? '')) parts.push(part);
    expect(Buffer.concat(parts).length).toBe(done?.size);
    const work = mkdtempSync(join(tmpdir(), 'kanshi-bundle-job-'));
    dirs.push(work);
    writeFileSync(join(work, 'bundle.tar.gz'), Buffer.concat(parts));
    const dir = await unpackBundle(join(work, 'bundle.tar.gz'), join(work, 'out'));
    expect(await verifyBundle(dir, signer.publicKey)).toMatchObject({ ok: true, bundle: { problems: [] } });
    // Done is done: the same job again changes nothing.
    await handlerWith().handle({ tenant_id: tenantId, bundle_id: bundle?.id ?? '' });
    expect((await bundles.find(tenantId, bundle?.id ?? ''))?.finishedAt).toEqual(done?.finishedAt);
  });

  it('records why a bundle failed, for the person who asked', async () => {
    const { tenantId } = await createTenantFixture(app, uniqueId('bundle-job'));
    const bundle = await bundles.create(tenantId, by, all, later(), 2);
    await handlerWith({ reportFont: '/nowhere/font.ttf' }).handle({ tenant_id: tenantId, bundle_id: bundle?.id ?? '' });
    expect(await bundles.find(tenantId, bundle?.id ?? '')).toMatchObject({ status: 'failed', error: expect.stringContaining('KANSHI_REPORT_FONT names /nowhere/font.ttf') as unknown });
  });

  it('holds a tenant to its open bundles, keeps each tenant’s to itself, and deletes them once expired', async () => {
    const { tenantId } = await createTenantFixture(app, uniqueId('bundle-job'));
    const other = await createTenantFixture(app, uniqueId('bundle-job'));
    const first = await bundles.create(tenantId, by, all, later(), 2);
    expect(await bundles.create(tenantId, by, all, later(), 2)).not.toBeNull();
    expect(await bundles.create(tenantId, by, all, later(), 2)).toBeNull();
    expect(await bundles.create(other.tenantId, by, all, later(), 2)).not.toBeNull();
    expect(await bundles.find(other.tenantId, first?.id ?? '')).toBeNull();
    expect(await bundles.find(tenantId, 'not-a-uuid')).toBeNull();

    await bundles.addPart(first?.id ?? '', 0, Buffer.from('part'));
    expect(await bundles.expire(new Date(Date.now() + 2 * 3_600_000))).toBeGreaterThanOrEqual(4);
    expect(await bundles.list(tenantId, 10)).toEqual([]);
    expect(await app.query(`SELECT 1 FROM evidence_bundle_parts WHERE bundle_id = $1`, [first?.id])).toEqual([]);
  });
});
