import { DEAD_LETTER_BUNDLE_HEADER, DEAD_LETTER_HEADERS, DEAD_LETTER_IN_PLACE_HEADER, decodeDeadLetterBundle, decodeInPlaceDeadLetters, SIGNATURE_HEADER } from '@kanshi/contracts';
import { BUNDLE_FROM, BUNDLE_MAX_BYTES, IN_PLACE_MAX_RANGES, tallyDeadLetters, toDeadLetterRecord, toDeadLetterRecords } from './dead-letter-records';
import type { DeadLetter } from './telemetry-batch.processor';

function deadLetter(value: Buffer | null, key: string | null = 'acme:m1'): DeadLetter {
  return {
    record: { topic: 'kanshi.telemetry.v1', partition: 4, offset: '111', key: key === null ? null : Buffer.from(key), value },
    reason: 'TOO_LARGE',
    error: 'event is too large',
  };
}

describe('toDeadLetterRecord', () => {
  it('keeps the original key and value, with the reason and where the record came from', () => {
    const letter = toDeadLetterRecord(deadLetter(Buffer.from('{"x":')), 'engine-group', 1024);

    expect(letter.key).toBe('acme:m1');
    expect(letter.value).toEqual(Buffer.from('{"x":'));
    expect(letter.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'TOO_LARGE',
      [DEAD_LETTER_HEADERS.originalTopic]: 'kanshi.telemetry.v1',
      [DEAD_LETTER_HEADERS.originalPartition]: '4',
      [DEAD_LETTER_HEADERS.originalOffset]: '111',
      [DEAD_LETTER_HEADERS.consumerGroup]: 'engine-group',
    });
    expect(letter.headers).not.toHaveProperty(DEAD_LETTER_HEADERS.truncatedFrom);
  });

  it('keeps a tombstone and a record without a key as they are', () => {
    const letter = toDeadLetterRecord(deadLetter(null, null), 'g', 1024);

    expect(letter).toMatchObject({ key: null, value: null });
  });

  it('keeps only the start of a value over the limit and records its size, so the broker takes it', () => {
    const value = Buffer.from('a'.repeat(1024) + 'b'.repeat(1_000_000));
    const letter = toDeadLetterRecord(deadLetter(value), 'g', 1024);

    expect(letter.value).toEqual(Buffer.from('a'.repeat(1024)));
    expect(letter.headers?.[DEAD_LETTER_HEADERS.truncatedFrom]).toBe(String(value.length));
    expect(toDeadLetterRecord(deadLetter(Buffer.alloc(1024)), 'g', 1024).value).toHaveLength(1024);
  });
});

describe('tallyDeadLetters', () => {
  function refused(offset: number, reason: DeadLetter['reason'], error: string): DeadLetter {
    return { record: { topic: 't', partition: 2, offset: String(offset), key: null, value: null }, reason, error };
  }

  it('gives one tally per reason, however many records, with the count and the first record', () => {
    const deadLetters = [
      ...Array.from({ length: 5000 }, (_, i) => refused(100 + i, 'UNAUTHENTICATED', `bad signature ${i}`)),
      refused(9000, 'NOT_JSON', 'Unexpected token'),
    ];

    expect(tallyDeadLetters(deadLetters)).toEqual([
      { reason: 'UNAUTHENTICATED', count: 5000, sample: 't/2@100: bad signature 0' },
      { reason: 'NOT_JSON', count: 1, sample: 't/2@9000: Unexpected token' },
    ]);
  });

  it('cuts a long error a producer could have chosen', () => {
    const [tally] = tallyDeadLetters([refused(1, 'SCHEMA_INVALID', 'x'.repeat(100_000))]);

    expect(tally?.sample.length).toBeLessThan(400);
  });

  it('says nothing for a batch without dead letters', () => {
    expect(tallyDeadLetters([])).toEqual([]);
  });
});

describe('toDeadLetterRecords', () => {
  function refused(offset: number, reason: DeadLetter['reason'], value: Buffer | null = Buffer.from(`{"n":${offset}}`)): DeadLetter {
    return {
      record: { topic: 'kanshi.telemetry.v1', partition: 3, offset: String(offset), key: Buffer.from(`acme:m${offset}`), value, headers: { [SIGNATURE_HEADER]: `k=abc,v1=${offset}` } },
      reason,
      error: `${reason} at ${offset}`,
    };
  }

  it('writes a few dead letters of a reason one record each, as before', () => {
    const few = Array.from({ length: BUNDLE_FROM - 1 }, (_, i) => refused(i, 'UNAUTHENTICATED'));
    const withoutTime = ({ headers, ...rest }: ReturnType<typeof toDeadLetterRecord>) => ({ ...rest, headers: { ...headers, [DEAD_LETTER_HEADERS.failedAt]: 'now' } });
    const records = toDeadLetterRecords(few, 'g', 1024);
    expect(records.map(withoutTime)).toEqual(few.map((d) => withoutTime(toDeadLetterRecord(d, 'g', 1024))));
  });

  it('bundles many of one reason, each original with its offset, key, value, signature and error', () => {
    const many = Array.from({ length: 2000 }, (_, i) => refused(100 + i, 'UNAUTHENTICATED'));
    const others = [refused(9000, 'NOT_JSON')];
    const records = toDeadLetterRecords([...many.slice(0, 1000), ...others, ...many.slice(1000)], 'g', 1024);

    const bundles = records.filter((r) => r.headers?.[DEAD_LETTER_BUNDLE_HEADER] !== undefined);
    expect(bundles).toHaveLength(1);
    expect(records.filter((r) => r.headers?.[DEAD_LETTER_HEADERS.reason] === 'NOT_JSON').map((r) => r.value)).toEqual([others[0]?.record.value]);
    const [bundle] = bundles;
    expect(bundle?.headers).toMatchObject({
      [DEAD_LETTER_BUNDLE_HEADER]: '2000',
      [DEAD_LETTER_HEADERS.reason]: 'UNAUTHENTICATED',
      [DEAD_LETTER_HEADERS.originalTopic]: 'kanshi.telemetry.v1',
      [DEAD_LETTER_HEADERS.originalPartition]: '3',
      [DEAD_LETTER_HEADERS.originalOffset]: '100',
      [DEAD_LETTER_HEADERS.consumerGroup]: 'g',
    });
    expect(decodeDeadLetterBundle(bundle?.value as Buffer)).toEqual(
      many.map((d) => ({ offset: d.record.offset, key: d.record.key, value: d.record.value, signature: `k=abc,v1=${d.record.offset}`, error: d.error })),
    );
  });

  it('splits bundles so each fits one produce request, and sends a value over the limit alone, cut', () => {
    const big = Buffer.alloc(60_000, 'a');
    const many = Array.from({ length: 40 }, (_, i) => refused(i, 'UNAUTHENTICATED', big));
    const huge = refused(99, 'UNAUTHENTICATED', Buffer.alloc(2_000_000, 'b'));
    const records = toDeadLetterRecords([...many, huge], 'g', 100_000);

    const bundles = records.filter((r) => r.headers?.[DEAD_LETTER_BUNDLE_HEADER] !== undefined);
    expect(bundles.length).toBeGreaterThan(1);
    for (const bundle of bundles) expect((bundle.value as Buffer).length).toBeLessThanOrEqual(BUNDLE_MAX_BYTES + 64);
    expect(bundles.flatMap((b) => decodeDeadLetterBundle(b.value as Buffer).map((o) => o.offset))).toEqual(many.map((d) => d.record.offset));
    const alone = records.filter((r) => r.headers?.[DEAD_LETTER_BUNDLE_HEADER] === undefined);
    expect(alone).toHaveLength(1);
    expect(alone[0]?.headers?.[DEAD_LETTER_HEADERS.truncatedFrom]).toBe('2000000');
  });

  it("names a tenant's quota refusals by their offsets, in place, one record per tenant and error, none copied", () => {
    const over = (offset: number, tenantId: string, error = 'over its events quota'): DeadLetter => ({ ...refused(offset, 'QUOTA_EXCEEDED'), tenantId, error });
    // acme's refusals interleaved with a neighbour's and a garbage record: runs break where others sit.
    const letters = [over(10, 'acme'), over(11, 'acme'), over(12, 'beta'), over(13, 'acme'), over(14, 'acme'), refused(15, 'NOT_JSON'), over(16, 'acme'), over(17, 'acme', 'over its new models quota')];
    const records = toDeadLetterRecords(letters, 'g', 1024);

    const inPlace = records.filter((r) => r.headers?.[DEAD_LETTER_IN_PLACE_HEADER] !== undefined);
    expect(inPlace.map((r) => [r.key, r.headers?.[DEAD_LETTER_IN_PLACE_HEADER], r.headers?.[DEAD_LETTER_HEADERS.originalOffset], r.headers?.[DEAD_LETTER_HEADERS.error]])).toEqual([
      ['acme:', '5', '10', 'over its events quota'],
      ['acme:', '1', '17', 'over its new models quota'],
      ['beta:', '1', '12', 'over its events quota'],
    ]);
    expect(decodeInPlaceDeadLetters(inPlace[0]?.value as Buffer)).toEqual({ tenant: 'acme', ranges: [{ from: 10n, to: 11n }, { from: 13n, to: 14n }, { from: 16n, to: 16n }] });
    for (const record of inPlace) {
      expect(record.headers).toMatchObject({ [DEAD_LETTER_HEADERS.reason]: 'QUOTA_EXCEEDED', [DEAD_LETTER_HEADERS.originalPartition]: '3', [DEAD_LETTER_HEADERS.consumerGroup]: 'g' });
      expect(record.headers).not.toHaveProperty(SIGNATURE_HEADER);
    }
    // Everything else is copied as before.
    expect(records.filter((r) => r.headers?.[DEAD_LETTER_IN_PLACE_HEADER] === undefined).map((r) => r.headers?.[DEAD_LETTER_HEADERS.reason])).toEqual(['NOT_JSON']);
  });

  it('splits the ranges of a tenant over several in-place records past the most one may name', () => {
    // Every other offset: as many ranges as refusals.
    const count = IN_PLACE_MAX_RANGES + 5;
    const letters = Array.from({ length: count }, (_, i): DeadLetter => ({ ...refused(2 * i, 'QUOTA_EXCEEDED'), tenantId: 'acme', error: 'over quota' }));
    const records = toDeadLetterRecords(letters, 'g', 1024);

    expect(records.map((r) => r.headers?.[DEAD_LETTER_IN_PLACE_HEADER])).toEqual([String(IN_PLACE_MAX_RANGES), '5']);
    expect(records[1]?.headers?.[DEAD_LETTER_HEADERS.originalOffset]).toBe(String(2 * IN_PLACE_MAX_RANGES));
    const named = records.flatMap((r) => decodeInPlaceDeadLetters(r.value as Buffer).ranges.map((range) => range.from));
    expect(named).toEqual(letters.map((d) => BigInt(d.record.offset)));
  });
});
