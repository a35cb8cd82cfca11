import { UsageError } from '../cli/command-line';

export { UsageError };

export const USAGE = `Usage: npm run secrets -- <command> [options]

Looks after the secrets Kanshi keeps sealed in PostgreSQL (channel secrets and webhook URLs).
Run by the platform operator, with the apps' configuration (KANSHI_DATABASE_URL,
KANSHI_SECRETS_KEY, KANSHI_SECRETS_PREVIOUS_KEYS).

Commands:
  reseal [--tenant <tenant-id>]
            Seals every value still stored in plaintext (from before sealing existed) and
            seals again, with KANSHI_SECRETS_KEY, every value sealed with a previous key. Prints
            how many were sealed, resealed, already current and failed per table. Safe to run
            again at any time. --tenant limits it to one tenant's rows.

Other:
  -h, --help   Show this help.

Rotating the key: docs/security.md ("Secrets at rest").
Exit codes: 0 done, 1 some values did not open (they are listed by key id) or database error,
2 bad command line.`;

export type SecretsCommand = { readonly command: 'help' } | { readonly command: 'reseal'; readonly tenantId?: string };

/** Parses the command line (without `node` and the script path). Throws {@link UsageError}. */
export function parseSecretsArgs(argv: readonly string[]): SecretsCommand {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('missing command: reseal');
  if (command !== 'reseal') throw new UsageError(`unknown command ${JSON.stringify(command)}: expected reseal`);
  let tenantId: string | undefined;
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] ?? '';
    const [name, inline] = arg.startsWith('--tenant=') ? ['--tenant', arg.slice('--tenant='.length)] : [arg, undefined];
    if (name !== '--tenant') throw new UsageError(`reseal: unexpected argument ${JSON.stringify(arg)}; it takes --tenant <tenant-id>`);
    if (tenantId !== undefined) throw new UsageError('reseal: --tenant given twice');
    const value = inline ?? rest[(i += 1)];
    if (value === undefined || value.trim() === '' || value.startsWith('--')) throw new UsageError('reseal: --tenant needs a tenant id');
    tenantId = value.trim();
  }
  return tenantId === undefined ? { command: 'reseal' } : { command: 'reseal', tenantId };
}
