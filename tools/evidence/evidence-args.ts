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

Other:
  -h, --help   Show this help.

Exit codes: 0 verified (or signed), 1 a bad entry found or database error, 2 bad command line.`;

export type EvidenceCommand =
  | { readonly command: 'help' }
  | { readonly command: 'verify'; readonly tenantId: string; readonly from?: Date; readonly to?: Date; readonly publicKeyFile?: string; readonly json: boolean }
  | { readonly command: 'checkpoint'; readonly tenantId?: string };

/** Parses the command line (without `node` and the script path). Throws {@link UsageError}. */
export function parseEvidenceArgs(argv: readonly string[]): EvidenceCommand {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'verify' && command !== 'checkpoint') {
    throw new UsageError(command === undefined ? 'missing command: verify or checkpoint' : `unknown command ${JSON.stringify(command)}: expected verify or checkpoint`);
  }
  const takes = command === 'verify' ? ['--tenant', '--from', '--to', '--public-key', '--json'] : ['--tenant'];
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] ?? '';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!takes.includes(name)) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(arg)}; it takes ${takes.join(', ')}`);
    if (values.has(name)) throw new UsageError(`${command}: ${name} given twice`);
    if (name === '--json') {
      values.set(name, 'true');
      continue;
    }
    const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : rest[(i += 1)];
    if (value === undefined || value.trim() === '' || value.startsWith('--')) throw new UsageError(`${command}: ${name} needs a value`);
    values.set(name, value.trim());
  }
  const tenantId = values.get('--tenant');
  if (command === 'checkpoint') return tenantId === undefined ? { command } : { command, tenantId };
  if (tenantId === undefined) throw new UsageError('verify: --tenant <tenant-id> is required');
  const from = time(values.get('--from'), '--from');
  const to = time(values.get('--to'), '--to');
  if (from && to && to.getTime() <= from.getTime()) throw new UsageError('verify: --to must be after --from');
  const publicKeyFile = values.get('--public-key');
  return { command, tenantId, json: values.has('--json'), ...(from ? { from } : {}), ...(to ? { to } : {}), ...(publicKeyFile ? { publicKeyFile } : {}) };
}

function time(raw: string | undefined, name: string): Date | undefined {
  if (raw === undefined) return undefined;
  const parsed = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(parsed.getTime())) throw new UsageError(`verify: ${name} must be a time in ISO 8601 such as 2026-12-01 or 2026-12-01T09:00:00+09:00`);
  return parsed;
}
