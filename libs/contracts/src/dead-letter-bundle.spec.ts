import { bundledSize, decodeDeadLetterBundle, DeadLetterBundleError, encodeDeadLetterBundle, type BundledDeadLetter } from './dead-letter-bundle';

const originals: BundledDeadLetter[] = [
  { offset: '0', key: Buffer.from('acme:credit'), value: Buffer.from('{"a":1}'), signature: 'k=abc,v1=00ff', error: 'over quota' },
  { offset: '9007199254740993', key: null, value: null, error: '' },
  { offset: '42', key: Buffer.from([0xff, 0x00, 0xfe]), value: Buffer.alloc(0), error: '監視: 説明 ✓' },
];

describe('dead-letter bundles', () => {
  it('give back every original as it was: offsets past 2^53, null and empty keys and values, signatures, UTF-8 errors', () => {
    expect(decodeDeadLetterBundle(encodeDeadLetterBundle(originals))).toEqual(originals);
    expect(decodeDeadLetterBundle(encodeDeadLetterBundle([]))).toEqual([]);
  });

  it('cut an error to 4,000 characters, as a dead letter of its own does', () => {
    const [decoded] = decodeDeadLetterBundle(encodeDeadLetterBundle([{ offset: '1', key: null, value: null, error: 'x'.repeat(10_000) }]));
    expect(decoded?.error).toHaveLength(4000);
  });

  it('size each original at least as large as it encodes', () => {
    for (const original of originals) {
      expect(bundledSize(original)).toBeGreaterThanOrEqual(encodeDeadLetterBundle([original]).length - 9);
    }
  });

  it('refuse what is not a whole bundle of a known version, saying what is wrong', () => {
    const bundle = encodeDeadLetterBundle(originals);
    expect(() => decodeDeadLetterBundle(Buffer.from('{"not":"a bundle"}'))).toThrow(new DeadLetterBundleError('not a dead-letter bundle (no KDLB header)'));
    const future = Buffer.from(bundle);
    future[4] = 2;
    expect(() => decodeDeadLetterBundle(future)).toThrow(/version 2 is not known/);
    expect(() => decodeDeadLetterBundle(bundle.subarray(0, bundle.length - 3))).toThrow(/ends at byte \d+, inside its record 3 of 3/);
    expect(() => decodeDeadLetterBundle(Buffer.concat([bundle, Buffer.from([0])]))).toThrow(/1 bytes after its 3 records/);
    const lying = Buffer.from(bundle);
    lying.writeUInt32BE(1_000_000, 5);
    expect(() => decodeDeadLetterBundle(lying)).toThrow(DeadLetterBundleError);
  });
});
