import { randomInt } from 'node:crypto';
import type { ICustomPartitioner } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Reused for string keys up to 64 KiB of UTF-8, so hashing one allocates nothing. */
const SCRATCH_MAX = 64 * 1024;
let scratch = Buffer.allocUnsafe(256);

function mix(bytes: Uint8Array, length: number): number {
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (bytes[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (bytes[whole + 1] as number) << 8;
  if (rest >= 1) h = Math.imul(h ^ (bytes[whole] as number), M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/**
 * Kafka's murmur2 of a key's UTF-8 bytes, as its Java client computes it (`Utils.murmur2`), in
 * 32-bit integer arithmetic. The same function as kafkajs' `DefaultPartitioner` uses, many times
 * cheaper (that one multiplies 64-bit `Long` objects and encodes a string key into a new buffer),
 * which matters where every record is hashed: the engine checks each record's partition, and
 * each of its dead letters is partitioned by its key.
 */
export function murmur2(key: Buffer | string): number {
  if (typeof key !== 'string') return mix(key, key.length);
  const most = key.length * 3;
  if (most > SCRATCH_MAX) return murmur2(Buffer.from(key, 'utf8'));
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2));
  return mix(scratch, scratch.write(key, 0, 'utf8'));
}

const toPositive = (x: number) => x & 0x7fffffff;

/**
 * The partition {@link TELEMETRY_PARTITIONER} gives a key on a topic of `partitions` partitions,
 * as the Java client's default partitioner (and kafkajs' `DefaultPartitioner`) chooses it.
 */
export function telemetryPartition(key: Buffer | string, partitions: number): number {
  return toPositive(murmur2(key)) % partitions;
}

/**
 * The one partitioner Kanshi uses: a record's own partition when it names one, otherwise
 * Java-compatible murmur2 on the record key, so `tenant:model` lands on the same partition
 * whichever client (Java, Python, kafkajs) produced it, and round-robin over the available
 * partitions for a record without a key. The same choices as kafkajs' `DefaultPartitioner`
 * (kafkajs 2.x changed its default, so it is named explicitly), at a fraction of the cost.
 */
export const TELEMETRY_PARTITIONER: ICustomPartitioner = () => {
  let counter = randomInt(0x7fffffff);
  return ({ partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return telemetryPartition(message.key, partitionMetadata.length);
    counter = (counter + 1) | 0;
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return (available[toPositive(counter) % available.length] as { partitionId: number }).partitionId;
    return toPositive(counter) % partitionMetadata.length;
  };
};
