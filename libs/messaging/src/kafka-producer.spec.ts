import { requestChunks, type OutgoingRecord } from './kafka-producer.service';

function record(bytes: number): OutgoingRecord {
  return { key: null, value: Buffer.alloc(bytes) };
}

describe('requestChunks', () => {
  it('splits records in order into requests under the byte budget', () => {
    const records = [record(400), record(300), record(300), record(100), record(1000), record(10)];
    const chunks = requestChunks(records, 1000);

    expect(chunks.map((c) => c.map((r) => (r.value as Buffer).length))).toEqual([[400, 300, 300], [100], [1000], [10]]);
    expect(chunks.flat()).toEqual(records);
  });

  it('sends a record larger than the budget alone, and nothing for no records', () => {
    expect(requestChunks([record(10), record(5000), record(10)], 1000).map((c) => c.length)).toEqual([1, 1, 1]);
    expect(requestChunks([])).toEqual([]);
  });

  it('counts keys as well as values', () => {
    const keyed: OutgoingRecord = { key: 'k'.repeat(600), value: Buffer.alloc(300) };

    expect(requestChunks([keyed, keyed], 1000)).toHaveLength(2);
  });
});
