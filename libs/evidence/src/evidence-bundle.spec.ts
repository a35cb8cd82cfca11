import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_FILES, BUNDLE_FORMAT, verifyBundle } from './evidence-bundle';
import { EvidenceSigner } from './evidence-signer';
import { chainRecords, GENESIS_HASH } from './ledger-chain';

const signer = EvidenceSigner.fromSeed(Buffer.alloc(32, 5));
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A bundle of entries 1–8 (checkpoint at 8), written as `exportBundle` writes one, in a temp dir. */
function writeBundle(edit: (files: Record<string, string>) => void = () => undefined, options: { checkpointAt?: number } = {}): string {
  const records = Array.from({ length: 8 }, (_, i) => ({ source: 'alert_history', op: 'insert', at: new Date(Date.UTC(2026, 11, 1, 9, i)).toISOString(), data: [{ action: 'acknowledged', comment: `checked ${i}` }] }));
  const { entries } = chainRecords('bank-a', { seq: 0, hash: GENESIS_HASH }, records);
  const at = options.checkpointAt ?? 8;
  const checkpoint = signer.checkpoint('bank-a', { seq: at, hash: entries[at - 1]!.hash }, new Date('2026-12-02T00:00:00Z'));
  const files: Record<string, string> = {
    [BUNDLE_FILES.entries]: entries.map((e) => `${JSON.stringify({ seq: e.seq, at: (JSON.parse(e.entry) as { at: string }).at, entry: e.entry, hash: e.hash })}\n`).join(''),
    [BUNDLE_FILES.checkpoints]: `${JSON.stringify(checkpoint)}\n`,
    [BUNDLE_FILES.publicKey]: signer.publicKeyPem,
  };
  const manifest = {
    format: BUNDLE_FORMAT,
    tenant_id: 'bank-a',
    period: { from: null, to: null },
    first_seq: 1,
    last_seq: 8,
    entries: 8,
    checkpoints: 1,
    key_id: signer.keyId,
    created_at: '2026-12-02T00:00:00.000Z',
    files: Object.fromEntries(Object.entries(files).map(([name, text]) => [name, sha(text)])),
  };
  edit(files);
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
    expect(await verifyBundle(writeBundle(), signer.publicKey)).toMatchObject({ ok: true, entries: 8, last_seq: 8, checkpoints: { checked: 1, matched: 1 }, bundle: { problems: [] } });
  });

  it('names a file changed after export, and the entry edited in it', async () => {
    const report = await verifyBundle(
      writeBundle((files) => {
        files[BUNDLE_FILES.entries] = (files[BUNDLE_FILES.entries] ?? '').replace('checked 4', 'checked 9');
      }),
      signer.publicKey,
    );
    expect(report.ok).toBe(false);
    expect(report.bundle.problems).toEqual([`${BUNDLE_FILES.entries} does not match the manifest's SHA-256: it was changed after export`]);
    expect(report.problem).toMatchObject({ seq: 5, kind: 'edited' });
  });

  it('refuses another key than the one that signed, and a bundle whose end no checkpoint covers', async () => {
    const other = EvidenceSigner.fromSeed(Buffer.alloc(32, 6));
    const wrongKey = await verifyBundle(writeBundle(), other.publicKey);
    expect(wrongKey.ok).toBe(false);
    expect(wrongKey.bundle.problems[0]).toContain(`not the key given (${other.keyId})`);
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
