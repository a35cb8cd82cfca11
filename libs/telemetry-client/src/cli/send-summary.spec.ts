import { rejectionReason, SendSummary } from './send-summary';

describe('SendSummary', () => {
  it('groups rejections by reason with their first line numbers, most frequent first', () => {
    const summary = new SendSummary();
    summary.read = 12;
    summary.sent = 4;
    for (const line of [3, 5, 8, 9, 10, 11, 12]) summary.rejected.add('SCHEMA_INVALID /payload/metric: must be one of', line);
    summary.rejected.add('TOO_LARGE (event): too big', 7);
    summary.addUnparsable(2, 'Unexpected token');
    expect(summary.ok).toBe(false);
    expect(summary.format('kafka k:9092 topic t')).toBe(
      [
        'kanshi send → kafka k:9092 topic t',
        '  read        12 lines',
        '  sent        4',
        '  rejected    8',
        '    7 × SCHEMA_INVALID /payload/metric: must be one of (lines 3, 5, 8, 9, 10, …)',
        '    1 × TOO_LARGE (event): too big (line 7)',
        '  unparsable  1',
        '    line 2: Unexpected token',
        '  unsent      0',
        '',
      ].join('\n'),
    );
  });

  it('is ok only when every line was sent', () => {
    const summary = new SendSummary();
    summary.read = 1;
    summary.sent = 1;
    expect(summary.ok).toBe(true);
    summary.stoppedEarly = 'interrupted';
    expect(summary.ok).toBe(false);
    expect(summary.format('x')).toContain('stopped early: interrupted');
  });

  it('keeps memory bounded: few samples, a capped number of reasons', () => {
    const summary = new SendSummary();
    for (let line = 1; line <= 500; line += 1) {
      summary.addUnparsable(line, 'bad');
      summary.unsent.add(`reason ${line}`, line);
    }
    const text = summary.format('x');
    expect(text).toContain('… and 490 more');
    expect(text).toContain('450 × other reasons');
    expect(text.split('\n').length).toBeLessThan(80);
  });

  it('names the reason and the first issue of a rejection', () => {
    expect(rejectionReason([{ pointer: '/payload/value', rule: 'required', message: 'value is required' }], 'SCHEMA_INVALID')).toBe(
      'SCHEMA_INVALID /payload/value: value is required',
    );
    expect(
      rejectionReason([
        { pointer: '/payload/metric', rule: 'enum', message: 'must be one of', expected: ['psi'] },
        { pointer: '/x', rule: 'type', message: 'm' },
      ]),
    ).toBe('/payload/metric: must be one of (expected ["psi"]) (+1 more)');
  });
});
