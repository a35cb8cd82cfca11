/**
 * JSON in the canonical form of RFC 8785 (JSON Canonicalization Scheme): no whitespace, object
 * members sorted by the UTF-16 code units of their names, numbers as ECMAScript prints them,
 * strings escaped as `JSON.stringify` does. Two parties who hold the same data make the same
 * bytes, so a hash of them can be checked by anyone.
 *
 * Throws on what JSON cannot carry faithfully: a number that is not finite, a bigint, a string
 * with a lone surrogate (which RFC 8785 forbids), a value that is not JSON data. `toJSON` is
 * honoured (a `Date` becomes its ISO text), and members whose value is `undefined` are left out,
 * as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '');
}

function serialize(input: unknown, path: string): string {
  const value = hasToJson(input) ? input.toJSON() : input;
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${where(path)}: ${String(value)} is not a JSON number`);
      return JSON.stringify(value);
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new TypeError(`${where(path)}: a string with a lone surrogate has no canonical JSON form`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item, i) => (item === undefined ? 'null' : serialize(item, `${path}[${i}]`))).join(',')}]`;
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      for (const name of Object.keys(record).sort()) {
        const member = record[name];
        if (member === undefined) continue;
        members.push(`${serialize(name, path)}:${serialize(member, `${path}.${name}`)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`${where(path)}: a ${typeof value} is not JSON data`);
  }
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const where = (path: string): string => (path === '' ? 'the value' : path.replace(/^\./, ''));

function hasToJson(value: unknown): value is { toJSON: () => unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
