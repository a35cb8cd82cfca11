import { createServer } from 'node:net';
import type { Admin, Kafka } from 'kafkajs';
import type { PartitionRange } from './scenario';

/** A free loopback port (for a process the bench starts: an engine's operations endpoint, a peer). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts (a scenario's deadline). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/** Calls `report` every `ms` until the returned function is called: progress for long steps. */
export function every(ms: number, report: () => void): () => void {
  const timer = setInterval(report, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/** Runs `work` with a connected admin client, always disconnecting. */
export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Sets a group with no members to start at the given offsets (kafkajs `setOffsets`). */
export async function setGroupOffsets(admin: Admin, groupId: string, topic: string, offsets: readonly { partition: number; offset: string }[]): Promise<void> {
  await admin.setOffsets({ groupId, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.offset })) });
}

/** The group's committed offsets per partition (-1 when none). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
}

/** Records of the ranges the group has committed past: how far it got through the data set. */
export function committedRecords(committed: ReadonlyMap<number, bigint>, ranges: readonly PartitionRange[]): number {
  let total = 0n;
  for (const range of ranges) {
    const start = BigInt(range.start);
    const end = BigInt(range.end);
    const at = committed.get(range.partition) ?? -1n;
    const clamped = at < start ? start : at > end ? end : at;
    total += clamped - start;
  }
  return Number(total);
}

export interface CommitWatch {
  /** When the last range's end was seen committed (epoch ms, from the poll that saw it). */
  readonly doneAt: number;
  readonly polls: number;
}

/**
 * Polls the group's committed offsets every `intervalMs` until every range's end is committed;
 * `progress` gets the records committed so far. Bounded by `signal` (the scenario's deadline).
 */
export async function waitForCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
  ranges: readonly PartitionRange[],
  signal: AbortSignal,
  progress: (records: number) => void,
  intervalMs = 100,
): Promise<CommitWatch> {
  const total = ranges.reduce((sum, r) => sum + Number(BigInt(r.end) - BigInt(r.start)), 0);
  for (let polls = 1; ; polls += 1) {
    signal.throwIfAborted();
    const committed = await committedOffsets(admin, groupId, topic);
    const records = committedRecords(committed, ranges);
    progress(records);
    if (records >= total) return { doneAt: Date.now(), polls };
    await sleep(intervalMs, signal);
  }
}

/** Deletes consumer groups the run created (they must have no members left); failures are reported, not thrown. */
export async function deleteGroups(kafka: Kafka, groupIds: readonly string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  try {
    return await withAdmin(kafka, async (admin) => {
      // A member that just left may still be listed for a moment; retry briefly.
      for (let attempt = 1; ; attempt += 1) {
        try {
          await admin.deleteGroups([...groupIds]);
          return [];
        } catch (error) {
          if (attempt >= 10) return [`consumer groups ${groupIds.join(', ')} not deleted: ${String(error)}`];
          await sleep(500);
        }
      }
    });
  } catch (error) {
    return [`consumer groups ${groupIds.join(', ')} not deleted: ${String(error)}`];
  }
}

/** The value at quantile `q` (0..1) of ascending `sorted`, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

export const round = (value: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export const formatInt = (n: number): string => Math.round(n).toLocaleString('en-US');
