/**
 * JSON in the canonical form of RFC 8785 (JSON Canonicalization Scheme): no whitespace, object
 * members sorted by the UTF-16 code units of their names, numbers as ECMAScript prints them,
 * strings escaped as `JSON.stringify` does. Two parties who hold the same data make the same
 * bytes, so a hash of them can be checked by anyone.
 *
 * Throws on what JSON cannot carry faithfully: a number that is not finite, a bigint, a string
 * with a lone surrogate (which RFC 8785 forbids), a value that is not JSON data; the message
 * names where (`data[3].observed.value: NaN is not a JSON number`). `toJSON` is honoured (a
 * `Date` becomes its ISO text), and members whose value is `undefined` are left out, as
 * `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  try {
    return serialize(value);
  } catch (error) {
    if (error instanceof NotCanonical) throw new TypeError(`${error.path.length === 0 ? 'the value' : error.path.reverse().join('').replace(/^\./, '')}: ${error.message}`);
    throw error;
  }
}

/** Where serialising failed, collected on the way out (so no path is built while all goes well). */
class NotCanonical extends Error {
  readonly path: string[] = [];
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serialize(input: unknown): string {
  if (input === null) return 'null';
  switch (typeof input) {
    case 'string':
      return text(input);
    case 'number':
      if (!Number.isFinite(input)) throw new NotCanonical(`${String(input)} is not a JSON number`);
      return JSON.stringify(input);
    case 'boolean':
      return input ? 'true' : 'false';
    case 'object': {
      if (hasToJson(input)) return serialize(input.toJSON());
      if (Array.isArray(input)) {
        let out = '[';
        for (let i = 0; i < input.length; i += 1) {
          if (i > 0) out += ',';
          const item: unknown = input[i];
          out += item === undefined ? 'null' : within(i, item);
        }
        return `${out}]`;
      }
      const record = input as Record<string, unknown>;
      let out = '{';
      for (const name of Object.keys(record).sort()) {
        const member = record[name];
        if (member === undefined) continue;
        if (out.length > 1) out += ',';
        out += `${text(name)}:${within(name, member)}`;
      }
      return `${out}}`;
    }
    default:
      throw new NotCanonical(`a ${typeof input} is not JSON data`);
  }
}

/**
 * A string as JSON. `JSON.stringify` writes a lone surrogate as a `\ud…` escape, so only a text
 * with one (or with a backslash and `ud` in it) is searched for lone surrogates: the sealer
 * serialises millions of strings.
 */
function text(value: string): string {
  const out = JSON.stringify(value);
  if (out.includes('\\ud') && LONE_SURROGATE.test(value)) throw new NotCanonical('a string with a lone surrogate has no canonical JSON form');
  return out;
}

/** Serialises a member (by name) or an item (by index), adding its place to the path of a failure. */
function within(place: string | number, value: unknown): string {
  try {
    return serialize(value);
  } catch (error) {
    if (error instanceof NotCanonical) error.path.push(typeof place === 'number' ? `[${place}]` : `.${place}`);
    throw error;
  }
}

function hasToJson(value: object): value is { toJSON: () => unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
