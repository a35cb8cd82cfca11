import { generateKeyPairSync } from 'node:crypto';
import { chainRecords, EvidenceSigner, GENESIS_HASH, keyIdOf, LedgerVerifier, publicKeyFromPem, sha256Hex, type Checkpoint, type LedgerEntry } from './index';

const records = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ source: 'alert_history', op: 'insert', at: new Date(Date.UTC(2026, 11, 1, 0, 0, from + i)).toISOString(), data: { action: 'acknowledged', actor: 'risk@bank', n: from + i } }));

const signer = EvidenceSigner.fromSeed(Buffer.alloc(32, 7));
const keys = new Map([[signer.keyId, signer.publicKey]]);

function verify(entries: readonly LedgerEntry[], checkpoints: readonly Checkpoint[] = [], range = {}) {
  const verifier = new LedgerVerifier('t1', checkpoints, keys, range);
  for (const e of entries) verifier.add(e);
  return verifier.finish();
}

describe('the evidence ledger', () => {
  const { entries, head } = chainRecords('t1', { seq: 0, hash: GENESIS_HASH }, records(10));
  const checkpoint = signer.checkpoint('t1', { seq: 6, hash: entries[5]!.hash }, new Date('2026-12-01T01:00:00Z'));

  it('chains entries: each holds its position and the previous hash, and continues from a head', () => {
    expect(head.seq).toBe(10);
    const second = JSON.parse(entries[1]!.entry) as { seq: number; prev: string; tenant_id: string };
    expect(second).toMatchObject({ seq: 2, prev: entries[0]!.hash, tenant_id: 't1' });
    expect(entries[1]!.hash).toBe(sha256Hex(entries[1]!.entry));
    const more = chainRecords('t1', head, records(2, 10));
    expect(verify([...entries, ...more.entries], [checkpoint])).toMatchObject({ ok: true, entries: 12, last_seq: 12, checkpoints: { checked: 1, matched: 1 } });
  });

  it('names an edited entry', () => {
    const edited = entries.map((e) => (e.seq === 4 ? { ...e, entry: e.entry.replace('risk@bank', 'someone@else') } : e));
    expect(verify(edited).problem).toMatchObject({ seq: 4, kind: 'edited' });
  });

  it('names a deleted entry, and a deleted end that a checkpoint covered', () => {
    expect(verify(entries.filter((e) => e.seq !== 3)).problem).toMatchObject({ seq: 3, kind: 'missing' });
    expect(verify(entries.slice(0, 4), [checkpoint]).problem).toMatchObject({ seq: 5, kind: 'truncated' });
    expect(verify(entries.slice(0, 8), [], { expectLastSeq: 10 }).problem).toMatchObject({ seq: 9, kind: 'missing' });
  });

  it('names an inserted entry and two swapped ones', () => {
    const forged = chainRecords('t1', { seq: 4, hash: entries[3]!.hash }, records(1, 99)).entries[0]!;
    const inserted = [...entries.slice(0, 4), forged, ...entries.slice(4).map((e) => ({ ...e, seq: e.seq + 1 }))];
    expect(verify(inserted).problem).toMatchObject({ seq: 6, kind: 'misplaced' });
    const swapped = entries.map((e) => (e.seq === 7 ? { ...entries[7]!, seq: 7 } : e.seq === 8 ? { ...entries[6]!, seq: 8 } : e));
    expect(verify(swapped).problem).toMatchObject({ seq: 7, kind: 'misplaced' });
  });

  it('catches a suffix rewritten with every hash recomputed only by the signed checkpoint', () => {
    const rewritten = [...entries.slice(0, 3), ...chainRecords('t1', { seq: 3, hash: entries[2]!.hash }, records(7, 50)).entries];
    expect(verify(rewritten).ok).toBe(true);
    expect(verify(rewritten, [checkpoint]).problem).toMatchObject({ seq: 6, kind: 'checkpoint-mismatch' });
  });

  it('refuses a checkpoint that does not verify with the published key', () => {
    const other = EvidenceSigner.fromSeed(Buffer.alloc(32, 9)).checkpoint('t1', { seq: 6, hash: entries[5]!.hash }, new Date());
    expect(verify(entries, [{ ...other, key_id: signer.keyId }]).problem).toMatchObject({ seq: 6, kind: 'bad-signature' });
    expect(verify(entries, [{ ...checkpoint, seq: 7 }]).problem).toMatchObject({ seq: 7, kind: 'bad-signature' });
  });

  it('anchors a range at the hash before it, and checks the time stored beside an entry', () => {
    expect(verify(entries.slice(3), [], { fromSeq: 4, prevHash: entries[2]!.hash }).ok).toBe(true);
    expect(verify(entries.slice(3), [], { fromSeq: 4, prevHash: entries[1]!.hash }).problem).toMatchObject({ seq: 4, kind: 'unlinked' });
    const stored = entries.map((e) => ({ ...e, at: (JSON.parse(e.entry) as { at: string }).at }));
    expect(verify(stored).ok).toBe(true);
    expect(verify(stored.map((e) => (e.seq === 5 ? { ...e, at: '2020-01-01T00:00:00.000Z' } : e))).problem).toMatchObject({ seq: 5, kind: 'edited' });
  });

  it('verifies a range from its first entry, and checks the genesis link only from entry 1', () => {
    expect(verify(entries.slice(3, 8), [checkpoint], { fromSeq: 4, toSeq: 8 })).toMatchObject({ ok: true, first_seq: 4, last_seq: 8, checkpoints: { matched: 1 } });
    const relinked = [{ ...entries[0]!, entry: entries[0]!.entry.replace(GENESIS_HASH, 'f'.repeat(64)) }];
    expect(verify(relinked).problem).toMatchObject({ seq: 1, kind: 'edited' });
  });

  it('keeps data without a canonical form as plain JSON beside the reason, and the chain goes on', () => {
    const odd = chainRecords('t1', head, [{ source: 'rule_verdicts', op: 'insert', at: '2026-12-01T00:00:00.000Z', data: { value: Number.POSITIVE_INFINITY } }, ...records(1, 20)]);
    const body = JSON.parse(odd.entries[0]!.entry) as { data: { not_canonical: string; json: string } };
    expect(body.data).toEqual({ not_canonical: 'data.value: Infinity is not a JSON number', json: '{"value":null}' });
    expect(verify([...entries, ...odd.entries])).toMatchObject({ ok: true, last_seq: 12 });
  });

  it('reads keys from PEM: a checkpoint signed with the file key verifies with the published PEM, and only with it', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const fromFile = EvidenceSigner.fromPem(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const published = publicKeyFromPem(fromFile.publicKeyPem);
    expect(keyIdOf(published)).toBe(fromFile.keyId);
    const signed = fromFile.checkpoint('t1', { seq: 6, hash: entries[5]!.hash }, new Date());
    expect(verify(entries, [signed]).problem).toMatchObject({ kind: 'bad-signature' });
    const verifier = new LedgerVerifier('t1', [signed], new Map([[keyIdOf(published), published]]));
    for (const e of entries) verifier.add(e);
    expect(verifier.finish()).toMatchObject({ ok: true, checkpoints: { matched: 1 } });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => EvidenceSigner.fromPem(rsa)).toThrow('expected an Ed25519 private key, got rsa');
    expect(() => EvidenceSigner.fromPem('not a key')).toThrow('openssl genpkey -algorithm ed25519');
    expect(EvidenceSigner.development().isDevelopmentKey).toBe(true);
    expect(signer.isDevelopmentKey).toBe(false);
  });
});
