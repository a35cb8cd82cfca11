/** Where a JSON text first breaks the grammar, for an error a producer can fix. */
export interface JsonSyntaxError {
  /** Offset of the offending character (UTF-16 code units), or the text length at the end. */
  readonly position: number;
  /** 1-based line and column of `position`. */
  readonly line: number;
  readonly column: number;
  /** What the parser expected there, in words. */
  readonly expected: string;
  /** The offending character, or `end of input`. */
  readonly found: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX = /^[0-9a-fA-F]$/;

class Fail extends Error {
  constructor(
    readonly position: number,
    readonly expected: string,
  ) {
    super(expected);
  }
}

/**
 * Scans `text` with the JSON grammar (RFC 8259) and returns the first place it breaks, or `null`
 * when the text is valid JSON. `JSON.parse` only sometimes names a position; this always does.
 * Iterative, so deep nesting cannot overflow the stack.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  try {
    scan(text);
    return null;
  } catch (error) {
    if (!(error instanceof Fail)) throw error;
    return locate(text, error.position, error.expected);
  }
}

function locate(text: string, position: number, expected: string): JsonSyntaxError {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  const char = text[position];
  const found = char === undefined ? 'end of input' : describeChar(char);
  return { position, line, column: position - lineStart + 1, expected, found };
}

function describeChar(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(char);
}

/** One container on the explicit stack: what the scanner waits for next inside it. */
type Frame = { kind: 'object'; state: 'key-or-end' | 'key' | 'colon' | 'comma-or-end' } | { kind: 'array'; state: 'value-or-end' | 'comma-or-end' };

function scan(text: string): void {
  let i = 0;
  const stack: Frame[] = [];
  const skipSpace = () => {
    while (i < text.length && WHITESPACE.has(text[i] as string)) i++;
  };

  const scanString = () => {
    i++; // opening quote
    for (;;) {
      const char = text[i];
      if (char === undefined) throw new Fail(i, 'a closing quote (")');
      if (char === '"') {
        i++;
        return;
      }
      if (char.charCodeAt(0) < 0x20) throw new Fail(i, 'no control character inside a string (escape it, e.g. \\n)');
      if (char === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          for (let k = i + 2; k < i + 6; k++) {
            if (!HEX.test(text[k] ?? '')) throw new Fail(k, 'four hex digits after \\u');
          }
          i += 6;
        } else if (next !== undefined && ESCAPES.has(next)) {
          i += 2;
        } else {
          throw new Fail(i + 1, 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        }
        continue;
      }
      i++;
    }
  };

  const isDigit = (at: number) => {
    const char = text[at];
    return char !== undefined && char >= '0' && char <= '9';
  };
  const scanDigits = (what: string) => {
    if (!isDigit(i)) throw new Fail(i, what);
    while (isDigit(i)) i++;
  };
  const scanNumber = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else scanDigits('a digit');
    if (text[i] === '.') {
      i++;
      scanDigits("a digit after '.'");
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      scanDigits('a digit in the exponent');
    }
  };

  /** Scans a scalar, or opens a container (pushed on the stack); throws where no value starts. */
  const scanValueStart = () => {
    const char = text[i];
    switch (char) {
      case '{':
        i++;
        stack.push({ kind: 'object', state: 'key-or-end' });
        return;
      case '[':
        i++;
        stack.push({ kind: 'array', state: 'value-or-end' });
        return;
      case '"':
        scanString();
        return;
      case 't':
      case 'f':
      case 'n': {
        const word = char === 't' ? 'true' : char === 'f' ? 'false' : 'null';
        for (const letter of word) {
          if (text[i] !== letter) throw new Fail(i, `the literal ${word}`);
          i++;
        }
        return;
      }
      default:
        if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
          scanNumber();
          return;
        }
        throw new Fail(i, 'a value (object, array, string, number, true, false or null)');
    }
  };

  skipSpace();
  scanValueStart();
  for (;;) {
    skipSpace();
    const frame = stack[stack.length - 1];
    if (frame === undefined) break;
    const char = text[i];
    if (frame.kind === 'array') {
      if (frame.state === 'value-or-end' && char === ']') {
        i++;
        stack.pop();
      } else if (frame.state === 'comma-or-end') {
        if (char === ',') {
          i++;
          skipSpace();
          frame.state = 'comma-or-end';
          scanValueStart();
        } else if (char === ']') {
          i++;
          stack.pop();
        } else {
          throw new Fail(i, "',' or ']' after an array element");
        }
      } else {
        frame.state = 'comma-or-end';
        scanValueStart();
      }
      continue;
    }
    switch (frame.state) {
      case 'key-or-end':
      case 'key':
        if (char === '}' && frame.state === 'key-or-end') {
          i++;
          stack.pop();
        } else if (char === '"') {
          scanString();
          frame.state = 'colon';
        } else {
          throw new Fail(i, frame.state === 'key' ? 'a double-quoted property name' : "a double-quoted property name or '}'");
        }
        break;
      case 'colon':
        if (char !== ':') throw new Fail(i, "':' after a property name");
        i++;
        skipSpace();
        frame.state = 'comma-or-end';
        scanValueStart();
        break;
      case 'comma-or-end':
        if (char === ',') {
          i++;
          frame.state = 'key';
        } else if (char === '}') {
          i++;
          stack.pop();
        } else {
          throw new Fail(i, "',' or '}' after a property value");
        }
        break;
    }
  }
  if (i < text.length) throw new Fail(i, 'end of input after the JSON value');
}
