import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import * as tar from 'tar';

/** Bytes per stored part of an archive. */
export const ARCHIVE_PART_BYTES = 1024 * 1024;

/**
 * Packs the bundle directory `dir` as a gzipped tar (the directory itself at its root, portable:
 * no owner, no mode beyond the usual) and hands it on in parts of {@link ARCHIVE_PART_BYTES}
 * (the last shorter), one at a time: memory stays flat. Returns the archive's size.
 */
export async function packBundle(dir: string, part: (n: number, data: Buffer) => Promise<void>): Promise<number> {
  const stream = tar.create({ gzip: true, cwd: dirname(dir), portable: true }, [basename(dir)]);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let n = 0;
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    size += chunk.length;
    while (pendingBytes >= ARCHIVE_PART_BYTES) {
      const all = Buffer.concat(pending);
      await part(n++, all.subarray(0, ARCHIVE_PART_BYTES));
      pending = [all.subarray(ARCHIVE_PART_BYTES)];
      pendingBytes = all.length - ARCHIVE_PART_BYTES;
    }
  }
  if (pendingBytes > 0 || n === 0) await part(n, Buffer.concat(pending));
  return size;
}

/** Unpacks a bundle archive (`.tar.gz`) into `into`; returns the bundle directory it held. */
export async function unpackBundle(archive: string, into: string): Promise<string> {
  await mkdir(into, { recursive: true });
  const roots = new Set<string>();
  await tar.extract({
    file: archive,
    cwd: into,
    strict: true,
    // Plain files and directories only, under one top directory.
    filter: (path, entry) => {
      const type = 'type' in entry ? entry.type : undefined;
      const ok = (type === 'File' || type === 'Directory') && !path.split('/').includes('..');
      if (ok) roots.add(path.split('/')[0] ?? '');
      return ok;
    },
  });
  const [root, ...more] = [...roots].filter((r) => r !== '' && r !== '.');
  if (root === undefined || more.length > 0) throw new Error(`${archive} is not an evidence bundle archive: it should hold one directory, not ${roots.size}`);
  return `${into}/${root}`;
}
