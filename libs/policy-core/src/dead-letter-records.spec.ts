import { DEAD_LETTER_HEADERS } from '@kanshi/contracts';
import { summarizeDeadLetters, toDeadLetterRecord } from './dead-letter-records';
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

describe('summarizeDeadLetters', () => {
  function refused(offset: number, reason: DeadLetter['reason'], error: string): DeadLetter {
    return { record: { topic: 't', partition: 2, offset: String(offset), key: null, value: null }, reason, error };
  }

  it('gives one line per reason, however many records, with the count and the first record', () => {
    const deadLetters = [
      ...Array.from({ length: 5000 }, (_, i) => refused(100 + i, 'UNAUTHENTICATED', `bad signature ${i}`)),
      refused(9000, 'NOT_JSON', 'Unexpected token'),
    ];

    const lines = summarizeDeadLetters(deadLetters);

    expect(lines).toEqual([
      'dead-lettered 5000 records as UNAUTHENTICATED; the first, t/2@100: bad signature 0',
      'dead-lettered t/2@9000: NOT_JSON: Unexpected token',
    ]);
  });

  it('cuts a long error a producer could have chosen', () => {
    const [line] = summarizeDeadLetters([refused(1, 'SCHEMA_INVALID', 'x'.repeat(100_000))]);

    expect(line?.length).toBeLessThan(400);
  });

  it('says nothing for a batch without dead letters', () => {
    expect(summarizeDeadLetters([])).toEqual([]);
  });
});
