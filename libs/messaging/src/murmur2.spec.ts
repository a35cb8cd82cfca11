import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { murmur2, TELEMETRY_PARTITIONER, telemetryPartition } from './murmur2';

/** kafkajs' own Java-compatible partitioner: the reference the fast one must agree with. */
const reference = Partitioners.DefaultPartitioner();

function metadata(partitions: number, down: readonly number[] = []): PartitionerArgs['partitionMetadata'] {
  return Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: down.includes(partitionId) ? -1 : 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
}

function keys(): (string | Buffer)[] {
  const chars = ['a', 'Z', '0', ':', '-', 'é', '監', '視', '😀', '\u0000', '\u007f', '\u0080', '\uffff'];
  const out: (string | Buffer)[] = ['', 'a', 'ab', 'abc', 'abcd', 'acme:credit-scoring', 'tenant:' + 'x'.repeat(300)];
  for (let n = 0; n < 3000; n += 1) {
    const length = n % 41;
    let key = '';
    for (let i = 0; i < length; i += 1) key += chars[(n * 7 + i * 13) % chars.length];
    out.push(key, randomBytes(n % 37));
  }
  out.push('k'.repeat(70_000), '視'.repeat(30_000), '視'.repeat(20_000));
  return out;
}

describe('murmur2 and TELEMETRY_PARTITIONER', () => {
  it('give every key the partition kafkajs (and so the Java client) gives it, strings and bytes alike', () => {
    const disagreements: unknown[] = [];
    for (const key of keys()) {
      const partitions = [3, 6, 7, 64][key.length % 4] as number;
      const args = { topic: 't', partitionMetadata: metadata(partitions), message: { key, value: null } };
      const expected = reference(args);
      const ours = [TELEMETRY_PARTITIONER()(args), typeof key === 'string' ? telemetryPartition(key, partitions) : expected];
      if (ours.some((p) => p !== expected)) disagreements.push({ key, partitions, expected, ours });
    }
    expect(disagreements).toEqual([]);
  });

  it('hash a string as its UTF-8 bytes, and known values of the Java client', () => {
    expect(murmur2('監視:モデル')).toBe(murmur2(Buffer.from('監視:モデル', 'utf8')));
    // org.apache.kafka.common.utils.Utils.murmur2 of these UTF-8 strings.
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2('abc')).toBe(479470107);
  });

  it('keeps a record’s own partition, and spreads records without a key over the partitions that have a leader', () => {
    const ours = TELEMETRY_PARTITIONER();
    expect(ours({ topic: 't', partitionMetadata: metadata(6), message: { key: 'acme:m', partition: 4, value: null } })).toBe(4);
    const chosen = new Set<number>();
    for (let i = 0; i < 60; i += 1) chosen.add(ours({ topic: 't', partitionMetadata: metadata(6, [1, 2]), message: { key: null, value: null } }));
    expect([...chosen].sort()).toEqual([0, 3, 4, 5]);
  });
});
