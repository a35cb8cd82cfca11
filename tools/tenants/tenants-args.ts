import { UsageError } from '../cli/command-line';

export { UsageError };

/** The telemetry contract's identifier: tenant ids travel in event keys (`tenant:model`), URLs and logs. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const DEFAULT_KEY_NAME = 'first admin';

export const USAGE = `Usage: npm run tenants -- <command> [options]

Creates and lists tenants. Run by the platform operator: the API never creates tenants. Each
tenant's admins then manage their own keys through the API (POST /v1/keys).

Commands:
  create <tenant-id> --name "<name>" [--key-name "<key name>"]
            Creates the tenant and its first admin API key, and prints the key once: Kanshi
            stores only a salted hash of it. <tenant-id>: letters, digits, ".", "_" and "-",
            starting with a letter or digit, at most 128 characters (it is the tenant_id of
            the tenant's telemetry). --key-name defaults to "${DEFAULT_KEY_NAME}".
  list      Every tenant with its number of active keys and active admin keys.

Other:
  -h, --help   Show this help.

The database comes from KANSHI_DATABASE_URL.
Exit codes: 0 done, 1 refused (the tenant exists) or database error, 2 bad command line.`;

export type TenantsCommand =
  | { readonly command: 'help' }
  | { readonly command: 'list' }
  | { readonly command: 'create'; readonly tenantId: string; readonly name: string; readonly keyName: string };

/** `--flag value` and `--flag=value`; anything else is a positional argument. */
function split(args: readonly string[], valued: readonly string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!valued.includes(name)) throw new UsageError(`unknown option ${name}${valued.length > 0 ? `; it takes ${valued.join(', ')}` : ''}`);
    if (flags.has(name)) throw new UsageError(`${name} given twice`);
    let value: string | undefined;
    if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      i += 1;
      value = args[i];
    }
    if (value === undefined || value.trim() === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
    flags.set(name, value.trim());
  }
  return { positional, flags };
}

/** Parses the command line (without `node` and the script path). Throws {@link UsageError}. */
export function parseTenantsArgs(argv: readonly string[]): TenantsCommand {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      throw new UsageError('missing command: create or list');
    case 'list': {
      const { positional } = split(rest, []);
      if (positional.length > 0) throw new UsageError(`list: unexpected argument ${JSON.stringify(positional[0])}`);
      return { command: 'list' };
    }
    case 'create': {
      const { positional, flags } = split(rest, ['--name', '--key-name']);
      const [tenantId, extra] = positional;
      if (tenantId === undefined) throw new UsageError('create: missing <tenant-id>, e.g. `create sakura-bank --name "Sakura Bank"`');
      if (extra !== undefined) throw new UsageError(`create: unexpected argument ${JSON.stringify(extra)} (quote a name with spaces: --name "Sakura Bank")`);
      if (!TENANT_ID_PATTERN.test(tenantId)) {
        throw new UsageError(`create: tenant id ${JSON.stringify(tenantId)} is not valid: use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 128 characters`);
      }
      const name = flags.get('--name');
      if (name === undefined) throw new UsageError(`create: --name "<display name>" is required`);
      if (name.length > 200) throw new UsageError('create: --name is longer than 200 characters');
      const keyName = flags.get('--key-name') ?? DEFAULT_KEY_NAME;
      if (keyName.length > 100) throw new UsageError('create: --key-name is longer than 100 characters');
      return { command: 'create', tenantId, name, keyName };
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}: expected create or list`);
  }
}
