import { SECTORS } from '@kanshi/contracts';
import { UsageError } from '../cli/command-line';

export { UsageError };

export const USAGE = `Usage: npm run evidence -- <command> [options]

The evidence ledger: every tenant's hash-chained record of monitoring, findings, alert changes,
inventory, policy and key changes and notifications, with signed checkpoints (docs/evidence.md).
Run with the apps' configuration (KANSHI_DATABASE_URL, KANSHI_EVIDENCE_SIGNING_KEY or
KANSHI_EVIDENCE_SIGNING_KEY_FILE).

Commands:
  verify --tenant <tenant-id> [--from <time>] [--to <time>] [--public-key <file>] [--json]
            Checks every entry of the tenant's chain (or those recorded in [from, to), times
            in ISO 8601) against its hash, its link to the entry before, its position and the
            signed checkpoints; names the first bad entry. --public-key checks the checkpoints
            with that PEM public key (GET /v1/evidence/public-key) instead of the configured
            signing key, which it then does not need. --json prints the report as JSON.
  checkpoint [--tenant <tenant-id>]
            Chains the changes captured so far and signs a checkpoint of each chain that grew
            since the last (of every tenant, or of one).
  bundle --tenant <tenant-id> --out <dir> [--from <time>] [--to <time>]
         [--model <model-id> | --sector <sector>] [--no-report]
            Writes the tenant's evidence for the period into <dir>: the entries (from the one
            before the period to a signed checkpoint after it) as JSON Lines, the checkpoints,
            the public key, a report for an auditor in Japanese and English (report.ja.pdf,
            report.en.pdf; of one model or sector with --model or --sector) and a signed
            manifest of SHA-256 hashes. --no-report leaves the reports out. Prints progress on
            stderr. The report embeds KANSHI_REPORT_FONT (default: Debian's fonts-ipafont-gothic).
  verify-bundle <dir | archive.tar.gz> [--public-key <file>] [--json]
            Verifies a bundle (a directory, or the .tar.gz downloaded from the API) without any
            database: the manifest's signature and hashes, every entry and checkpoint, and that
            a checkpoint covers its end. Give the public key you were
            handed (--public-key); without it the bundle's own copy is used, and said so.

Other:
  -h, --help   Show this help.

Exit codes: 0 verified (or signed), 1 a bad entry found or database error, 2 bad command line.`;

export type EvidenceCommand =
  | { readonly command: 'help' }
  | { readonly command: 'verify'; readonly tenantId: string; readonly from?: Date; readonly to?: Date; readonly publicKeyFile?: string; readonly json: boolean }
  | { readonly command: 'checkpoint'; readonly tenantId?: string }
  | {
      readonly command: 'bundle';
      readonly tenantId: string;
      readonly out: string;
      readonly from?: Date;
      readonly to?: Date;
      readonly modelId?: string;
      readonly sector?: string;
      readonly report: boolean;
    }
  | { readonly command: 'verify-bundle'; readonly dir: string; readonly publicKeyFile?: string; readonly json: boolean };

const COMMANDS = ['verify', 'checkpoint', 'bundle', 'verify-bundle'] as const;
const TAKES: Readonly<Record<(typeof COMMANDS)[number], readonly string[]>> = {
  verify: ['--tenant', '--from', '--to', '--public-key', '--json'],
  checkpoint: ['--tenant'],
  bundle: ['--tenant', '--out', '--from', '--to', '--model', '--sector', '--no-report'],
  'verify-bundle': ['--public-key', '--json'],
};

/** Parses the command line (without `node` and the script path). Throws {@link UsageError}. */
export function parseEvidenceArgs(argv: readonly string[]): EvidenceCommand {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  const [command, ...args] = argv;
  if (!(COMMANDS as readonly (string | undefined)[]).includes(command)) {
    throw new UsageError(command === undefined ? `missing command: ${COMMANDS.join(', ')}` : `unknown command ${JSON.stringify(command)}: expected ${COMMANDS.join(', ')}`);
  }
  const name0 = command as (typeof COMMANDS)[number];
  const takes = TAKES[name0];
  // verify-bundle takes its directory first.
  let rest = args;
  let dir: string | undefined;
  if (name0 === 'verify-bundle') {
    dir = args[0];
    if (dir === undefined || dir.startsWith('--')) throw new UsageError('verify-bundle: the bundle directory comes first: verify-bundle <dir> [--public-key <file>]');
    rest = args.slice(1);
  }
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] ?? '';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!takes.includes(name)) throw new UsageError(`${name0}: unexpected argument ${JSON.stringify(arg)}; it takes ${takes.join(', ')}`);
    if (values.has(name)) throw new UsageError(`${command}: ${name} given twice`);
    if (name === '--json' || name === '--no-report') {
      values.set(name, 'true');
      continue;
    }
    const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : rest[(i += 1)];
    if (value === undefined || value.trim() === '' || value.startsWith('--')) throw new UsageError(`${command}: ${name} needs a value`);
    values.set(name, value.trim());
  }
  const tenantId = values.get('--tenant');
  const publicKeyFile = values.get('--public-key');
  const json = values.has('--json');
  if (name0 === 'checkpoint') return tenantId === undefined ? { command: name0 } : { command: name0, tenantId };
  if (name0 === 'verify-bundle') return { command: name0, dir: dir as string, json, ...(publicKeyFile ? { publicKeyFile } : {}) };
  if (tenantId === undefined) throw new UsageError(`${name0}: --tenant <tenant-id> is required`);
  const from = time(values.get('--from'), '--from', name0);
  const to = time(values.get('--to'), '--to', name0);
  if (from && to && to.getTime() <= from.getTime()) throw new UsageError(`${name0}: --to must be after --from`);
  const period = { ...(from ? { from } : {}), ...(to ? { to } : {}) };
  if (name0 === 'bundle') {
    const out = values.get('--out');
    if (out === undefined) throw new UsageError('bundle: --out <dir> is required');
    const modelId = values.get('--model');
    const sector = values.get('--sector');
    if (modelId !== undefined && sector !== undefined) throw new UsageError('bundle: give --model or --sector, not both');
    if (sector !== undefined && !(SECTORS as readonly string[]).includes(sector)) throw new UsageError(`bundle: --sector "${sector}" is none of ${SECTORS.join(', ')}`);
    const report = !values.has('--no-report');
    if (!report && (modelId !== undefined || sector !== undefined)) throw new UsageError('bundle: --model and --sector choose what the report covers; they make no sense with --no-report');
    return { command: name0, tenantId, out, ...period, ...(modelId ? { modelId } : {}), ...(sector ? { sector } : {}), report };
  }
  return { command: name0, tenantId, json, ...period, ...(publicKeyFile ? { publicKeyFile } : {}) };
}

function time(raw: string | undefined, name: string, command: string): Date | undefined {
  if (raw === undefined) return undefined;
  const parsed = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(parsed.getTime())) throw new UsageError(`${command}: ${name} must be a time in ISO 8601 such as 2026-12-01 or 2026-12-01T09:00:00+09:00`);
  return parsed;
}
