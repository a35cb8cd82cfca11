import { execFile } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig } from '@kanshi/config';
import { canonicalJson } from '@kanshi/evidence';
import { createDataSource } from '@kanshi/persistence';
import { createTenantFixture, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';
import { requireBuild } from './run-built-app';

const EVIDENCE_CLI = join(__dirname, '..', '..', 'dist', 'tools', 'evidence', 'evidence.js');

/** Runs the built `npm run evidence` in `cwd` with `env` (on top of this process's). */
function evidenceCli(args: readonly string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [EVIDENCE_CLI, ...args], { cwd, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

interface Report {
  ok: boolean;
  entries: number;
  last_seq: number | null;
  checkpoints: { checked: number; matched: number };
  problem?: { seq: number; kind: string; message: string };
}

interface Checkpoint {
  tenant_id: string;
  seq: number;
  hash: string;
  signed_at: string;
  key_id: string;
  signature: string;
}

/**
 * The ledger on the running apps: what people do through the API is chained by the alert
 * worker on its own, a checkpoint is signed on demand with the operator's key, anyone checks it
 * with the published key and nothing of Kanshi's, and an entry edited afterwards in the
 * database is named by the API's verification.
 */
describe('the evidence ledger across the running apps (real PostgreSQL, Redis, Kafka)', () => {
  let kanshi: RunningKanshi;
  let tenant: TenantFixture;
  const owner = createDataSource(loadConfig().values.databaseMigrationUrl, 'kanshi-e2e-owner');
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  const signingKey = randomBytes(32).toString('base64');
  const outside = mkdtempSync(join(tmpdir(), 'kanshi-evidence-e2e-'));

  beforeAll(async () => {
    requireBuild();
    kanshi = await startKanshi({ KANSHI_EVIDENCE_SIGNING_KEY: signingKey, KANSHI_EVIDENCE_SEAL_INTERVAL_MS: '200' });
    tenant = await createTenantFixture(kanshi.dataSource, uniqueId('evidence'));
    await owner.initialize();
  });
  afterAll(async () => {
    await kanshi?.stop();
    if (owner.isInitialized) await owner.destroy();
    rmSync(outside, { recursive: true, force: true });
  });

  it('chains people’s changes, signs a checkpoint the published key verifies, and names an entry edited afterwards', async () => {
    const model = await request(kanshi.apiHttp).put('/v1/models/credit_v2').set(as(tenant.keys.admin)).send({ name: 'Credit v2', sectors: ['finance'], risk_tier: 'high' });
    expect(model.status).toBe(201);
    const reason = `Retraining window ${uniqueId('approved')}`;
    const silence = await request(kanshi.apiHttp)
      .post('/v1/silences')
      .set(as(tenant.keys.risk_officer))
      .send({ matchers: { model_ids: ['credit_v2'] }, reason, ends_at: new Date(Date.now() + 3600_000).toISOString() });
    expect(silence.status).toBe(201);

    // The worker chains them by itself: the silence, its audit entry, the model's change.
    // (A guard, not a speed: the worker's first checkpoint pass over every tenant of the test
    // database runs beside its sealing.)
    const waitStarted = Date.now();
    const silenceSeq = await waitFor(
      'the silence in the ledger',
      async () => {
        const [row] = await kanshi.dataSource.query<{ seq: string }[]>(`SELECT seq FROM evidence_ledger WHERE tenant_id = $1 AND entry LIKE '%"source":"silences"%' AND strpos(entry, $2) > 0`, [tenant.tenantId, reason]);
        return row ? Number(row.seq) : undefined;
      },
      60_000,
    );
    process.stderr.write(`evidence e2e: the worker chained the silence after ${Date.now() - waitStarted} ms\n`);
    const sources = await kanshi.dataSource.query<{ source: string }[]>(`SELECT DISTINCT entry::jsonb ->> 'source' AS source FROM evidence_ledger WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(sources.map((s) => s.source)).toEqual(expect.arrayContaining(['models', 'audit_log', 'silences', 'api_keys']));

    const verified = await request(kanshi.apiHttp).get('/v1/evidence/verify').set(as(tenant.keys.risk_officer));
    expect(verified.status).toBe(200);
    expect(verified.body as Report).toMatchObject({ ok: true });

    const signed = await request(kanshi.apiHttp).post('/v1/evidence/checkpoints').set(as(tenant.keys.risk_officer)).send();
    expect(signed.status).toBe(200);
    // The head's checkpoint: signed by this request, or by the worker's pass if it came first.
    const { checkpoint } = signed.body as { checkpoint: Checkpoint | null };
    const [head] = await kanshi.dataSource.query<{ seq: string; entry: string; hash: string }[]>(
      `SELECT l.seq, l.entry, l.hash FROM evidence_heads h JOIN evidence_ledger l ON l.tenant_id = h.tenant_id AND l.seq = h.seq WHERE h.tenant_id = $1`,
      [tenant.tenantId],
    );
    expect(checkpoint?.seq).toBe(Number(head?.seq));
    expect(checkpoint?.seq).toBeGreaterThanOrEqual(silenceSeq);

    // Checked with the published key and node:crypto alone.
    const published = await request(kanshi.apiHttp).get('/v1/evidence/public-key').set(as(tenant.keys.viewer));
    expect(published.body).toMatchObject({ key_id: checkpoint?.key_id, algorithm: 'Ed25519', development: false });
    const { signature, ...fields } = checkpoint as Checkpoint;
    const publicKey = createPublicKey((published.body as { public_key_pem: string }).public_key_pem);
    expect(verify(null, Buffer.from(canonicalJson(fields)), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(createHash('sha256').update(head?.entry ?? '').digest('hex')).toBe(checkpoint?.hash);

    // A bundle exported with the CLI verifies in a directory outside the repository with the
    // published key alone: no configuration, and no database (its URL points nowhere).
    const bundle = join(outside, 'bundle');
    const exported = await evidenceCli(['bundle', '--tenant', tenant.tenantId, '--out', bundle], join(__dirname, '..', '..'), { KANSHI_EVIDENCE_SIGNING_KEY: signingKey });
    expect({ code: exported.code, stderr: exported.code === 0 ? '' : exported.stderr }).toEqual({ code: 0, stderr: '' });
    writeFileSync(join(outside, 'kanshi-evidence.pub.pem'), (published.body as { public_key_pem: string }).public_key_pem);
    const noDatabase = { KANSHI_DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none', KANSHI_EVIDENCE_SIGNING_KEY: '' };
    const checked = await evidenceCli(['verify-bundle', 'bundle', '--public-key', 'kanshi-evidence.pub.pem'], outside, noDatabase);
    expect({ code: checked.code, stdout: checked.stdout }).toEqual({ code: 0, stdout: expect.stringContaining(`✔ tenant ${tenant.tenantId}`) as unknown });
    const entriesFile = join(bundle, 'entries.jsonl');
    writeFileSync(entriesFile, readFileSync(entriesFile, 'utf8').replace(reason, 'Nothing to see'));
    const broken = await evidenceCli(['verify-bundle', 'bundle', '--public-key', 'kanshi-evidence.pub.pem'], outside, noDatabase);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('entries.jsonl does not match the manifest');

    // Someone with the owner's rights rewrites the silence's reason afterwards.
    await owner.transaction(async (m) => {
      await m.query(`ALTER TABLE evidence_ledger DISABLE TRIGGER tr_evidence_ledger_append_only`);
      await m.query(`UPDATE evidence_ledger SET entry = replace(entry, $3, 'Nothing to see') WHERE tenant_id = $1 AND seq = $2`, [tenant.tenantId, silenceSeq, reason]);
      await m.query(`ALTER TABLE evidence_ledger ENABLE TRIGGER tr_evidence_ledger_append_only`);
    });
    const after = await request(kanshi.apiHttp).get('/v1/evidence/verify').set(as(tenant.keys.admin));
    expect(after.body as Report).toMatchObject({ ok: false, problem: { seq: silenceSeq, kind: 'edited' } });
  }, 180_000);
});
