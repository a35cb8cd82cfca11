import { parseDlqArgs, parseTime, UsageError } from './dlq-args';

const NOW = Date.parse('2025-01-31T12:00:00Z');
const parse = (...argv: string[]) => parseDlqArgs(argv, NOW);

describe('parseDlqArgs', () => {
  it('reads inspect with defaults and every option, in both flag spellings', () => {
    expect(parse('inspect')).toEqual({ command: 'inspect', samples: 3 });
    expect(parse('inspect', '--since', '1h', '--reason=NOT_JSON', '--samples', '0')).toEqual({
      command: 'inspect',
      since: NOW - 3_600_000,
      reason: 'NOT_JSON',
      samples: 0,
    });
  });

  it('reads replay selectors, time window, limit and dry run', () => {
    expect(
      parse('replay', '--reason', 'SCHEMA_INVALID', '--key-prefix', 'tenant-a:', '--since', '2025-01-30T00:00:00Z', '--until', '30m', '--limit', '50', '--dry-run'),
    ).toEqual({
      command: 'replay',
      filter: {
        reason: 'SCHEMA_INVALID',
        keyPrefix: 'tenant-a:',
        since: Date.parse('2025-01-30T00:00:00Z'),
        until: NOW - 1_800_000,
      },
      dryRun: true,
      limit: 50,
    });
    expect(parse('replay', '--key-prefix', 'acme:')).toEqual({ command: 'replay', filter: { keyPrefix: 'acme:' }, dryRun: false });
    expect(parse('replay', '--reason', 'QUOTA_EXCEEDED', '--rate', '1500')).toEqual({ command: 'replay', filter: { reason: 'QUOTA_EXCEEDED' }, dryRun: false, rate: 1500 });
  });

  it('refuses a replay without a selector, and says why', () => {
    expect(() => parse('replay', '--dry-run')).toThrow(/give --reason and\/or --key-prefix/);
    expect(() => parse('replay', '--since', '1h')).toThrow(UsageError);
  });

  it.each([
    [[], /missing command/],
    [['frob'], /unknown command "frob"/],
    [['inspect', '--bogus'], /unknown option --bogus/],
    [['inspect', '--dry-run'], /unknown option --dry-run/],
    [['inspect', 'extra'], /unexpected argument "extra"/],
    [['inspect', '--reason'], /--reason needs a value/],
    [['inspect', '--reason', '--samples', '2'], /--reason needs a value/],
    [['inspect', '--reason', 'OOPS'], /unknown reason; expected one of NOT_JSON/],
    [['inspect', '--samples', '-1'], /--samples "-1": expected a whole number/],
    [['inspect', '--samples', '1', '--samples', '2'], /given twice/],
    [['replay', '--reason', 'NOT_JSON', '--limit', '0'], /--limit "0"/],
    [['replay', '--reason', 'NOT_JSON', '--rate', '0'], /--rate "0": expected a whole number ≥ 1/],
    [['inspect', '--rate', '10'], /unknown option --rate/],
    [['replay', '--reason', 'NOT_JSON', '--dry-run=yes'], /takes no value/],
    [['replay', '--reason', 'NOT_JSON', '--since', '1h', '--until', '2h'], /--until must be later than --since/],
  ])('rejects %j as a usage error', (argv, message) => {
    expect(() => parse(...argv)).toThrow(UsageError);
    expect(() => parse(...argv)).toThrow(message);
  });

  it('answers help wherever it is asked for', () => {
    expect(parse('--help')).toEqual({ command: 'help' });
    expect(parse('replay', '-h')).toEqual({ command: 'help' });
    expect(parse('help')).toEqual({ command: 'help' });
  });
});

describe('parseTime', () => {
  it('takes durations ago and ISO times', () => {
    expect(parseTime('--since', '45s', NOW)).toBe(NOW - 45_000);
    expect(parseTime('--since', '2d', NOW)).toBe(NOW - 2 * 86_400_000);
    expect(parseTime('--since', '1w', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTime('--since', '2025-01-31', NOW)).toBe(Date.parse('2025-01-31'));
    expect(parseTime('--since', '2025-01-31T09:00:00+09:00', NOW)).toBe(Date.parse('2025-01-31T00:00:00Z'));
  });

  it.each(['yesterday', '1y', '-1h', '2025-13-45', '12:00'])('rejects %j', (raw) => {
    expect(() => parseTime('--since', raw, NOW)).toThrow(/expected an ISO time .* or a duration/);
  });
});
