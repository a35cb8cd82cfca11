import { formatTenants } from './tenant-commands';
import { DEFAULT_KEY_NAME, parseTenantsArgs, UsageError } from './tenants-args';

function usageError(argv: string[]): string {
  try {
    parseTenantsArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('parseTenantsArgs', () => {
  it('parses create with --name (spaced or with =) and a default key name', () => {
    expect(parseTenantsArgs(['create', 'sakura-bank', '--name', 'Sakura Bank'])).toEqual({ command: 'create', tenantId: 'sakura-bank', name: 'Sakura Bank', keyName: DEFAULT_KEY_NAME });
    expect(parseTenantsArgs(['create', '--name=Minato Hospital', 'minato.hospital', '--key-name', 'ops admin'])).toEqual({
      command: 'create',
      tenantId: 'minato.hospital',
      name: 'Minato Hospital',
      keyName: 'ops admin',
    });
  });

  it('parses list and help', () => {
    expect(parseTenantsArgs(['list'])).toEqual({ command: 'list' });
    expect(parseTenantsArgs(['--help'])).toEqual({ command: 'help' });
    expect(parseTenantsArgs(['create', '-h'])).toEqual({ command: 'help' });
  });

  it.each([
    [[], 'missing command'],
    [['delete', 'x'], 'unknown command "delete"'],
    [['create'], 'missing <tenant-id>'],
    [['create', 'acme'], '--name "<display name>" is required'],
    [['create', 'acme', '--name'], '--name needs a value'],
    [['create', 'acme', '--name', '  '], '--name needs a value'],
    [['create', 'acme', '--name', 'Acme', '--name', 'Again'], '--name given twice'],
    [['create', 'acme', '--name', 'Acme', '--colour', 'red'], 'unknown option --colour'],
    [['create', 'Acme', 'Bank', '--name', 'Acme'], 'unexpected argument "Bank"'],
    [['create', 'acme:bank', '--name', 'Acme'], 'tenant id "acme:bank" is not valid'],
    [['create', '-acme', '--name', 'Acme'], 'tenant id "-acme" is not valid'],
    [['create', 'a'.repeat(129), '--name', 'Acme'], 'is not valid'],
    [['list', 'extra'], 'unexpected argument "extra"'],
  ])('refuses %j: %s', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });
});

describe('formatTenants', () => {
  it('prints a table, or how to create the first tenant', () => {
    const text = formatTenants([{ id: 'demo', name: 'Kanshi demo', createdAt: new Date('2026-01-02T03:04:05.678Z'), activeKeys: 4, activeAdminKeys: 1 }]);

    expect(text.split('\n')).toEqual([expect.stringMatching(/^TENANT\s+NAME\s+CREATED\s+ACTIVE KEYS\s+ADMIN KEYS$/), expect.stringMatching(/^demo\s+Kanshi demo\s+2026-01-02T03:04:05Z\s+4\s+1$/)]);
    expect(formatTenants([])).toContain('npm run tenants -- create');
  });
});
