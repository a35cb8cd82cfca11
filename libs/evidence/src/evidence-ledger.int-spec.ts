import { loadConfig } from '@kanshi/config';
import { AuditLogRepository, createDataSource, EvidenceRepository, ModelRepository } from '@kanshi/persistence';
import { modelProfile } from '@kanshi/policy-sdk';
import { createTenantFixture, uniqueId } from '@kanshi/testing';
import type { DataSource } from 'typeorm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportBundle, verifyBundle } from './evidence-bundle';
import { EvidenceLedger } from './evidence-ledger.service';
import { EvidenceSigner } from './evidence-signer';
import { chainRecords, type EntryBody } from './ledger-chain';

const config = loadConfig();
// The apps' role, as the worker and the API connect; and the owner, who can do what a DBA
// could: switch the append-only trigger off and rewrite rows.
const app = createDataSource(config.values.databaseUrl, 'kanshi-int-test');
const owner = createDataSource(config.values.databaseMigrationUrl, 'kanshi-int-test-owner');
const signer = EvidenceSigner.fromSeed(Buffer.alloc(32, 3));
const ledger = new EvidenceLedger(new EvidenceRepository(app), signer);

beforeAll(async () => {
  await app.initialize();
  await owner.initialize();
});
afterAll(async () => {
  await app.destroy();
  await owner.destroy();
});

/** A tenant with `actions` audited changes (and the fixture's keys, also captured), chained and checkpointed. */
async function chainedTenant(actions: number): Promise<{ tenantId: string; head: number }> {
  const { tenantId } = await createTenantFixture(app, uniqueId('evidence'));
  const audit = new AuditLogRepository(app);
  for (let i = 0; i < actions; i += 1) {
    await audit.insert({
      tenantId,
      actor: 'api-key:0123456789ab',
      actorName: 'Hanako (risk office)',
      roles: ['risk_officer'],
      method: 'POST',
      path: '/v1/alerts/:id/ack',
      target: `/v1/alerts/${i}/ack`,
      status: 200,
      ip: '127.0.0.1',
      userAgent: 'jest',
      details: { body: { comment: `checked ${i}` } },
    });
  }
  await ledger.sealTenant(tenantId);
  const [head] = await app.query<{ seq: string }[]>(`SELECT seq FROM evidence_heads WHERE tenant_id = $1`, [tenantId]);
  return { tenantId, head: Number(head?.seq) };
}

/** Runs `sql` as the owner with the ledger's append-only trigger off, as a DBA could. */
async function tamper(sql: (q: DataSource['query']) => Promise<unknown>): Promise<void> {
  await owner.transaction(async (m) => {
    await m.query(`ALTER TABLE evidence_ledger DISABLE TRIGGER tr_evidence_ledger_append_only`);
    await sql((text: string, params?: unknown[]) => m.query(text, params));
    await m.query(`ALTER TABLE evidence_ledger ENABLE TRIGGER tr_evidence_ledger_append_only`);
  });
}

describe('the evidence ledger (real PostgreSQL)', () => {
  it('captures changes in their own transaction and chains them per tenant, in order, with who and what', async () => {
    const { tenantId, head } = await chainedTenant(3);
    const models = new ModelRepository(app);
    await models.upsert(modelProfile({ tenantId, modelId: 'credit_v2', name: 'Credit v2', sectors: ['finance'], riskTier: 'high' }));
    await models.upsert(modelProfile({ tenantId, modelId: 'credit_v2', name: 'Credit v2', sectors: ['finance'], riskTier: 'medium' }));
    await ledger.sealTenant(tenantId);

    const rows = await app.query<{ seq: string; entry: string }[]>(`SELECT seq, entry FROM evidence_ledger WHERE tenant_id = $1 ORDER BY seq`, [tenantId]);
    const bodies = rows.map((r) => JSON.parse(r.entry) as EntryBody);
    expect(bodies.map((b) => b.seq)).toEqual(bodies.map((_, i) => i + 1));
    // A statement's inserted rows are one entry: each audited request is a statement of its own.
    const audited = bodies.filter((b) => b.source === 'audit_log').map((b) => (b.data as { actor_name: string; details: { body: { comment: string } } }[])[0]);
    expect(bodies.filter((b) => b.source === 'audit_log').every((b) => (b.data as unknown[]).length === 1)).toBe(true);
    expect(audited.map((d) => d?.details.body.comment)).toEqual(['checked 0', 'checked 1', 'checked 2']);
    expect(audited[0]?.actor_name).toBe('Hanako (risk office)');
    const modelChanges = bodies.filter((b) => b.source === 'models').map((b) => ({ op: b.op, data: b.data as { old: { risk_tier: string } | null; new: { risk_tier: string } } }));
    expect(modelChanges.map((c) => [c.op, c.data.old?.risk_tier ?? null, c.data.new.risk_tier])).toEqual([
      ['insert', null, 'high'],
      ['update', 'high', 'medium'],
    ]);
    // Channels are captured without their secret nor their URL (it may carry a token).
    await app.query(
      `INSERT INTO notification_channels (tenant_id, name, kind, config, secret, created_by) VALUES ($1, 'ops', 'webhook', $2, 'whsec-never', 'test')`,
      [tenantId, JSON.stringify({ url: 'https://hooks.example/kanshi?token=never-in-the-ledger', timeout_ms: 5000 })],
    );
    await ledger.sealTenant(tenantId);
    const [channel] = await app.query<{ entry: string }[]>(`SELECT entry FROM evidence_ledger WHERE tenant_id = $1 AND entry LIKE '%"source":"notification_channels"%'`, [tenantId]);
    expect(channel?.entry).toContain('"timeout_ms":5000');
    expect(channel?.entry).not.toMatch(/never-in-the-ledger|whsec-never|"url"/);
    // Keys are captured without their secrets.
    const keyEntries = bodies.filter((b) => b.source === 'api_keys');
    expect(keyEntries.length).toBeGreaterThan(0);
    expect(keyEntries.every((b) => !('secret_hash' in ((b.data as { new: object }).new ?? {})))).toBe(true);
    expect(head).toBeGreaterThan(0);
    const total = (await app.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM evidence_ledger WHERE tenant_id = $1`, [tenantId]))[0]?.n;
    expect(await ledger.verify(tenantId)).toMatchObject({ ok: true, entries: total, last_seq: total });
  });

  it('captures a statement that inserts many rows as one entry holding them all', async () => {
    const { tenantId } = await chainedTenant(0);
    const [alert] = await app.query<{ id: string }[]>(
      `INSERT INTO alerts (tenant_id, fingerprint, model_id, rule_id, module_id, sector, scope, title, source, severity, status, first_seen_at, last_seen_at)
       VALUES ($1, 'fp-1', 'm1', 'G3', 'general', 'general', '', 'Drift', 'guideline', 'high', 'firing', now(), now()) RETURNING id`,
      [tenantId],
    );
    await app.query(
      `INSERT INTO alert_findings (finding_id, alert_id, tenant_id, event_id, occurred_at, severity, observed)
       SELECT $2 || ':' || i, $3::uuid, $1, 'evt-' || i, now(), 'high', jsonb_build_object('value', i) FROM generate_series(1, 40) AS i`,
      [tenantId, tenantId, alert?.id],
    );
    await ledger.sealTenant(tenantId);
    const rows = await app.query<{ entry: string }[]>(`SELECT entry FROM evidence_ledger WHERE tenant_id = $1 AND entry LIKE '%"source":"alert_findings"%'`, [tenantId]);
    expect(rows).toHaveLength(1);
    const findings = (JSON.parse(rows[0]?.entry ?? '{}') as EntryBody).data as { event_id: string }[];
    expect(findings.map((f) => f.event_id).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `evt-${i + 1}`).sort());
  });

  it('finds the tenants with changes waiting a page at a time, in tenant order, each once however many it has', async () => {
    const prefix = uniqueId('evidence-turns');
    const tenants = [`${prefix}-c`, `${prefix}-a`, `${prefix}-b`];
    for (const [i, tenantId] of tenants.entries()) {
      await app.query(`INSERT INTO evidence_pending (tenant_id, source, op, data, rows) SELECT $1, 'test', 'insert', '{}'::jsonb, 1 FROM generate_series(1, $2)`, [tenantId, 1 + i * 50]);
    }
    const store = new EvidenceRepository(app);
    // Other suites' tenants may be waiting too: ours are read in order, each once.
    const ours = (page: string[]) => page.filter((t) => t.startsWith(prefix));
    expect(ours(await store.tenantsWithPending(`${prefix}`, 10_000))).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
    expect(await store.tenantsWithPending(`${prefix}-a`, 1)).toEqual([`${prefix}-b`]);
    expect(ours(await store.tenantsWithPending(`${prefix}-b`, 10_000))).toEqual([`${prefix}-c`]);

    // Once chained, they wait no more.
    for (const tenantId of tenants) await ledger.sealTenant(tenantId);
    expect(ours(await store.tenantsWithPending(`${prefix}`, 10_000))).toEqual([]);
  });

  it('signs a checkpoint of a chain that grew once its last one is older than the interval, never twice for one head', async () => {
    const { tenantId, head } = await chainedTenant(2);
    const now = new Date();
    expect((await ledger.checkpoint(now, { tenantId })).signed.map((c) => c.seq)).toEqual([head]);
    expect((await ledger.checkpoint(now, { tenantId })).signed).toEqual([]);
    await new AuditLogRepository(app).insert({ tenantId, actor: 'api-key:0123456789ab', actorName: null, roles: ['admin'], method: 'PATCH', path: '/v1/tenant', target: '/v1/tenant', status: 200, ip: null, userAgent: null, details: {} });
    await ledger.sealTenant(tenantId);
    // The interval has not passed since the last checkpoint: the worker's pass signs nothing yet.
    expect((await ledger.checkpoint(now, { tenantId, signedBefore: new Date(now.getTime() - 3600_000) })).signed).toEqual([]);
    const later = new Date(now.getTime() + 3600_000);
    expect((await ledger.checkpoint(later, { tenantId, signedBefore: now })).signed.map((c) => c.seq)).toEqual([head + 1]);
    expect(await ledger.verify(tenantId)).toMatchObject({ ok: true, checkpoints: { checked: 2, matched: 2 } });
  });

  it('exports a period as a bundle, from the entry before it to a signed checkpoint after it, that verifies with the public key alone', async () => {
    const { tenantId } = await chainedTenant(8);
    const rows = await app.query<{ seq: string; at: Date }[]>(`SELECT seq, at FROM evidence_ledger WHERE tenant_id = $1 ORDER BY seq`, [tenantId]);
    const third = rows[2];
    const fifth = rows[4];
    const dir = mkdtempSync(join(tmpdir(), 'kanshi-bundle-int-'));
    try {
      const progress: number[] = [];
      const manifest = await exportBundle(ledger, new EvidenceRepository(app), tenantId, { from: third?.at, to: fifth?.at }, dir, { progress: ({ done }) => progress.push(done) });
      expect(manifest).toMatchObject({ tenant_id: tenantId, first_seq: 2, key_id: signer.keyId });
      // The head's checkpoint, signed for the export, anchors the end.
      expect(manifest.last_seq).toBe(rows.length);
      expect(manifest.entries).toBe(rows.length - 1);
      expect(progress.at(-1)).toBe(manifest.entries);
      expect(await verifyBundle(dir, signer.publicKey)).toMatchObject({ ok: true, first_seq: 2, last_seq: rows.length, checkpoints: { matched: 1 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is append-only for the apps: their role may not change or delete an entry', async () => {
    const { tenantId } = await chainedTenant(1);
    await expect(app.query(`UPDATE evidence_ledger SET entry = '{}' WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/permission denied/);
    await expect(app.query(`DELETE FROM evidence_ledger WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/permission denied/);
    await expect(owner.query(`DELETE FROM evidence_ledger WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/append-only/);
  });

  it('chains each change once when two sealers race on the same tenant', async () => {
    const { tenantId } = await chainedTenant(0);
    const audit = new AuditLogRepository(app);
    const writes = Array.from({ length: 300 }, (_, i) =>
      audit.insert({ tenantId, actor: 'api-key:0123456789ab', actorName: null, roles: ['admin'], method: 'PUT', path: '/v1/models/:modelId', target: `/v1/models/m${i}`, status: 200, ip: null, userAgent: null, details: {} }),
    );
    const other = new EvidenceLedger(new EvidenceRepository(app), signer);
    await Promise.all([...writes, ledger.sealTenant(tenantId), other.sealTenant(tenantId), ledger.sealTenant(tenantId)]);
    await Promise.all([ledger.sealTenant(tenantId), other.sealTenant(tenantId)]);

    const targets = await app.query<{ target: string }[]>(
      `SELECT row ->> 'target' AS target FROM evidence_ledger, jsonb_array_elements(entry::jsonb -> 'data') AS row
        WHERE tenant_id = $1 AND entry::jsonb ->> 'source' = 'audit_log'`,
      [tenantId],
    );
    expect(targets).toHaveLength(300);
    expect(new Set(targets.map((t) => t.target)).size).toBe(300);
    expect(await ledger.verify(tenantId)).toMatchObject({ ok: true });
  });

  describe('tampered with by someone who can write the database', () => {
    it('names an edited entry', async () => {
      const { tenantId } = await chainedTenant(6);
      await tamper((q) => q(`UPDATE evidence_ledger SET entry = replace(entry, 'checked 3', 'checked 9') WHERE tenant_id = $1 AND entry LIKE '%checked 3%'`, [tenantId]));
      const seq = await seqOf(tenantId, 'checked 9');
      expect((await ledger.verify(tenantId)).problem).toMatchObject({ seq, kind: 'edited' });
    });

    it('names a deleted entry, and entries deleted at the end', async () => {
      const { tenantId, head } = await chainedTenant(6);
      const seq = await seqOf(tenantId, 'checked 2');
      await tamper((q) => q(`DELETE FROM evidence_ledger WHERE tenant_id = $1 AND seq = $2`, [tenantId, seq]));
      expect((await ledger.verify(tenantId)).problem).toMatchObject({ seq, kind: 'missing' });

      const cut = await chainedTenant(6);
      await tamper((q) => q(`DELETE FROM evidence_ledger WHERE tenant_id = $1 AND seq > $2`, [cut.tenantId, cut.head - 2]));
      expect((await ledger.verify(cut.tenantId)).problem).toMatchObject({ seq: cut.head - 1, kind: 'missing' });
      expect(head).toBeGreaterThan(6);
    });

    it('names an inserted entry', async () => {
      const { tenantId } = await chainedTenant(6);
      const at = await seqOf(tenantId, 'checked 3');
      await tamper(async (q) => {
        const [before] = await q(`SELECT hash FROM evidence_ledger WHERE tenant_id = $1 AND seq = $2`, [tenantId, at - 1]);
        const forgedAt = new Date().toISOString();
        const forged = chainRecords(tenantId, { seq: at - 1, hash: (before as { hash: string }).hash }, [{ source: 'audit_log', op: 'insert', at: forgedAt, data: { target: 'forged' } }]).entries[0];
        await q(`UPDATE evidence_ledger SET seq = -seq WHERE tenant_id = $1 AND seq >= $2`, [tenantId, at]);
        await q(`UPDATE evidence_ledger SET seq = 1 - seq WHERE tenant_id = $1 AND seq < 0`, [tenantId]);
        await q(`INSERT INTO evidence_ledger (tenant_id, seq, at, entry, hash) VALUES ($1, $2, $5, $3, $4)`, [tenantId, at, forged?.entry, forged?.hash, forgedAt]);
      });
      // The forged entry links to the one before it; the next one does not name its new position.
      expect((await ledger.verify(tenantId)).problem).toMatchObject({ seq: at + 1, kind: 'misplaced' });
    });

    it('names two swapped entries', async () => {
      const { tenantId } = await chainedTenant(6);
      const a = await seqOf(tenantId, 'checked 1');
      const b = await seqOf(tenantId, 'checked 4');
      await tamper(async (q) => {
        await q(`UPDATE evidence_ledger SET seq = -seq WHERE tenant_id = $1 AND seq IN ($2, $3)`, [tenantId, a, b]);
        await q(`UPDATE evidence_ledger SET seq = CASE WHEN seq = -$2::bigint THEN $3::bigint ELSE $2::bigint END WHERE tenant_id = $1 AND seq < 0`, [tenantId, a, b]);
      });
      expect((await ledger.verify(tenantId)).problem).toMatchObject({ seq: a, kind: 'misplaced' });
    });

    it('signs no checkpoint over a chain rewritten since the last one, even with its head rewritten to match', async () => {
      const { tenantId, head } = await chainedTenant(4);
      expect((await ledger.checkpoint(new Date(), { tenantId })).signed.map((c) => c.seq)).toEqual([head]);
      await new AuditLogRepository(app).insert({ tenantId, actor: 'api-key:0123456789ab', actorName: null, roles: ['admin'], method: 'PATCH', path: '/v1/tenant', target: '/v1/tenant', status: 200, ip: null, userAgent: null, details: { marker: 'after the checkpoint' } });
      await ledger.sealTenant(tenantId);
      await tamper(async (q) => {
        const [row] = await q<{ entry: string }[]>(`SELECT entry FROM evidence_ledger WHERE tenant_id = $1 AND seq = $2`, [tenantId, head + 1]);
        const body = JSON.parse(row?.entry ?? '{}') as EntryBody;
        const forged = chainRecords(tenantId, { seq: head, hash: 'f'.repeat(64) }, [{ source: body.source, op: body.op, at: body.at, data: { forged: true } }]).entries[0];
        await q(`UPDATE evidence_ledger SET entry = $3, hash = $4 WHERE tenant_id = $1 AND seq = $2`, [tenantId, head + 1, forged?.entry, forged?.hash]);
        await q(`UPDATE evidence_heads SET hash = $2 WHERE tenant_id = $1`, [tenantId, forged?.hash]);
      });
      const { signed, refused } = await ledger.checkpoint(new Date(), { tenantId });
      expect(signed).toEqual([]);
      expect(refused).toEqual([{ tenantId, problem: expect.objectContaining({ seq: head + 1, kind: 'unlinked' }) as unknown }]);
    });

    it('names an entry edited with its hash recomputed when only a period around it is verified', async () => {
      const { tenantId, head } = await chainedTenant(6);
      await ledger.checkpoint(new Date(), { tenantId });
      const seq = await seqOf(tenantId, 'checked 3');
      await tamper(async (q) => {
        const [row] = await q<{ entry: string }[]>(`SELECT entry FROM evidence_ledger WHERE tenant_id = $1 AND seq = $2`, [tenantId, seq]);
        const body = JSON.parse(row?.entry ?? '{}') as EntryBody;
        const forged = chainRecords(tenantId, { seq: seq - 1, hash: body.prev }, [{ source: body.source, op: body.op, at: body.at, data: { forged: true } }]).entries[0];
        await q(`UPDATE evidence_ledger SET entry = $3, hash = $4 WHERE tenant_id = $1 AND seq = $2`, [tenantId, seq, forged?.entry, forged?.hash]);
      });
      const [at] = await app.query<{ at: Date }[]>(`SELECT at FROM evidence_ledger WHERE tenant_id = $1 AND seq = $2`, [tenantId, seq]);
      const period = { from: at?.at, to: new Date((at?.at.getTime() ?? 0) + 1) };
      // The period holds the forged entry alone; the entry after it, outside, no longer follows it.
      expect((await ledger.verify(tenantId, period)).problem).toMatchObject({ seq: seq + 1, kind: 'unlinked' });
      expect(head).toBeGreaterThan(seq);
    });

    it('names a head moved back, and refuses to move it back or truncate the ledger for anyone but who switches the guards off', async () => {
      const { tenantId, head } = await chainedTenant(4);
      await expect(app.query(`UPDATE evidence_heads SET seq = seq - 2 WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/only moves forward/);
      await expect(owner.query(`TRUNCATE evidence_checkpoints`)).rejects.toThrow(/append-only/);
      await owner.transaction(async (m) => {
        await m.query(`ALTER TABLE evidence_heads DISABLE TRIGGER tr_evidence_heads_forward`);
        await m.query(`UPDATE evidence_heads SET seq = seq - 2 WHERE tenant_id = $1`, [tenantId]);
        await m.query(`ALTER TABLE evidence_heads ENABLE TRIGGER tr_evidence_heads_forward`);
      });
      expect((await ledger.verify(tenantId)).problem).toMatchObject({ seq: head - 1, kind: 'unlinked' });
    });

    it('catches a suffix rewritten with every hash recomputed by the signed checkpoint, not by the chain', async () => {
      const { tenantId, head } = await chainedTenant(6);
      const { signed } = await ledger.checkpoint(new Date(), { tenantId });
      expect(signed.map((c) => c.seq)).toEqual([head]);
      const from = await seqOf(tenantId, 'checked 2');
      await tamper(async (q) => {
        const [before] = await q(`SELECT hash FROM evidence_ledger WHERE tenant_id = $1 AND seq = $2`, [tenantId, from - 1]);
        const rows = await q<{ entry: string }[]>(`SELECT entry FROM evidence_ledger WHERE tenant_id = $1 AND seq >= $2 ORDER BY seq`, [tenantId, from]);
        const records = rows.map((r) => {
          const body = JSON.parse(r.entry) as EntryBody;
          return { source: body.source, op: body.op, at: body.at, data: JSON.parse(JSON.stringify(body.data).replace(/checked/g, 'ignored')) as unknown };
        });
        const rewritten = chainRecords(tenantId, { seq: from - 1, hash: (before as { hash: string }).hash }, records);
        await q(`DELETE FROM evidence_ledger WHERE tenant_id = $1 AND seq >= $2`, [tenantId, from]);
        for (const e of rewritten.entries) {
          const { at } = JSON.parse(e.entry) as EntryBody;
          await q(`INSERT INTO evidence_ledger (tenant_id, seq, at, entry, hash) VALUES ($1, $2, $5, $3, $4)`, [tenantId, e.seq, e.entry, e.hash, at]);
        }
        await q(`UPDATE evidence_heads SET hash = $2 WHERE tenant_id = $1`, [tenantId, rewritten.head.hash]);
      });
      expect((await ledger.verify(tenantId)).problem).toMatchObject({ seq: head, kind: 'checkpoint-mismatch' });
    });
  });
});

/** The sequence number of the tenant's entry whose text holds `marker`. */
async function seqOf(tenantId: string, marker: string): Promise<number> {
  const [row] = await owner.query<{ seq: string }[]>(`SELECT seq FROM evidence_ledger WHERE tenant_id = $1 AND strpos(entry, $2) > 0`, [tenantId, marker]);
  if (!row) throw new Error(`no entry holds ${marker}`);
  return Number(row.seq);
}
