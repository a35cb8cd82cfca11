import { Value } from '@sinclair/typebox/value';
import { Arg, Field } from './payload-fields';

describe('Field', () => {
  const payload = { name: '  a ', blank: ' ', n: 3, nan: Number.NaN, when: '2026-01-05T00:00:00Z', bad: 'yesterday', list: ['x', ' ', 7, ' y '] };

  it('reads trimmed text, finite numbers, times and string lists, and answers undefined or [] otherwise', () => {
    expect([Field.text(payload, 'name'), Field.text(payload, 'blank'), Field.text(payload, 'n')]).toEqual(['a', undefined, undefined]);
    expect([Field.number(payload, 'n'), Field.number(payload, 'nan'), Field.number(payload, 'name')]).toEqual([3, undefined, undefined]);
    expect([Field.time(payload, 'when'), Field.time(payload, 'bad'), Field.time(payload, 'missing')]).toEqual([Date.parse('2026-01-05T00:00:00Z'), undefined, undefined]);
    expect([Field.texts(payload, 'list'), Field.texts(payload, 'name')]).toEqual([['x', 'y'], []]);
  });
});

describe('Field.reportClocks', () => {
  it('reads each clock with its regulator and kind normalised, and skips entries it cannot name', () => {
    const payload = {
      report_clocks: [
        { regulator: ' ppc ', kind: 'Final', due_time: '2026-02-04T00:00:00Z', submitted_time: '2026-02-01T00:00:00Z' },
        { regulator: 'FSA', kind: 'art53', due_time: 'soon' },
        { regulator: 'PMDA' },
        'PPC',
        null,
      ],
    };
    expect(Field.reportClocks(payload)).toEqual([
      { regulator: 'PPC', kind: 'final', due: Date.parse('2026-02-04T00:00:00Z'), submitted: Date.parse('2026-02-01T00:00:00Z') },
      { regulator: 'FSA', kind: 'art53', due: undefined, submitted: undefined },
    ]);
    expect(Field.reportClocks({})).toEqual([]);
    expect(Field.reportClocks({ report_clocks: 'PPC' })).toEqual([]);
  });
});

describe('Arg', () => {
  it('gives a duration argument whose schema refuses what durationMs cannot read', () => {
    const schema = Arg.duration('1h', 'window');
    expect(Value.Default(schema, undefined)).toBe('1h');
    expect(Value.Check(schema, '90m')).toBe(true);
    expect(Value.Check(schema, '1.5h')).toBe(false);
    expect(Value.Check(Arg.names(['a'], 'names'), ['a', ''])).toBe(false);
  });
});
