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
  const value = hasToJson(input) ? input.toJSON() : input;
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new NotCanonical(`${String(value)} is not a JSON number`);
      return JSON.stringify(value);
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new NotCanonical('a string with a lone surrogate has no canonical JSON form');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i += 1) {
          if (i > 0) text += ',';
          const item: unknown = value[i];
          text += item === undefined ? 'null' : within(`[${i}]`, item);
        }
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      let text = '{';
      for (const name of Object.keys(record).sort()) {
        const member = record[name];
        if (member === undefined) continue;
        if (text.length > 1) text += ',';
        text += `${serialize(name)}:${within(`.${name}`, member)}`;
      }
      return `${text}}`;
    }
    default:
      throw new NotCanonical(`a ${typeof value} is not JSON data`);
  }
}

/** Serialises a member or item, adding its place to the path of a failure. */
function within(step: string, value: unknown): string {
  try {
    return serialize(value);
  } catch (error) {
    if (error instanceof NotCanonical) error.path.push(step);
    throw error;
  }
}

function hasToJson(value: unknown): value is { toJSON: () => unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
