import { parseSecretsArgs, UsageError } from './secrets-args';

describe('parseSecretsArgs', () => {
  it('reads reseal, for every tenant or one', () => {
    expect(parseSecretsArgs(['reseal'])).toEqual({ command: 'reseal' });
    expect(parseSecretsArgs(['reseal', '--tenant', 'sakura-bank'])).toEqual({ command: 'reseal', tenantId: 'sakura-bank' });
    expect(parseSecretsArgs(['reseal', '--tenant=sakura-bank'])).toEqual({ command: 'reseal', tenantId: 'sakura-bank' });
  });

  it('reads help', () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['reseal', '--help']]) expect(parseSecretsArgs(argv)).toEqual({ command: 'help' });
  });

  it.each([
    [[], 'missing command'],
    [['rotate'], 'unknown command "rotate"'],
    [['reseal', '--all'], 'unexpected argument "--all"'],
    [['reseal', '--tenant'], '--tenant needs a tenant id'],
    [['reseal', '--tenant', '--x'], '--tenant needs a tenant id'],
    [['reseal', '--tenant', 'a', '--tenant', 'b'], '--tenant given twice'],
  ])('refuses %j, saying why', (argv, message) => {
    expect(() => parseSecretsArgs(argv)).toThrow(UsageError);
    expect(() => parseSecretsArgs(argv)).toThrow(message);
  });
});
