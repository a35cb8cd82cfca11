import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EvidenceRepository } from '@kanshi/persistence';
import type { EvidenceLedger } from './evidence-ledger.service';
import { keyIdOf, type Checkpoint } from './evidence-signer';
import type { LedgerEntry } from './ledger-chain';
import { LedgerVerifier, type LedgerProblem, type LedgerReport } from './ledger-verifier';

/** The bundle's format, in its manifest: a reader refuses one it does not know. */
export const BUNDLE_FORMAT = 'kanshi-evidence-bundle/1';

/** The files of a bundle directory. */
export const BUNDLE_FILES = {
  entries: 'entries.jsonl',
  checkpoints: 'checkpoints.jsonl',
  publicKey: 'public-key.pem',
  manifest: 'manifest.json',
} as const;

/** What a bundle holds, and the SHA-256 of each of its other files. */
export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly tenant_id: string;
  /** The period asked for; the entries run from the one before it to a signed checkpoint after it. */
  readonly period: { readonly from: string | null; readonly to: string | null };
  readonly first_seq: number;
  readonly last_seq: number;
  readonly entries: number;
  readonly checkpoints: number;
  readonly key_id: string;
  readonly created_at: string;
  readonly files: Readonly<Record<string, string>>;
}

/** One line of `entries.jsonl`: the entry's canonical text as stored, and its hash. */
interface EntryLine extends LedgerEntry {
  readonly at: string;
}

/** A file written while its SHA-256 is computed, a line at a time (memory stays flat). */
class HashedFile {
  private readonly hash = createHash('sha256');
  private readonly stream: WriteStream;

  constructor(path: string) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
  }

  async write(text: string): Promise<void> {
    this.hash.update(text, 'utf8');
    if (!this.stream.write(text)) await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()));
  }

  async close(): Promise<string> {
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    return this.hash.digest('hex');
  }
}

/**
 * Writes a tenant's evidence for a period into `dir`: its entries (from the one before the
 * period, to the head's checkpoint, signed now if the head has none), every checkpoint over
 * them, the public key and a manifest of hashes. Verifiable with {@link verifyBundle} and the
 * public key alone. `progress` hears the entries written so far.
 */
export async function exportBundle(
  ledger: EvidenceLedger,
  store: EvidenceRepository,
  tenantId: string,
  period: { readonly from?: Date; readonly to?: Date },
  dir: string,
  progress: (written: number, total: number) => void = () => undefined,
): Promise<BundleManifest> {
  const head = await ledger.checkpointHead(tenantId);
  if (head.problem) throw new Error(`the chain is broken at entry ${head.problem.seq} (${head.problem.kind}): ${head.problem.message}; no bundle is made of it`);
  if (!head.checkpoint) throw new Error(`tenant "${tenantId}" has no evidence yet`);
  const end = head.checkpoint.seq;
  const span = await store.periodSeqs(tenantId, period.from, period.to, end);
  const firstSeq = Math.max(1, span.fromSeq - 1);
  const checkpoints = (await store.checkpoints(tenantId, firstSeq, end)).filter((c) => c.key_id === ledger.signer.keyId);
  const lastSeq = checkpoints.map((c) => c.seq).find((seq) => seq >= span.toSeq) ?? end;
  await mkdir(dir, { recursive: true });
  const entries = new HashedFile(join(dir, BUNDLE_FILES.entries));
  let written = 0;
  for await (const e of store.entries(tenantId, firstSeq, lastSeq)) {
    await entries.write(`${JSON.stringify({ seq: e.seq, at: e.at, entry: e.entry, hash: e.hash })}\n`);
    written += 1;
    if (written % 1000 === 0) progress(written, lastSeq - firstSeq + 1);
  }
  progress(written, lastSeq - firstSeq + 1);
  const ckFile = new HashedFile(join(dir, BUNDLE_FILES.checkpoints));
  const inBundle = checkpoints.filter((c) => c.seq <= lastSeq);
  for (const c of inBundle) await ckFile.write(`${JSON.stringify(c)}\n`);
  const keyFile = new HashedFile(join(dir, BUNDLE_FILES.publicKey));
  await keyFile.write(ledger.signer.publicKeyPem);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    tenant_id: tenantId,
    period: { from: period.from?.toISOString() ?? null, to: period.to?.toISOString() ?? null },
    first_seq: firstSeq,
    last_seq: lastSeq,
    entries: written,
    checkpoints: inBundle.length,
    key_id: ledger.signer.keyId,
    created_at: new Date().toISOString(),
    files: { [BUNDLE_FILES.entries]: await entries.close(), [BUNDLE_FILES.checkpoints]: await ckFile.close(), [BUNDLE_FILES.publicKey]: await keyFile.close() },
  };
  await writeFile(join(dir, BUNDLE_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** What {@link verifyBundle} found: the ledger report, and the bundle's own problems (files, format, key). */
export interface BundleReport extends LedgerReport {
  readonly bundle: { readonly tenant_id: string | null; readonly key_id: string | null; readonly problems: readonly string[] };
}

/** An error's message, whatever realm threw it. */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Verifies a bundle directory with `publicKey` (obtained out of band, not the bundle's own copy):
 * the manifest's file hashes, every entry (hash, position, link, time), every checkpoint's
 * signature, and that a signed checkpoint covers the bundle's last entry. Needs no database.
 */
export async function verifyBundle(dir: string, publicKey: KeyObject): Promise<BundleReport> {
  const problems: string[] = [];
  const fail = (problem: LedgerProblem | undefined, tenantId: string | null, keyId: string | null): BundleReport => ({
    ok: false,
    tenant_id: tenantId ?? '',
    entries: 0,
    first_seq: null,
    last_seq: null,
    head_hash: null,
    checkpoints: { checked: 0, matched: 0 },
    ...(problem ? { problem } : {}),
    bundle: { tenant_id: tenantId, key_id: keyId, problems },
  });
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, BUNDLE_FILES.manifest), 'utf8')) as BundleManifest;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    problems.push(code === 'ENOENT' ? `${BUNDLE_FILES.manifest} is missing: ${dir} is not an evidence bundle` : `${BUNDLE_FILES.manifest} is not readable JSON: ${messageOf(error)}`);
    return fail(undefined, null, null);
  }
  if ((manifest.format as string) !== BUNDLE_FORMAT) {
    problems.push(`${BUNDLE_FILES.manifest}: format ${JSON.stringify(manifest.format)} is not ${BUNDLE_FORMAT}`);
    return fail(undefined, typeof manifest.tenant_id === 'string' ? manifest.tenant_id : null, typeof manifest.key_id === 'string' ? manifest.key_id : null);
  }
  for (const name of [BUNDLE_FILES.entries, BUNDLE_FILES.checkpoints, BUNDLE_FILES.publicKey]) {
    const expected = manifest.files?.[name];
    const actual = await fileSha256(join(dir, name)).catch(() => null);
    if (actual === null) problems.push(`${name} is missing`);
    else if (actual !== expected) problems.push(`${name} does not match the manifest's SHA-256: it was changed after export`);
  }
  const keyId = keyIdOf(publicKey);
  if (manifest.key_id !== keyId) problems.push(`the bundle's checkpoints name key ${manifest.key_id}, not the key given (${keyId})`);
  const checkpoints: Checkpoint[] = [];
  for await (const line of createInterface({ input: createReadStream(join(dir, BUNDLE_FILES.checkpoints)).on('error', () => undefined), crlfDelay: Infinity })) {
    if (line.trim() !== '') checkpoints.push(JSON.parse(line) as Checkpoint);
  }
  const verifier = new LedgerVerifier(manifest.tenant_id, checkpoints, new Map([[keyId, publicKey]]), {
    fromSeq: manifest.first_seq,
    toSeq: manifest.last_seq,
    expectLastSeq: manifest.last_seq,
  });
  let lineNo = 0;
  try {
    for await (const line of createInterface({ input: createReadStream(join(dir, BUNDLE_FILES.entries)), crlfDelay: Infinity })) {
      lineNo += 1;
      if (line.trim() === '') continue;
      verifier.add(JSON.parse(line) as EntryLine);
    }
  } catch (error) {
    problems.push(`${BUNDLE_FILES.entries} line ${lineNo}: ${messageOf(error)}`);
  }
  const report = verifier.finish();
  const anchored = checkpoints.some((c) => c.seq === manifest.last_seq && c.key_id === keyId);
  if (report.ok && !anchored) problems.push(`no checkpoint signed with key ${keyId} covers the bundle's last entry (${manifest.last_seq})`);
  return { ...report, ok: report.ok && problems.length === 0, bundle: { tenant_id: manifest.tenant_id, key_id: manifest.key_id, problems } };
}
