import { canonicalJson } from './canonical-json';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units and leaves no whitespace', () => {
    // RFC 8785 §3.2.3: "\u20ac" (€) sorts after "\r" and "1", and U+1F600 (surrogates D83D…) before U+FB33.
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\u{1f600}': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    const text = canonicalJson(input);
    // (Object.keys would put "1" first whatever the text says: read the names' order off the text.)
    const order = ['\\r', '1', '\u0080', '\u00f6', '\u20ac', '\u{1f600}', '\ufb33'].map((name) => text.indexOf(`"${name}":`));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] as number)))).toBe(true);
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":null,"d":true}]}');
  });

  it('prints numbers as ECMAScript does (RFC 8785 §3.2.2.3)', () => {
    // 333333333.3333333 is 333333333.33333329 as a double (RFC 8785 Appendix B).
    expect(canonicalJson([333333333.3333333, 1e30, 4.5, 0.002, 1e-27, -0, 100])).toBe('[333333333.3333333,1e+30,4.5,0.002,1e-27,0,100]');
  });

  it('escapes strings as JSON.stringify and keeps other characters as they are', () => {
    expect(canonicalJson('\u000f\n"\\/é日本')).toBe('"\\u000f\\n\\"\\\\/é日本"');
  });

  it('honours toJSON and leaves out undefined members', () => {
    expect(canonicalJson({ at: new Date('2026-12-07T00:00:00Z'), gone: undefined })).toBe('{"at":"2026-12-07T00:00:00.000Z"}');
  });

  it('refuses what has no canonical form, naming where', () => {
    expect(() => canonicalJson({ a: { b: Number.NaN } })).toThrow('a.b: NaN is not a JSON number');
    expect(() => canonicalJson({ s: 'x\ud800' })).toThrow('s: a string with a lone surrogate');
    expect(() => canonicalJson({ list: ['ok', '\udc00y'] })).toThrow('list[1]: a string with a lone surrogate');
    expect(() => canonicalJson({ ['k\ud83d']: 1 })).toThrow('lone surrogate');
    // A pair is one character; the text of an escape (a backslash, then "ud800") is no surrogate.
    expect(canonicalJson({ s: '\ud83d\ude00', t: '\\ud800' })).toBe('{"s":"\ud83d\ude00","t":"\\\\ud800"}');
    expect(() => canonicalJson({ n: 1n })).toThrow('a bigint is not JSON data');
  });
});
