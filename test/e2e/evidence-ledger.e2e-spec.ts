import { execFile, execFileSync } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig } from '@kanshi/config';
import { alertFingerprint } from '@kanshi/contracts';
import { canonicalJson, formatDuration } from '@kanshi/evidence';
import { AlertWrites, createDataSource } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, raiseAlertJob, seedMonthOfHistory, uniqueId, waitFor, type TenantFixture } from '@kanshi/testing';
import { startKanshi, type RunningKanshi } from './kanshi-harness';
import { requireBuild } from './run-built-app';

const EVIDENCE_CLI = join(__dirname, '..', '..', 'dist', 'tools', 'evidence', 'evidence.js');
const ARTIFACTS = join(__dirname, 'artifacts');

/** A PDF's text as Debian's pdftotext reads it, columns kept on their lines. */
const pdfText = (path: string): string => execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });

interface AlertView {
  id: string;
  model_id: string;
  occurrence_count: number;
  opened_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  due_at: string | null;
}

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

  it('writes a report in Japanese and English into the bundle whose figures agree with the API’s, and notices the report changed', async () => {
    const bank = await createTenantFixture(kanshi.dataSource, uniqueId('evidence-report'));
    const put = (modelId: string, body: object) => request(kanshi.apiHttp).put(`/v1/models/${modelId}`).set(as(bank.keys.admin)).send(body);
    expect((await put('credit_v2', { name: 'Credit v2', sectors: ['finance'], risk_tier: 'high', owner: 'Credit risk desk', intended_use: 'Retail loan approval' })).status).toBe(201);
    expect((await put('churn_v1', { name: 'Churn v1', sectors: ['finance'] })).status).toBe(201);
    // Three alerts of credit_v2 (6 findings) and one of another model the report must leave out.
    const writes = kanshi.api.get(AlertWrites);
    const raise = async (modelId: string, scope: string, findings: number, dueAt: Date | null = null) => {
      const job = raiseAlertJob(bank.tenantId, modelId, []);
      const fingerprint = alertFingerprint(bank.tenantId, modelId, 'G1', scope);
      const records = Array.from({ length: findings }, () => findingRecord(fingerprint, 'high'));
      return (await writes.recordFindings({ ...job, fingerprint, scope, findings: records, due_at: dueAt?.toISOString() ?? null })).alertId;
    };
    const first = await raise('credit_v2', 'a', 2);
    const second = await raise('credit_v2', 'b', 3);
    await raise('credit_v2', 'c', 1, new Date(Date.now() + 10 * 86_400_000));
    await raise('churn_v1', 'a', 4);
    const post = (alertId: string, action: string) => request(kanshi.apiHttp).post(`/v1/alerts/${alertId}/${action}`).set(as(bank.keys.risk_officer)).send({ comment: `${action} for the auditor` });
    expect((await post(first, 'ack')).status).toBe(200);
    expect((await post(second, 'ack')).status).toBe(200);
    expect((await post(first, 'resolve')).status).toBe(200);

    // The API's view of the same model.
    const listed = await request(kanshi.apiHttp).get('/v1/alerts').query({ model: 'credit_v2', limit: 200 }).set(as(bank.keys.viewer));
    const alerts = (listed.body as { items: AlertView[] }).items;
    const seconds = (from: string, to: string | null) => (to === null ? null : (Date.parse(to) - Date.parse(from)) / 1000);
    const acks = alerts.map((a) => seconds(a.opened_at, a.acknowledged_at)).filter((x): x is number => x !== null).sort((x, y) => x - y);
    const api = {
      alerts: alerts.length,
      findings: alerts.reduce((n, a) => n + a.occurrence_count, 0),
      acknowledged: acks.length,
      resolved: alerts.filter((a) => a.resolved_at !== null).length,
      clocks: alerts.filter((a) => a.due_at !== null).length,
    };
    expect(api).toEqual({ alerts: 3, findings: 6, acknowledged: 2, resolved: 1, clocks: 1 });
    const ackMedian = ((acks[0] ?? 0) + (acks[1] ?? 0)) / 2;

    const bundle = join(outside, 'report-bundle');
    const exported = await evidenceCli(['bundle', '--tenant', bank.tenantId, '--out', bundle, '--model', 'credit_v2'], join(__dirname, '..', '..'), { KANSHI_EVIDENCE_SIGNING_KEY: signingKey });
    expect({ code: exported.code, stderr: exported.code === 0 ? '' : exported.stderr }).toEqual({ code: 0, stderr: '' });
    expect(exported.stderr).toContain('bundle: report 2 of 2 languages written');

    const en = pdfText(join(bundle, 'report.en.pdf'));
    for (const heading of ['1. Scope and evidence', '2. Model inventory', '3. Rules in force and thresholds', '4. Changes', '5. Monitoring coverage', '6. Findings and alerts', '7. Silences', '8. Regulatory clocks']) {
      expect(en).toContain(heading);
    }
    const figure = (text: string, label: string) => Number(new RegExp(`${label.replace(/[()]/g, '\\$&')}\\s+(\\d+)`).exec(text)?.[1]);
    expect({
      alerts: figure(en, 'Alerts opened in the period'),
      findings: figure(en, 'Findings (events a rule fired on)'),
      acknowledged: figure(en, 'Acknowledged'),
      resolved: figure(en, 'Resolved'),
    }).toEqual({ alerts: api.alerts, findings: api.findings, acknowledged: api.acknowledged, resolved: api.resolved });
    expect(en).toContain(`Time to acknowledge (median)`);
    // Within a second (the API's times are in ms, the database's in µs); pdftotext may drop the space of "0 s".
    const durations = [ackMedian - 1, ackMedian, ackMedian + 1].map((x) => formatDuration(x, 'en').replace(/ /g, '\\s*'));
    expect(en).toMatch(new RegExp(`Time to acknowledge \\(median\\)\\s+(${durations.join('|')})\\n`));
    expect(en).toMatch(/0 met, 0 missed, 1 open\./);
    expect(en).toContain('Credit risk desk');
    // The other model is not in the report's inventory (the writes listed are the whole tenant's).
    expect(en).not.toContain('Churn v1');

    const ja = pdfText(join(bundle, 'report.ja.pdf'));
    for (const heading of ['AIモデル監視 証跡報告書', '1. 対象と証跡', '2. モデル台帳', '3. 適用ルールと閾値', '5. 監視の実施状況', '6. 検知とアラート', '8. 法定期限']) expect(ja).toContain(heading);
    expect(figure(ja, '期間中に発生したアラート')).toBe(api.alerts);
    expect(figure(ja, '確認済み')).toBe(api.acknowledged);

    // The pages as images, for a person to look at.
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const lang of ['ja', 'en']) execFileSync('pdftoppm', ['-png', '-r', '70', join(bundle, `report.${lang}.pdf`), join(ARTIFACTS, `evidence-report-${lang}`)]);
    expect(readdirSync(ARTIFACTS).filter((f) => /^evidence-report-(ja|en)-\d+\.png$/.test(f)).length).toBeGreaterThanOrEqual(2);

    // The reports are in the signed manifest: changed afterwards, verification says which.
    const keyFile = join(outside, 'report-key.pem');
    writeFileSync(keyFile, (await request(kanshi.apiHttp).get('/v1/evidence/public-key').set(as(bank.keys.viewer))).body.public_key_pem as string);
    const noDatabase = { KANSHI_DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none', KANSHI_EVIDENCE_SIGNING_KEY: '' };
    expect((await evidenceCli(['verify-bundle', bundle, '--public-key', keyFile], outside, noDatabase)).code).toBe(0);
    writeFileSync(join(bundle, 'report.en.pdf'), Buffer.concat([readFileSync(join(bundle, 'report.en.pdf')), Buffer.from('%% edited')]));
    const changed = await evidenceCli(['verify-bundle', bundle, '--public-key', keyFile], outside, noDatabase);
    expect({ code: changed.code, stdout: changed.stdout }).toEqual({ code: 1, stdout: expect.stringContaining('report.en.pdf does not match the manifest') as unknown });

    // The same through the API: asked for, made by the worker as a job, followed, downloaded as a
    // .tar.gz that the CLI verifies as it is.
    const asked = await request(kanshi.apiHttp).post('/v1/evidence/bundles').set(as(bank.keys.risk_officer)).send({ model_id: 'credit_v2' });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: 'queued', progress: { done: 0, total: 0 }, download: null, params: { model_id: 'credit_v2' } });
    expect(asked.headers['location']).toBe(`/v1/evidence/bundles/${(asked.body as { id: string }).id}`);
    const done = await waitFor(
      'the bundle job',
      async () => {
        const view = (await request(kanshi.apiHttp).get(asked.headers['location'] as string).set(as(bank.keys.risk_officer))).body as { status: string; stage: string | null; download: string | null; error: string | null };
        if (view.status === 'failed') throw new Error(`the bundle failed: ${view.error}`);
        return view.status === 'done' ? view : undefined;
      },
      60_000,
    );
    const archive = await request(kanshi.apiHttp)
      .get(done.download ?? '')
      .set(as(bank.keys.risk_officer))
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      });
    expect(archive.status).toBe(200);
    expect(archive.headers['content-type']).toBe('application/gzip');
    writeFileSync(join(outside, 'downloaded.tar.gz'), archive.body as Buffer);
    const downloaded = await evidenceCli(['verify-bundle', 'downloaded.tar.gz', '--public-key', keyFile], outside, noDatabase);
    expect({ code: downloaded.code, stdout: downloaded.stdout }).toEqual({ code: 0, stdout: expect.stringContaining(`✔ tenant ${bank.tenantId}`) as unknown });
    // Another tenant cannot see it.
    expect((await request(kanshi.apiHttp).get(asked.headers['location'] as string).set(as(tenant.keys.risk_officer))).status).toBe(404);
  }, 180_000);

  it('bundles a month of a model’s history: it verifies away from the repository without the database, and its report’s figures agree with the API’s', async () => {
    const bank = await createTenantFixture(kanshi.dataSource, uniqueId('evidence-month'));
    expect((await request(kanshi.apiHttp).put('/v1/models/pd_model').set(as(bank.keys.admin)).send({ name: 'PD model', sectors: ['finance'], risk_tier: 'high' })).status).toBe(201);
    const seeded = await seedMonthOfHistory(kanshi.dataSource, bank.tenantId, 'pd_model');

    const bundle = join(outside, 'month');
    const started = Date.now();
    const exported = await evidenceCli(
      ['bundle', '--tenant', bank.tenantId, '--out', bundle, '--from', seeded.from.toISOString(), '--to', seeded.to.toISOString(), '--model', 'pd_model'],
      join(__dirname, '..', '..'),
      { KANSHI_EVIDENCE_SIGNING_KEY: signingKey },
    );
    expect({ code: exported.code, stderr: exported.code === 0 ? '' : exported.stderr }).toEqual({ code: 0, stderr: '' });
    process.stderr.write(`evidence e2e: a month (${seeded.verdicts.pass + seeded.verdicts.fail + seeded.verdicts.insufficient} verdicts, ${seeded.alerts} alerts) bundled in ${Date.now() - started} ms\n`);
    const keyFile = join(outside, 'month-key.pem');
    writeFileSync(keyFile, (await request(kanshi.apiHttp).get('/v1/evidence/public-key').set(as(bank.keys.viewer))).body.public_key_pem as string);
    const noDatabase = { KANSHI_DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none', KANSHI_EVIDENCE_SIGNING_KEY: '' };
    const checked = await evidenceCli(['verify-bundle', 'month', '--public-key', keyFile, '--json'], outside, noDatabase);
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ ok: true, bundle: { tenant_id: bank.tenantId, problems: [] } });

    // The API's view of the same model and period.
    const alerts: AlertView[] = [];
    for (let cursor: string | null = null; ; ) {
      const page = await request(kanshi.apiHttp)
        .get('/v1/alerts')
        .query({ model: 'pd_model', limit: 200, ...(cursor ? { cursor } : {}) })
        .set(as(bank.keys.viewer));
      const body = page.body as { items: AlertView[]; next_cursor: string | null };
      alerts.push(...body.items);
      if (body.next_cursor === null) break;
      cursor = body.next_cursor;
    }
    const api = {
      alerts: alerts.length,
      findings: alerts.reduce((n, a) => n + a.occurrence_count, 0),
      acknowledged: alerts.filter((a) => a.acknowledged_at !== null).length,
      resolved: alerts.filter((a) => a.resolved_at !== null).length,
    };
    expect(api).toEqual({ alerts: seeded.alerts, findings: seeded.findings, acknowledged: seeded.acknowledged, resolved: seeded.resolved });
    const en = pdfText(join(bundle, 'report.en.pdf'));
    const figure = (label: string) => Number(new RegExp(`${label.replace(/[()]/g, '\\$&')}\\s+(\\d+)`).exec(en)?.[1]);
    expect({
      alerts: figure('Alerts opened in the period'),
      findings: figure('Findings (events a rule fired on)'),
      acknowledged: figure('Acknowledged'),
      resolved: figure('Resolved'),
    }).toEqual(api);
    const { pass, fail, insufficient } = seeded.verdicts;
    expect(en.replace(/\s+/g, ' ')).toContain(`${pass + fail + insufficient} windows were judged in the period: ${pass} passed, ${fail} failed, ${insufficient} had insufficient data.`);
  }, 180_000);

  it('drafts the APPI breach report from an alert with a legal clock, and chains its filing once recorded', async () => {
    const bank = await createTenantFixture(kanshi.dataSource, uniqueId('evidence-draft'));
    expect((await request(kanshi.apiHttp).put('/v1/models/credit_v2').set(as(bank.keys.admin)).send({ name: 'Credit v2', sectors: ['finance'], intended_use: 'Retail loan approval' })).status).toBe(201);
    const fingerprint = alertFingerprint(bank.tenantId, 'credit_v2', 'P8', 'incident:INC-7');
    const observed = { incident_id: 'INC-7', triggers: ['sensitive'], records_affected: 1520, awareness_time: '2026-12-01T01:00:00.000Z' };
    const dueAt = new Date(Date.now() + 3 * 86_400_000);
    const { alertId } = await kanshi.api.get(AlertWrites).recordFindings({
      ...raiseAlertJob(bank.tenantId, 'credit_v2', []),
      fingerprint,
      rule_id: 'P8',
      module_id: 'privacy-appi',
      sector: 'platform',
      scope: 'incident:INC-7',
      title: 'Reportable breach without a preliminary report to the PPC',
      due_at: dueAt.toISOString(),
      findings: [{ ...findingRecord(fingerprint, 'high'), observed }],
    });
    const draftOf = (query: object) => request(kanshi.apiHttp).get(`/v1/alerts/${alertId}/report-draft`).query(query).set(as(bank.keys.risk_officer));

    const json = await draftOf({ format: 'json', lang: 'en' });
    expect(json.status).toBe(200);
    const fields = Object.fromEntries((json.body as { fields: { key: string; value: string | null }[] }).fields.map((f) => [f.key, f.value]));
    expect(json.body).toMatchObject({ kind: 'appi-preliminary', deadline: dueAt.toISOString() });
    expect(fields).toMatchObject({ reporter: expect.any(String) as unknown, people_affected: '1520', found_at: '2026-12-01T01:00:00.000Z', cause: null, ai_system: 'Credit v2 (credit_v2) — Retail loan approval' });

    const pdf = await draftOf({ lang: 'ja' })
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      });
    expect({ status: pdf.status, type: pdf.headers['content-type'] }).toEqual({ status: 200, type: 'application/pdf' });
    writeFileSync(join(outside, 'draft.ja.pdf'), pdf.body as Buffer);
    const printed = pdfText(join(outside, 'draft.ja.pdf'));
    expect(printed).toContain('下書き（DRAFT）');
    expect(printed).toMatch(/本人の数\s+1520/);
    mkdirSync(ARTIFACTS, { recursive: true });
    execFileSync('pdftoppm', ['-png', '-r', '70', join(outside, 'draft.ja.pdf'), join(ARTIFACTS, 'report-draft-appi-ja')]);
    // A G1 alert calls for no report.
    const plain = await kanshi.api.get(AlertWrites).recordFindings(raiseAlertJob(bank.tenantId, 'other', [findingRecord(alertFingerprint(bank.tenantId, 'other', 'G1', 'model'), 'high')]));
    expect((await request(kanshi.apiHttp).get(`/v1/alerts/${plain.alertId}/report-draft`).set(as(bank.keys.risk_officer))).status).toBe(409);

    // Filed: recorded on the alert, its clock stops, and the ledger chains it.
    const filed = await request(kanshi.apiHttp).post(`/v1/alerts/${alertId}/reports`).set(as(bank.keys.risk_officer)).send({ reference: 'PPC-2026-0099', comment: 'Preliminary report filed.' });
    expect(filed.status).toBe(200);
    expect((await draftOf({ format: 'json', lang: 'en' })).body).toMatchObject({ submitted_at: expect.any(String) as unknown });
    await waitFor(
      'the filing in the ledger',
      async () => {
        const [row] = await kanshi.dataSource.query<{ seq: string }[]>(`SELECT seq FROM evidence_ledger WHERE tenant_id = $1 AND strpos(entry, 'PPC-2026-0099') > 0 AND strpos(entry, 'report_submitted') > 0`, [bank.tenantId]);
        return row;
      },
      60_000,
    );
  }, 120_000);
});
