import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EvidenceRepository } from '@kanshi/persistence';
import type { EvidenceLedger } from './evidence-ledger.service';
import { checkpointSignatureValid, isDevelopmentKeyId, keyIdOf, statementSignatureValid, type Checkpoint } from './evidence-signer';
import type { LedgerEntry } from './ledger-chain';
import { LedgerVerifier, type LedgerReport } from './ledger-verifier';
import { buildEvidenceReport, type ReportFacts } from './report/evidence-report';
import { writeReportPdf } from './report/report-pdf';
import { REPORT_LANGUAGES, type ReportLanguage } from './report/report-text';

/** The bundle's format, in its manifest: a reader refuses one it does not know. */
export const BUNDLE_FORMAT = 'kanshi-evidence-bundle/2';
/**
 * The first format, still verified: its signature covers the tenant, period, ends, key and time
 * but not the file hashes (nor a report, which it never had).
 */
export const BUNDLE_FORMAT_V1 = 'kanshi-evidence-bundle/1';

/** The files of a bundle directory. */
export const BUNDLE_FILES = {
  entries: 'entries.jsonl',
  checkpoints: 'checkpoints.jsonl',
  publicKey: 'public-key.pem',
  manifest: 'manifest.json',
} as const;

/** The report's file in each language. */
export const REPORT_FILES: Readonly<Record<ReportLanguage, string>> = { ja: 'report.ja.pdf', en: 'report.en.pdf' };

/** A file name a manifest may list: a plain name in the bundle's directory. */
const FILE_NAME = /^[a-z0-9][a-z0-9.-]{0,63}$/;

/** What the exporter signs: which span of which chain the bundle holds, ends included. */
export interface BundleStatement {
  readonly format: typeof BUNDLE_FORMAT | typeof BUNDLE_FORMAT_V1;
  readonly tenant_id: string;
  /** The period asked for; the entries run from the one before it to a signed checkpoint after the first one at or after its end. */
  readonly period: { readonly from: string | null; readonly to: string | null };
  readonly first_seq: number;
  readonly first_hash: string;
  readonly last_seq: number;
  readonly last_hash: string;
  readonly key_id: string;
  readonly created_at: string;
  /** What the report covers beyond the tenant and period (the entries are the whole chain's). */
  readonly report_scope: { readonly model_id: string | null; readonly sector: string | null };
  /** The SHA-256 of each of the bundle's other files, by name. */
  readonly files: Readonly<Record<string, string>>;
}

/** What a bundle holds, signed. */
export interface BundleManifest extends BundleStatement {
  readonly entries: number;
  readonly checkpoints: number;
  /** Ed25519 over the canonical JSON of the {@link BundleStatement} fields, base64: nobody without the key can move either end, or change a file. */
  readonly signature: string;
}

/** What the manifest's signature covers, by format. */
const statementOf = (m: BundleStatement): object => {
  const v1 = {
    format: m.format,
    tenant_id: m.tenant_id,
    period: { from: m.period.from, to: m.period.to },
    first_seq: m.first_seq,
    first_hash: m.first_hash,
    last_seq: m.last_seq,
    last_hash: m.last_hash,
    key_id: m.key_id,
    created_at: m.created_at,
  };
  return m.format === BUNDLE_FORMAT_V1 ? v1 : { ...v1, report_scope: { model_id: m.report_scope.model_id, sector: m.report_scope.sector }, files: { ...m.files } };
};

/** One line of `entries.jsonl`: the entry's canonical text as stored, and its hash. */
interface EntryLine extends LedgerEntry {
  readonly at: string;
}

/** A file written while its SHA-256 is computed, a line at a time (memory stays flat); a write error rejects, never crashes. */
class HashedFile {
  private readonly hash = createHash('sha256');
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (error) => (this.failure = error));
  }

  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.hash.update(text, 'utf8');
    if (this.stream.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        if (error) reject(error);
        else resolve();
      };
      this.stream.once('drain', done);
      this.stream.once('error', done);
    });
  }

  async close(): Promise<string> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    return this.hash.digest('hex');
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/** The report that goes with a bundle: its facts, read once the ledger span is known, and the font it embeds. */
export interface BundleReportSource {
  readonly scope: { readonly modelId: string | null; readonly sector: string | null };
  readonly facts: (ledger: NonNullable<ReportFacts['ledger']>) => Promise<ReportFacts>;
  readonly fontPath: string;
}

/** How far an export has come: entries written of the span, then the report's languages. */
export type BundleProgress = (step: { readonly stage: 'entries' | 'report'; readonly done: number; readonly total: number }) => void;

/**
 * Writes a tenant's evidence for a period into `dir`: its entries (from the one before the
 * period, to the head's checkpoint, signed now if the head has none), every checkpoint over
 * them, the public key, the report in Japanese and English (with `report`), and a signed
 * manifest of hashes. Verifiable with {@link verifyBundle} and the public key alone.
 * `progress` hears how far it has come.
 */
export async function exportBundle(
  ledger: EvidenceLedger,
  store: EvidenceRepository,
  tenantId: string,
  period: { readonly from?: Date; readonly to?: Date },
  dir: string,
  options: { readonly report?: BundleReportSource; readonly progress?: BundleProgress } = {},
): Promise<BundleManifest> {
  const progress: BundleProgress = options.progress ?? (() => undefined);
  const head = await ledger.checkpointHead(tenantId);
  if (head.problem) throw new Error(`the chain is broken at entry ${head.problem.seq} (${head.problem.kind}): ${head.problem.message}; no bundle is made of it`);
  if (!head.checkpoint) throw new Error(`tenant "${tenantId}" has no evidence yet`);
  const end = head.checkpoint.seq;
  const span = await store.periodSeqs(tenantId, period.from, period.to, end);
  const firstSeq = Math.max(1, span.fromSeq - 1);
  const checkpoints = (await store.checkpoints(tenantId, firstSeq, end)).filter((c) => c.key_id === ledger.signer.keyId);
  // Past the period's last entry by one (the first at or after its end, which shows the period is
  // whole), to the first checkpoint there.
  const lastSeq = checkpoints.map((c) => c.seq).find((seq) => seq >= Math.min(span.toSeq + 1, end)) ?? end;
  await mkdir(dir, { recursive: true });
  // A manifest left by an earlier export would describe files about to be replaced.
  await rm(join(dir, BUNDLE_FILES.manifest), { force: true });
  const files = [new HashedFile(join(dir, BUNDLE_FILES.entries)), new HashedFile(join(dir, BUNDLE_FILES.checkpoints)), new HashedFile(join(dir, BUNDLE_FILES.publicKey))] as const;
  const [entries, ckFile, keyFile] = files;
  try {
    let written = 0;
    let first: { seq: number; hash: string } | undefined;
    let last: { seq: number; hash: string } | undefined;
    for await (const e of store.entries(tenantId, firstSeq, lastSeq)) {
      await entries.write(`${JSON.stringify({ seq: e.seq, at: e.at, entry: e.entry, hash: e.hash })}\n`);
      first ??= { seq: e.seq, hash: e.hash };
      last = { seq: e.seq, hash: e.hash };
      written += 1;
      if (written % 1000 === 0) progress({ stage: 'entries', done: written, total: lastSeq - firstSeq + 1 });
    }
    progress({ stage: 'entries', done: written, total: lastSeq - firstSeq + 1 });
    if (!first || !last || first.seq !== firstSeq || last.seq !== lastSeq) throw new Error(`entries ${firstSeq}–${lastSeq} are not all in the ledger; run npm run evidence -- verify --tenant ${tenantId}`);
    const inBundle = checkpoints.filter((c) => c.seq <= lastSeq);
    for (const c of inBundle) await ckFile.write(`${JSON.stringify(c)}\n`);
    await keyFile.write(ledger.signer.publicKeyPem);
    const files: Record<string, string> = { [BUNDLE_FILES.entries]: await entries.close(), [BUNDLE_FILES.checkpoints]: await ckFile.close(), [BUNDLE_FILES.publicKey]: await keyFile.close() };
    if (options.report) {
      const facts = await options.report.facts({ firstSeq: first.seq, lastSeq: last.seq, entries: written, keyId: ledger.signer.keyId });
      const report = buildEvidenceReport(facts, new Date());
      for (const [i, lang] of REPORT_LANGUAGES.entries()) {
        progress({ stage: 'report', done: i, total: REPORT_LANGUAGES.length });
        await writeReportPdf(report, lang, options.report.fontPath, join(dir, REPORT_FILES[lang]));
        files[REPORT_FILES[lang]] = await fileSha256(join(dir, REPORT_FILES[lang]));
      }
      progress({ stage: 'report', done: REPORT_LANGUAGES.length, total: REPORT_LANGUAGES.length });
    }
    const statement: BundleStatement = {
      format: BUNDLE_FORMAT,
      tenant_id: tenantId,
      period: { from: period.from?.toISOString() ?? null, to: period.to?.toISOString() ?? null },
      first_seq: first.seq,
      first_hash: first.hash,
      last_seq: last.seq,
      last_hash: last.hash,
      key_id: ledger.signer.keyId,
      created_at: new Date().toISOString(),
      report_scope: { model_id: options.report?.scope.modelId ?? null, sector: options.report?.scope.sector ?? null },
      files,
    };
    const manifest: BundleManifest = { ...statement, entries: written, checkpoints: inBundle.length, signature: ledger.signer.signStatement(statement) };
    await writeFile(join(dir, BUNDLE_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    for (const f of files) f.destroy();
  }
}

/** What {@link verifyBundle} found: the ledger report, and the bundle's own problems (files, format, key, ends). */
export interface BundleReport extends LedgerReport {
  readonly bundle: {
    readonly tenant_id: string | null;
    readonly key_id: string | null;
    /** When the first and the last entry in the bundle were recorded: the span it covers. */
    readonly covers: { readonly from: string | null; readonly to: string | null };
    readonly problems: readonly string[];
  };
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

/** The JSON lines of a file, each parsed; a line that does not parse throws naming the file and line. */
async function* jsonLines<T>(path: string, name: string): AsyncGenerator<T> {
  let lineNo = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    lineNo += 1;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as T;
    } catch (error) {
      throw new Error(`${name} line ${lineNo}: ${messageOf(error)}`);
    }
  }
}

const isManifest = (m: unknown): m is BundleManifest => {
  const v = m as Partial<BundleManifest> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.tenant_id === 'string' && typeof v.key_id === 'string' && typeof v.signature === 'string' &&
    Number.isSafeInteger(v.first_seq) && Number.isSafeInteger(v.last_seq) && typeof v.first_hash === 'string' && typeof v.last_hash === 'string' &&
    typeof v.created_at === 'string' && typeof v.period === 'object' && v.period !== null && typeof v.files === 'object' && v.files !== null &&
    ((v.format === BUNDLE_FORMAT && typeof v.report_scope === 'object' && v.report_scope !== null) || v.format === BUNDLE_FORMAT_V1)
  );
};

/**
 * Verifies a bundle directory with `publicKey` (obtained out of band, not the bundle's own copy):
 * the manifest's signature (so neither end can be moved) and file hashes, every entry (hash,
 * position, link, time) from the first to the last the manifest names, every checkpoint's
 * signature, and that a signed checkpoint covers the bundle's last entry. Needs no database.
 */
export async function verifyBundle(dir: string, publicKey: KeyObject): Promise<BundleReport> {
  const problems: string[] = [];
  const keyId = keyIdOf(publicKey);
  const fail = (tenantId: string | null): BundleReport => ({
    ok: false,
    tenant_id: tenantId ?? '',
    entries: 0,
    first_seq: null,
    last_seq: null,
    head_hash: null,
    checkpoints: { checked: 0, matched: 0 },
    bundle: { tenant_id: tenantId, key_id: null, covers: { from: null, to: null }, problems },
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(dir, BUNDLE_FILES.manifest), 'utf8'));
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    problems.push(code === 'ENOENT' ? `${BUNDLE_FILES.manifest} is missing: ${dir} is not an evidence bundle` : `${BUNDLE_FILES.manifest} is not readable JSON: ${messageOf(error)}`);
    return fail(null);
  }
  if (!isManifest(parsed)) {
    problems.push(`${BUNDLE_FILES.manifest} is not a ${BUNDLE_FORMAT} (or ${BUNDLE_FORMAT_V1}) manifest`);
    return fail(null);
  }
  const manifest = parsed;
  if (isDevelopmentKeyId(keyId)) problems.push(`the key given is the public development key (${keyId}): anyone can sign with it, so its signatures prove nothing`);
  if (manifest.key_id !== keyId) problems.push(`the bundle names key ${manifest.key_id}, not the key given (${keyId})`);
  if (!statementSignatureValid(statementOf(manifest), manifest.signature, publicKey)) {
    problems.push(`the manifest's signature does not verify with key ${keyId}: its tenant, period, ends or file hashes were changed, or another key signed it`);
  }
  for (const name of [BUNDLE_FILES.entries, BUNDLE_FILES.checkpoints, BUNDLE_FILES.publicKey]) {
    if (typeof manifest.files[name] !== 'string') problems.push(`${BUNDLE_FILES.manifest} lists no hash of ${name}`);
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    if (!FILE_NAME.test(name)) {
      problems.push(`${BUNDLE_FILES.manifest} lists "${name.slice(0, 80)}", which is not a file name of a bundle`);
      continue;
    }
    const actual = await fileSha256(join(dir, name)).catch(() => null);
    if (actual === null) problems.push(`${name} is missing`);
    else if (actual !== expected) problems.push(`${name} does not match the manifest's SHA-256: it was changed after export`);
  }
  const keys = new Map([[keyId, publicKey]]);
  const checkpoints: Checkpoint[] = [];
  try {
    for await (const c of jsonLines<Checkpoint>(join(dir, BUNDLE_FILES.checkpoints), BUNDLE_FILES.checkpoints)) {
      if (c.tenant_id !== manifest.tenant_id || !(c.seq >= manifest.first_seq && c.seq <= manifest.last_seq)) {
        problems.push(`${BUNDLE_FILES.checkpoints} holds a checkpoint of entry ${String(c.seq)} of tenant "${String(c.tenant_id)}", outside the bundle`);
      } else checkpoints.push(c);
    }
  } catch (error) {
    problems.push(messageOf(error));
  }
  const verifier = new LedgerVerifier(manifest.tenant_id, checkpoints, keys, { fromSeq: manifest.first_seq, toSeq: manifest.last_seq, expectLastSeq: manifest.last_seq });
  let first: EntryLine | undefined;
  let last: EntryLine | undefined;
  try {
    for await (const line of jsonLines<EntryLine>(join(dir, BUNDLE_FILES.entries), BUNDLE_FILES.entries)) {
      first ??= line;
      last = line;
      verifier.add(line);
    }
  } catch (error) {
    problems.push(messageOf(error));
  }
  const report = verifier.finish();
  if (first && first.hash !== manifest.first_hash) problems.push(`the first entry (${first.seq}) is not the one the manifest signed`);
  if (last && last.hash !== manifest.last_hash) problems.push(`the last entry (${last.seq}) is not the one the manifest signed`);
  const anchored = checkpoints.some((c) => c.seq === manifest.last_seq && checkpointSignatureValid(c, keys));
  if (report.ok && !anchored) problems.push(`no checkpoint signed with key ${keyId} covers the bundle's last entry (${manifest.last_seq})`);
  return {
    ...report,
    ok: report.ok && problems.length === 0,
    bundle: { tenant_id: manifest.tenant_id, key_id: manifest.key_id, covers: { from: first?.at ?? null, to: last?.at ?? null }, problems },
  };
}
