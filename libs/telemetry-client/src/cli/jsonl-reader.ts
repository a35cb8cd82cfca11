import { StringDecoder } from 'node:string_decoder';

/** One line of a JSONL stream (without its `\n` or `\r\n`), numbered from 1. */
export type JsonlLine =
  | { readonly line: number; readonly text: string }
  /** A line longer than the limit: skipped without being held in memory. */
  | { readonly line: number; readonly tooLong: true };

/** Longest line kept (in UTF-16 units): four times Kanshi's 256 KiB event limit. */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Splits a byte stream into lines, holding at most one line (up to `maxLineLength`) in memory:
 * chunks may end inside a line or inside a UTF-8 character, and `\r\n` endings, a final line
 * without `\n` and a leading byte-order mark are handled. Blank lines are yielded too, so line
 * numbers match an editor's.
 */
export async function* readJsonlLines(
  source: AsyncIterable<Buffer | string>,
  maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
): AsyncGenerator<JsonlLine> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let line = 0;
  let overflowing = false;
  const finish = (text: string): JsonlLine => {
    line += 1;
    if (overflowing) {
      overflowing = false;
      return { line, tooLong: true };
    }
    const clean = text.endsWith('\r') ? text.slice(0, -1) : text;
    return { line, text: line === 1 && clean.startsWith('\uFEFF') ? clean.slice(1) : clean };
  };
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      const piece = text.slice(start, newline);
      start = newline + 1;
      const whole = overflowing ? '' : partial + piece;
      partial = '';
      if (whole.length > maxLineLength) overflowing = true;
      yield finish(whole);
    }
    if (!overflowing) partial += text.slice(start);
    if (partial.length > maxLineLength) {
      overflowing = true;
      partial = '';
    }
  }
  partial += decoder.end();
  if (partial.length > 0 || overflowing) yield finish(overflowing ? '' : partial);
}
