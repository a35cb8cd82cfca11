import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { ARCHIVE_PART_BYTES, packBundle, unpackBundle } from './bundle-archive';

const dirs: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'kanshi-archive-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A tar archive of one file, header written by hand (ustar), whatever its name. */
function ustar(name: string, text: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${text.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  const sum = header.reduce((n, b) => n + b, 0);
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.alloc(512);
  body.write(text);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

describe('bundle archives', () => {
  it('packs a bundle directory in parts of at most 1 MiB and unpacks it as it was', async () => {
    const work = temp();
    const bundle = join(work, 'kanshi-evidence-bank-a');
    mkdirSync(bundle);
    // Random bytes do not compress: the archive spans several parts.
    const big = Buffer.from(Array.from({ length: 2.5 * ARCHIVE_PART_BYTES }, (_, i) => (i * 7919) % 251 ^ ((i >> 8) * 31) % 256));
    writeFileSync(join(bundle, 'entries.jsonl'), big);
    writeFileSync(join(bundle, 'manifest.json'), '{"format":"kanshi-evidence-bundle/1"}');
    const parts: Buffer[] = [];
    const size = await packBundle(bundle, (n, data) => {
      expect(n).toBe(parts.length);
      parts.push(Buffer.from(data));
      return Promise.resolve();
    });
    expect(parts.slice(0, -1).every((p) => p.length === ARCHIVE_PART_BYTES)).toBe(true);
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(size);

    const archive = join(temp(), 'bundle.tar.gz');
    writeFileSync(archive, Buffer.concat(parts));
    const unpacked = await unpackBundle(archive, temp());
    expect(unpacked.endsWith('/kanshi-evidence-bank-a')).toBe(true);
    expect(readFileSync(join(unpacked, 'entries.jsonl')).equals(big)).toBe(true);
    expect(readFileSync(join(unpacked, 'manifest.json'), 'utf8')).toContain('kanshi-evidence-bundle/1');
  });

  it('refuses an archive that is not one bundle directory, and never writes outside where it unpacks', async () => {
    const work = temp();
    mkdirSync(join(work, 'a'));
    mkdirSync(join(work, 'b'));
    writeFileSync(join(work, 'a', 'x'), 'x');
    writeFileSync(join(work, 'b', 'y'), 'y');
    const two = join(temp(), 'two.tar.gz');
    await tar.create({ gzip: true, cwd: work, file: two }, ['a', 'b']);
    await expect(unpackBundle(two, temp())).rejects.toThrow('is not an evidence bundle archive: it should hold one directory, not 2');

    // A hand-made archive whose one file climbs out of the directory it is unpacked into.
    const outside = temp();
    const sneaky = join(temp(), 'sneaky.tar.gz');
    writeFileSync(sneaky, gzipSync(ustar('kanshi-evidence-x/../../escaped', 'owned')));
    await unpackBundle(sneaky, join(outside, 'into')).catch(() => undefined);
    expect(existsSync(join(outside, 'escaped'))).toBe(false);
    expect(existsSync(join(outside, 'into', 'escaped'))).toBe(false);
  });
});
