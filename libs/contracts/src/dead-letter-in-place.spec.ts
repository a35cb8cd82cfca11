import { decodeInPlaceDeadLetters, encodeInPlaceDeadLetters, IN_PLACE_MAX_ORIGINALS, inPlaceParts, InPlaceDeadLetterError, offsetRanges, rangeCount } from './dead-letter-in-place';

describe('in-place dead letters', () => {
  it('name increasing offsets as runs of consecutive ones, and count them back', () => {
    const offsets = [3n, 4n, 5n, 7n, 9n, 10n, 9007199254740993n];
    const ranges = offsetRanges(offsets);
    expect(ranges).toEqual([
      { from: 3n, to: 5n },
      { from: 7n, to: 7n },
      { from: 9n, to: 10n },
      { from: 9007199254740993n, to: 9007199254740993n },
    ]);
    expect(rangeCount(ranges)).toBe(offsets.length);
    expect(offsetRanges([])).toEqual([]);
  });

  it('give back the tenant and the ranges as written, offsets past 2^53 included', () => {
    const written = { tenant: 'acme ✓', ranges: [{ from: 9007199254740990n, to: 9007199254740993n }, { from: 9007199254740995n, to: 9007199254740995n }] };
    expect(decodeInPlaceDeadLetters(encodeInPlaceDeadLetters(written))).toEqual(written);
  });

  it('refuse what is not a well-formed value of a known version, saying what is wrong', () => {
    const value = (body: unknown) => Buffer.from(JSON.stringify(body));
    expect(() => decodeInPlaceDeadLetters(Buffer.from('KDLB'))).toThrow(new InPlaceDeadLetterError('in-place dead letter is not JSON'));
    expect(() => decodeInPlaceDeadLetters(value({ version: 2, tenant: 't', ranges: [] }))).toThrow(/version 2 is not known/);
    expect(() => decodeInPlaceDeadLetters(value({ version: 1, ranges: [] }))).toThrow(/no tenant/);
    expect(() => decodeInPlaceDeadLetters(value({ version: 1, tenant: 't', ranges: [['5', '4']] }))).toThrow(/range 1 is not/);
    expect(() => decodeInPlaceDeadLetters(value({ version: 1, tenant: 't', ranges: [['1', '2'], [3, 4]] }))).toThrow(/range 2 is not/);
    expect(() => decodeInPlaceDeadLetters(value({ version: 1, tenant: 't', ranges: [['-1', '2']] }))).toThrow(InPlaceDeadLetterError);
    // Past int64, or more originals than a reader will expand: refused, not looped over.
    expect(() => decodeInPlaceDeadLetters(value({ version: 1, tenant: 't', ranges: [['0', '9999999999999999999']] }))).toThrow(/both Kafka offsets/);
    expect(() => decodeInPlaceDeadLetters(value({ version: 1, tenant: 't', ranges: [['0', String(IN_PLACE_MAX_ORIGINALS)]] }))).toThrow(/more than 65536 originals/);
  });

  it('cut ranges into parts within the most ranges and originals one record may name, splitting a long run', () => {
    const ranges = [{ from: 0n, to: BigInt(IN_PLACE_MAX_ORIGINALS + 9) }, { from: 100_000n, to: 100_000n }, { from: 100_002n, to: 100_003n }];
    const parts = inPlaceParts(ranges, 2);
    expect(parts).toEqual([
      [{ from: 0n, to: BigInt(IN_PLACE_MAX_ORIGINALS - 1) }],
      [{ from: BigInt(IN_PLACE_MAX_ORIGINALS), to: BigInt(IN_PLACE_MAX_ORIGINALS + 9) }, { from: 100_000n, to: 100_000n }],
      [{ from: 100_002n, to: 100_003n }],
    ]);
    expect(parts.flat().reduce((n, r) => n + rangeCount([r]), 0)).toBe(rangeCount(ranges));
    for (const part of parts) expect(decodeInPlaceDeadLetters(encodeInPlaceDeadLetters({ tenant: 't', ranges: part })).ranges).toEqual(part);
  });
});
