import { DEAD_LETTER_BUNDLE_HEADER, DEAD_LETTER_HEADERS, DEAD_LETTER_IN_PLACE_HEADER, encodeDeadLetterBundle, encodeInPlaceDeadLetters, SIGNATURE_HEADER } from '@kanshi/contracts';
import {
  DeadLetterSummary,
  formatSummary,
  matchesFilter,
  NO_REASON,
  REPLAYED_FROM_HEADER,
  replayDecision,
  replayRecord,
  toDeadLetter,
  toDeadLetters,
  type DeadLetter,
} from './dead-letter';

const T0 = Date.parse('2025-01-31T00:00:00Z');

function deadLetter(overrides: Partial<DeadLetter> & { key?: Buffer | null } = {}): DeadLetter {
  return {
    partition: 0,
    offset: '0',
    timestamp: T0,
    key: Buffer.from('tenant-a:model-1'),
    value: Buffer.from('{"broken":'),
    reason: 'NOT_JSON',
    error: 'not valid JSON',
    originalTopic: 'kanshi.telemetry.v1',
    originalPartition: '2',
    originalOffset: '17',
    failedAt: new Date(T0).toISOString(),
    ...overrides,
  };
}

describe('toDeadLetter', () => {
  it('decodes the dead-letter headers, Buffer or string', () => {
    const record = toDeadLetter(1, {
      offset: '42',
      timestamp: String(T0),
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      headers: {
        [DEAD_LETTER_HEADERS.reason]: Buffer.from('SCHEMA_INVALID'),
        [DEAD_LETTER_HEADERS.error]: '/payload: payload is required',
        [DEAD_LETTER_HEADERS.originalTopic]: Buffer.from('kanshi.telemetry.v1'),
        [DEAD_LETTER_HEADERS.originalPartition]: Buffer.from('3'),
        [DEAD_LETTER_HEADERS.originalOffset]: [Buffer.from('99')],
        [DEAD_LETTER_HEADERS.failedAt]: Buffer.from('2025-01-31T00:00:01.000Z'),
      },
    });
    expect(record).toEqual({
      partition: 1,
      offset: '42',
      timestamp: T0,
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      reason: 'SCHEMA_INVALID',
      error: '/payload: payload is required',
      originalTopic: 'kanshi.telemetry.v1',
      originalPartition: '3',
      originalOffset: '99',
      failedAt: '2025-01-31T00:00:01.000Z',
    });
  });

  it('keeps a record without headers, under reason (none)', () => {
    const record = toDeadLetter(0, { offset: '1', timestamp: String(T0), key: null, value: null });
    expect(record.reason).toBe(NO_REASON);
    expect(record.error).toBeUndefined();
  });
});

describe('toDeadLetters', () => {
  const headers = {
    [DEAD_LETTER_HEADERS.reason]: 'QUOTA_EXCEEDED',
    [DEAD_LETTER_HEADERS.error]: 'over quota at 7',
    [DEAD_LETTER_HEADERS.originalTopic]: 'kanshi.telemetry.v1',
    [DEAD_LETTER_HEADERS.originalPartition]: '3',
    [DEAD_LETTER_HEADERS.originalOffset]: '7',
    [DEAD_LETTER_HEADERS.failedAt]: '2025-01-31T00:00:01.000Z',
    [SIGNATURE_HEADER]: 'k=first,v1=00',
    [DEAD_LETTER_BUNDLE_HEADER]: '2',
  };

  it('unpacks a bundle into one dead letter per original, with the bundle’s headers and its own offset, key, value, signature and error', () => {
    const value = encodeDeadLetterBundle([
      { offset: '7', key: Buffer.from('flood:a'), value: Buffer.from('{"a":1}'), signature: 'k=first,v1=00', error: 'over quota at 7' },
      { offset: '9', key: Buffer.from('flood:b'), value: Buffer.from('{"b":2}'), error: 'over quota at 9' },
    ]);
    const letters = toDeadLetters(2, { offset: '50', timestamp: String(T0), key: null, value, headers });

    expect(letters).toEqual([
      { partition: 2, offset: '50', bundleIndex: 0, timestamp: T0, key: Buffer.from('flood:a'), value: Buffer.from('{"a":1}'), reason: 'QUOTA_EXCEEDED', error: 'over quota at 7', originalTopic: 'kanshi.telemetry.v1', originalPartition: '3', originalOffset: '7', failedAt: '2025-01-31T00:00:01.000Z', signature: 'k=first,v1=00' },
      { partition: 2, offset: '50', bundleIndex: 1, timestamp: T0, key: Buffer.from('flood:b'), value: Buffer.from('{"b":2}'), reason: 'QUOTA_EXCEEDED', error: 'over quota at 9', originalTopic: 'kanshi.telemetry.v1', originalPartition: '3', originalOffset: '9', failedAt: '2025-01-31T00:00:01.000Z' },
    ]);
    expect(replayRecord(letters[1] as DeadLetter, 'dlq').headers).toEqual({ [REPLAYED_FROM_HEADER]: 'dlq/2/50#1' });
    // Two originals, two coordinates: neither is taken for a duplicate of the other.
    const seen = new Set<string>();
    expect(letters.map((l) => replayDecision(l, { reason: 'QUOTA_EXCEEDED' }, seen).action)).toEqual(['replay', 'replay']);
  });

  it('keeps an unreadable bundle as one dead letter without a value, saying why', () => {
    const [letter, ...rest] = toDeadLetters(0, { offset: '1', timestamp: String(T0), key: null, value: Buffer.from('garbage'), headers });
    expect(rest).toEqual([]);
    expect(letter).toMatchObject({ value: null, reason: 'QUOTA_EXCEEDED', error: 'unreadable dead-letter bundle: not a dead-letter bundle (no KDLB header)' });
  });

  it('names one dead letter per offset of an in-place record, without a value, keyed by its tenant, to be read from the original topic', () => {
    const { [SIGNATURE_HEADER]: _signature, [DEAD_LETTER_BUNDLE_HEADER]: _bundle, ...shared } = headers;
    const value = encodeInPlaceDeadLetters({ tenant: 'flood', ranges: [{ from: 7n, to: 8n }, { from: 10n, to: 10n }] });
    const letters = toDeadLetters(2, { offset: '50', timestamp: String(T0), key: Buffer.from('flood:'), value, headers: { ...shared, [DEAD_LETTER_IN_PLACE_HEADER]: '3' } });

    expect(letters.map((l) => [l.originalOffset, l.bundleIndex, l.key?.toString(), l.value, l.inPlace])).toEqual([
      ['7', 0, 'flood:', null, true],
      ['8', 1, 'flood:', null, true],
      ['10', 2, 'flood:', null, true],
    ]);
    // Selected by its tenant's prefix or a longer one (the original's key decides then), never by another tenant's.
    const [first] = letters as [DeadLetter];
    expect(replayDecision(first, { reason: 'QUOTA_EXCEEDED' })).toEqual({ action: 'replay-in-place' });
    expect(matchesFilter(first, { keyPrefix: 'flood:model-1' })).toBe(true);
    expect(matchesFilter(first, { keyPrefix: 'flo' })).toBe(true);
    expect(matchesFilter(first, { keyPrefix: 'flood-2:' })).toBe(false);
    // A copied dead letter without a value is still skipped.
    expect(replayDecision({ ...first, inPlace: false }, {})).toEqual({ action: 'skip-null-value' });
    expect(toDeadLetters(2, { offset: '51', timestamp: String(T0), key: null, value: Buffer.from('{"version":9}'), headers: { ...shared, [DEAD_LETTER_IN_PLACE_HEADER]: '1' } })[0]?.error).toBe(
      'unreadable in-place dead letter: in-place dead letter version 9 is not known; version 1 is',
    );
  });

  it('reads a record of its own as itself', () => {
    expect(toDeadLetters(1, { offset: '4', timestamp: String(T0), key: null, value: Buffer.from('x') })).toEqual([toDeadLetter(1, { offset: '4', timestamp: String(T0), key: null, value: Buffer.from('x') })]);
  });
});

describe('matchesFilter', () => {
  it('requires every given field: reason, key prefix, since (inclusive), until (exclusive)', () => {
    const record = deadLetter();
    expect(matchesFilter(record, {})).toBe(true);
    expect(matchesFilter(record, { reason: 'NOT_JSON', keyPrefix: 'tenant-a:' })).toBe(true);
    expect(matchesFilter(record, { reason: 'SCHEMA_INVALID' })).toBe(false);
    expect(matchesFilter(record, { keyPrefix: 'tenant-b:' })).toBe(false);
    expect(matchesFilter(deadLetter({ key: null }), { keyPrefix: 'tenant-a:' })).toBe(false);
    expect(matchesFilter(record, { since: T0, until: T0 + 1 })).toBe(true);
    expect(matchesFilter(record, { since: T0 + 1 })).toBe(false);
    expect(matchesFilter(record, { until: T0 })).toBe(false);
  });
});

describe('replay selection', () => {
  it('replays matches with a value, counts null values apart, ignores the rest', () => {
    const filter = { reason: 'NOT_JSON' };
    expect(replayDecision(deadLetter(), filter)).toEqual({ action: 'replay' });
    expect(replayDecision(deadLetter({ value: null }), filter)).toEqual({ action: 'skip-null-value' });
    expect(replayDecision(deadLetter({ truncatedFrom: '1048000' }), filter)).toEqual({ action: 'skip-truncated' });
    expect(replayDecision(deadLetter({ reason: 'TOO_LARGE', value: null }), filter)).toEqual({ action: 'skip-filter' });
  });

  it('replays one original dead-lettered twice only once', () => {
    const seen = new Set<string>();
    expect(replayDecision(deadLetter({ offset: '1' }), {}, seen)).toEqual({ action: 'replay' });
    expect(replayDecision(deadLetter({ offset: '2' }), {}, seen)).toEqual({ action: 'skip-duplicate' });
    expect(replayDecision(deadLetter({ offset: '3', originalOffset: '18' }), {}, seen)).toEqual({ action: 'replay' });
    const unknownOrigin = deadLetter({ originalTopic: undefined });
    expect(replayDecision(unknownOrigin, {}, seen)).toEqual({ action: 'replay' });
    expect(replayDecision(unknownOrigin, {}, seen)).toEqual({ action: 'replay' });
  });

  it('produces the original key and value with the replayed-from header', () => {
    expect(replayRecord(deadLetter({ partition: 2, offset: '7' }), 'dlq-topic')).toEqual({
      key: Buffer.from('tenant-a:model-1'),
      value: Buffer.from('{"broken":'),
      headers: { [REPLAYED_FROM_HEADER]: 'dlq-topic/2/7' },
    });
  });
});

describe('DeadLetterSummary', () => {
  it('counts by reason and original topic and keeps N samples per reason without values', () => {
    const summary = new DeadLetterSummary(2);
    for (let i = 0; i < 5; i += 1) summary.add(deadLetter({ offset: String(i), timestamp: T0 + i }));
    summary.add(deadLetter({ offset: '5', reason: 'TOO_LARGE', originalTopic: 'other.topic' }));
    summary.add(deadLetter({ offset: '6', reason: NO_REASON, originalTopic: undefined }));

    expect(summary.total).toBe(7);
    expect(Object.fromEntries(summary.byReason)).toEqual({ NOT_JSON: 5, TOO_LARGE: 1, [NO_REASON]: 1 });
    expect(Object.fromEntries(summary.byOriginalTopic)).toEqual({ 'kanshi.telemetry.v1': 5, 'other.topic': 1, '(unknown)': 1 });
    expect(summary.samples.get('NOT_JSON')?.map((s) => s.offset)).toEqual(['0', '1']);
    expect(summary.samples.get('NOT_JSON')?.every((s) => s.value === null)).toBe(true);
    expect([summary.oldest, summary.newest]).toEqual([T0, T0 + 4]);
    // The five NOT_JSON dead letters are one original record (same topic/partition/offset).
    expect(summary.originals.size).toBe(3);
  });

  it('prints counts sorted by size, then samples', () => {
    const summary = new DeadLetterSummary(1);
    summary.add(deadLetter({ reason: 'TOO_LARGE', error: 'event is 300000 bytes' }));
    summary.add(deadLetter());
    summary.add(deadLetter({ offset: '1' }));
    const report = formatSummary(summary, 'dlq', '');
    expect(report).toContain('dlq: 3 dead letters, written 2025-01-31T00:00:00.000Z .. 2025-01-31T00:00:00.000Z');
    expect(report).toContain('1 distinct original record (some were dead-lettered more than once)');
    expect(report).toMatch(/By reason:\n {2}NOT_JSON {3}2\n {2}TOO_LARGE {2}1\n/);
    expect(report).toContain('key "tenant-a:model-1", from kanshi.telemetry.v1/2@17');
    expect(report).toContain('event is 300000 bytes');
  });

  it('says so when nothing matched', () => {
    expect(formatSummary(new DeadLetterSummary(3), 'dlq', ' (reason TOO_LARGE)')).toBe('dlq: no dead letters (reason TOO_LARGE).');
  });
});
