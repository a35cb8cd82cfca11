import { Readable } from 'node:stream';
import { readJsonlLines, type JsonlLine } from './jsonl-reader';

/** A stream that delivers exactly these chunks. */
function chunks(...parts: (string | Buffer)[]): AsyncIterable<Buffer> {
  return Readable.from(parts.map((part) => (Buffer.isBuffer(part) ? part : Buffer.from(part, 'utf8'))));
}

async function collect(source: AsyncIterable<Buffer>, max?: number): Promise<JsonlLine[]> {
  const lines: JsonlLine[] = [];
  for await (const line of readJsonlLines(source, max)) lines.push(line);
  return lines;
}

describe('readJsonlLines', () => {
  it('joins a line split across chunks', async () => {
    expect(await collect(chunks('{"a":1}\n{"b"', ':2}\n{"c":', '3}\n'))).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
      { line: 3, text: '{"c":3}' },
    ]);
  });

  it('strips CRLF endings, even when the \\r and \\n arrive in different chunks', async () => {
    expect(await collect(chunks('{"a":1}\r\n{"b":2}\r', '\n{"c":3}\r\n'))).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
      { line: 3, text: '{"c":3}' },
    ]);
  });

  it('keeps a UTF-8 character split between chunks whole', async () => {
    const bytes = Buffer.from('{"name":"監視"}\n', 'utf8');
    const cut = bytes.indexOf(Buffer.from('視', 'utf8')) + 1;
    expect(await collect(chunks(bytes.subarray(0, cut), bytes.subarray(cut)))).toEqual([{ line: 1, text: '{"name":"監視"}' }]);
  });

  it('yields a last line without a newline, blank lines with their numbers, and drops a byte-order mark', async () => {
    expect(await collect(chunks('\uFEFF{"a":1}\n\n  \n{"b":2}'))).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '' },
      { line: 3, text: '  ' },
      { line: 4, text: '{"b":2}' },
    ]);
    expect(await collect(chunks(''))).toEqual([]);
    expect(await collect(chunks('{"a":1}\n'))).toEqual([{ line: 1, text: '{"a":1}' }]);
  });

  it('skips a line over the limit without holding it, whether it spans chunks or not', async () => {
    const long = 'x'.repeat(25);
    expect(await collect(chunks('{"a":1}\n', long.slice(0, 12), long.slice(12), long, '\n{"b":2}\n', `${long}\n`, '{"c":3}'), 20)).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, tooLong: true },
      { line: 3, text: '{"b":2}' },
      { line: 4, tooLong: true },
      { line: 5, text: '{"c":3}' },
    ]);
    expect(await collect(chunks('{"a":1}\n', long), 20)).toEqual([{ line: 1, text: '{"a":1}' }, { line: 2, tooLong: true }]);
  });
});
