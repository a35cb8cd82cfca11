import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_FILES, BUNDLE_FORMAT, BUNDLE_FORMAT_V1, verifyBundle } from './evidence-bundle';
import { EvidenceSigner } from './evidence-signer';
import { chainRecords, GENESIS_HASH } from './ledger-chain';

const defaultSigner = EvidenceSigner.fromSeed(Buffer.alloc(32, 5));
const signer = defaultSigner;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const hashes = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([name, text]) => [name, sha(text)]));

/** A bundle of entries 1–8 (checkpoint at 8), written as `exportBundle` writes one, in a temp dir. */
function writeBundle(
  edit: (files: Record<string, string>, manifest: Record<string, unknown>) => void = () => undefined,
  options: { checkpointAt?: number; signer?: EvidenceSigner } = {},
): string {
  const signer = options.signer ?? defaultSigner;
  const records = Array.from({ length: 8 }, (_, i) => ({ source: 'alert_history', op: 'insert', at: new Date(Date.UTC(2026, 11, 1, 9, i)).toISOString(), data: [{ action: 'acknowledged', comment: `checked ${i}` }] }));
  const { entries } = chainRecords('bank-a', { seq: 0, hash: GENESIS_HASH }, records);
  const at = options.checkpointAt ?? 8;
  const checkpoint = signer.checkpoint('bank-a', { seq: at, hash: entries[at - 1]!.hash }, new Date('2026-12-02T00:00:00Z'));
  const files: Record<string, string> = {
    [BUNDLE_FILES.entries]: entries.map((e) => `${JSON.stringify({ seq: e.seq, at: (JSON.parse(e.entry) as { at: string }).at, entry: e.entry, hash: e.hash })}\n`).join(''),
    [BUNDLE_FILES.checkpoints]: `${JSON.stringify(checkpoint)}\n`,
    [BUNDLE_FILES.publicKey]: signer.publicKeyPem,
  };
  const statement = {
    format: BUNDLE_FORMAT,
    tenant_id: 'bank-a',
    period: { from: null, to: null },
    first_seq: 1,
    first_hash: entries[0]!.hash,
    last_seq: 8,
    last_hash: entries[7]!.hash,
    key_id: signer.keyId,
    created_at: '2026-12-02T00:00:00.000Z',
    report_scope: { model_id: null, sector: null },
    files: hashes(files),
  };
  const manifest: Record<string, unknown> = { ...statement, entries: 8, checkpoints: 1, signature: signer.signStatement(statement) };
  edit(files, manifest);
  // The file hashes are made again after the edit, as someone covering their tracks would.
  manifest['files'] = hashes(files);
  const dir = mkdtempSync(join(tmpdir(), 'kanshi-bundle-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, BUNDLE_FILES.manifest), JSON.stringify(manifest));
  dirs.push(dir);
  return dir;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('verifyBundle (files and a public key, no database)', () => {
  it('verifies an untouched bundle: hashes, entries, the checkpoint at its end', async () => {
    expect(await verifyBundle(writeBundle(), signer.publicKey)).toMatchObject({
      ok: true,
      entries: 8,
      last_seq: 8,
      checkpoints: { checked: 1, matched: 1 },
      bundle: { problems: [], covers: { from: '2026-12-01T09:00:00.000Z', to: '2026-12-01T09:07:00.000Z' } },
    });
  });

  it('names an entry edited after export, even with the manifest’s file hashes made again', async () => {
    const report = await verifyBundle(
      writeBundle((files) => {
        files[BUNDLE_FILES.entries] = (files[BUNDLE_FILES.entries] ?? '').replace('checked 4', 'checked 9');
      }),
      signer.publicKey,
    );
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ seq: 5, kind: 'edited' });
  });

  it('names a file changed after export when the manifest was left alone', async () => {
    const dir = writeBundle();
    writeFileSync(join(dir, BUNDLE_FILES.checkpoints), '');
    const report = await verifyBundle(dir, signer.publicKey);
    expect(report.bundle.problems).toContain(`${BUNDLE_FILES.checkpoints} does not match the manifest's SHA-256: it was changed after export`);
  });

  it('refuses a bundle cut short or lengthened at either end, whatever the manifest was changed to', async () => {
    const lines = (files: Record<string, string>) => (files[BUNDLE_FILES.entries] ?? '').trimEnd().split('\n');
    const cutEnd = await verifyBundle(
      writeBundle((files, manifest) => {
        files[BUNDLE_FILES.entries] = `${lines(files).slice(0, 5).join('\n')}\n`;
        manifest['last_seq'] = 5;
      }),
      signer.publicKey,
    );
    expect(cutEnd.ok).toBe(false);
    expect(cutEnd.bundle.problems[0]).toContain("the manifest's signature does not verify");
    const cutStart = await verifyBundle(
      writeBundle((files, manifest) => {
        files[BUNDLE_FILES.entries] = `${lines(files).slice(3).join('\n')}\n`;
        manifest['first_seq'] = 4;
      }),
      signer.publicKey,
    );
    expect(cutStart.bundle.problems[0]).toContain("the manifest's signature does not verify");
    const longer = chainRecords('bank-a', { seq: 8, hash: 'x'.repeat(64) }, [{ source: 'audit_log', op: 'insert', at: '2026-12-03T00:00:00.000Z', data: [] }]).entries[0]!;
    const appended = await verifyBundle(
      writeBundle((files) => {
        files[BUNDLE_FILES.entries] += `${JSON.stringify({ seq: 9, at: '2026-12-03T00:00:00.000Z', entry: longer.entry, hash: longer.hash })}\n`;
      }),
      signer.publicKey,
    );
    expect(appended.problem).toMatchObject({ seq: 9, kind: 'misplaced' });
  });

  it('refuses a checkpoint of another tenant or outside the bundle, and the public development key', async () => {
    const foreign = await verifyBundle(
      writeBundle((files) => {
        files[BUNDLE_FILES.checkpoints] += `${JSON.stringify({ tenant_id: 'zzz', seq: 8, hash: 'a', signed_at: '2026-12-02T00:00:00.000Z', key_id: signer.keyId, signature: 'AAAA' })}\n`;
      }),
      signer.publicKey,
    );
    expect(foreign.bundle.problems).toContain(`${BUNDLE_FILES.checkpoints} holds a checkpoint of entry 8 of tenant "zzz", outside the bundle`);
    const development = EvidenceSigner.development();
    const signedByAnyone = await verifyBundle(writeBundle(undefined, { signer: development }), development.publicKey);
    expect(signedByAnyone.ok).toBe(false);
    expect(signedByAnyone.bundle.problems[0]).toContain('public development key');
  });

  it('notices a report replaced after export, also when the manifest’s hash of it was made again', async () => {
    const replaced = await verifyBundle(
      writeBundle((files) => {
        files['report.en.pdf'] = '%PDF-1.7 a kinder report';
      }),
      signer.publicKey,
    );
    expect(replaced.ok).toBe(false);
    expect(replaced.bundle.problems).toEqual([`the manifest's signature does not verify with key ${signer.keyId}: its tenant, period, ends or file hashes were changed, or another key signed it`]);
    // A name that is not a plain file of the bundle is never opened, even in a manifest the key signed.
    const dir = writeBundle();
    const { entries, checkpoints, signature, ...statement } = JSON.parse(readFileSync(join(dir, BUNDLE_FILES.manifest), 'utf8')) as Record<string, unknown>;
    const odd = { ...statement, files: { ...(statement['files'] as object), '../../etc/passwd': 'x' } };
    writeFileSync(join(dir, BUNDLE_FILES.manifest), JSON.stringify({ ...odd, entries, checkpoints, signature: signer.signStatement(odd) }));
    expect(signature).toEqual(expect.any(String));
    const escaping = await verifyBundle(dir, signer.publicKey);
    expect(escaping.ok).toBe(false);
    expect(escaping.bundle.problems).toEqual(['manifest.json lists "../../etc/passwd", which is not a file name of a bundle']);
  });

  it('still verifies a bundle of the first format, whose signature does not cover the file hashes', async () => {
    const dir = writeBundle();
    const { entries, checkpoints, signature, report_scope, ...statement } = JSON.parse(readFileSync(join(dir, BUNDLE_FILES.manifest), 'utf8')) as Record<string, unknown>;
    expect([signature, report_scope]).toEqual([expect.any(String), { model_id: null, sector: null }]);
    const { files, ...rest } = statement;
    const v1 = { ...rest, format: BUNDLE_FORMAT_V1 };
    writeFileSync(join(dir, BUNDLE_FILES.manifest), JSON.stringify({ ...v1, files, entries, checkpoints, signature: signer.signStatement(v1) }));
    expect(await verifyBundle(dir, signer.publicKey)).toMatchObject({ ok: true, bundle: { problems: [] } });
    // Its files are still checked against the manifest's hashes.
    writeFileSync(join(dir, BUNDLE_FILES.checkpoints), '');
    expect((await verifyBundle(dir, signer.publicKey)).ok).toBe(false);
  });

  it('refuses another key than the one that signed, and a bundle whose end no checkpoint covers', async () => {
    const other = EvidenceSigner.fromSeed(Buffer.alloc(32, 6));
    const wrongKey = await verifyBundle(writeBundle(), other.publicKey);
    expect(wrongKey.ok).toBe(false);
    expect(wrongKey.bundle.problems).toContain(`the bundle names key ${signer.keyId}, not the key given (${other.keyId})`);
    const unanchored = await verifyBundle(writeBundle(undefined, { checkpointAt: 5 }), signer.publicKey);
    expect(unanchored.ok).toBe(false);
    expect(unanchored.bundle.problems).toEqual([`no checkpoint signed with key ${signer.keyId} covers the bundle's last entry (8)`]);
  });

  it('says what is wrong with a directory that is not a bundle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kanshi-not-a-bundle-'));
    dirs.push(dir);
    const report = await verifyBundle(dir, signer.publicKey);
    expect(report.ok).toBe(false);
    expect(report.bundle.problems).toEqual([`manifest.json is missing: ${dir} is not an evidence bundle`]);
    expect(readFileSync(join(writeBundle(), BUNDLE_FILES.publicKey), 'utf8')).toContain('BEGIN PUBLIC KEY');
  });
});
