import { findJsonSyntaxError } from './json-syntax';

/** A small seeded generator, so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return Math.round((random() - 0.5) * 1e6) / (random() < 0.5 ? 1 : 1000);
    case 3:
      return 'ab"\\\n\u0001é𝄞 x'.slice(0, Math.floor(random() * 10));
    case 4:
      return -1e21 * random();
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, (_, k) => [`k${k}`, randomValue(random, depth + 1)]));
  }
}

const NOISE = ['{', '}', '[', ']', ',', ':', '"', '\\', 'x', '1', '-', '.', 'e', ' ', '\n', '\u0000', 't', 'n'];

function mutate(text: string, random: () => number): string {
  const at = Math.floor(random() * (text.length + 1));
  switch (Math.floor(random() * 3)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + (NOISE[Math.floor(random() * NOISE.length)] as string) + text.slice(at);
    default:
      return text.slice(0, at);
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it('agrees with JSON.parse on 20,000 valid and mutated texts, and on the position it names', () => {
    const seed = 20261124;
    const random = prng(seed);
    let invalid = 0;
    for (let n = 0; n < 20_000; n++) {
      const valid = JSON.stringify(randomValue(random, 0), null, random() < 0.3 ? 2 : undefined);
      const text = n % 4 === 0 ? valid : mutate(valid, random);
      const error = findJsonSyntaxError(text);
      const ok = parses(text);
      if ((error === null) !== ok) throw new Error(`seed ${seed}, case ${n}: scanner says ${error ? 'invalid' : 'valid'} for ${JSON.stringify(text)}`);
      if (error === null) continue;
      invalid++;
      // V8 names a position for some errors; where it does, ours is the same.
      const named = / at position (\d+)/.exec(catchMessage(text));
      if (named) expect({ text, position: error.position }).toEqual({ text, position: Number(named[1]) });
    }
    expect(invalid).toBeGreaterThan(5_000);
  });

  it('names line, column, what was expected and what was found', () => {
    expect(findJsonSyntaxError('{\n  "a": 1,\n  "b": }')).toEqual({
      position: 19,
      line: 3,
      column: 8,
      expected: 'a value (object, array, string, number, true, false or null)',
      found: '"}"',
    });
    expect(findJsonSyntaxError('{"events": [1, 2')).toMatchObject({ position: 16, expected: "',' or ']' after an array element", found: 'end of input' });
    expect(findJsonSyntaxError('{"a": "x\u0001"}')).toMatchObject({ position: 8, found: 'control character U+0001' });
    expect(findJsonSyntaxError('{"a": 1} x')).toMatchObject({ position: 9, expected: 'end of input after the JSON value' });
    expect(findJsonSyntaxError('')).toMatchObject({ position: 0, line: 1, column: 1, found: 'end of input' });
  });

  it('scans nesting far deeper than the call stack allows', () => {
    const depth = 200_000;
    expect(findJsonSyntaxError('['.repeat(depth) + ']'.repeat(depth))).toBeNull();
    expect(findJsonSyntaxError('['.repeat(depth) + ']'.repeat(depth - 1))).toMatchObject({ position: 2 * depth - 1, found: 'end of input' });
  });
});

function catchMessage(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}
