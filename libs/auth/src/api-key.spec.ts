import { generateApiKey, hashSecret, newSalt, parseApiKey, secretMatches } from './api-key';

const VALID_SECRET = 'A'.repeat(32);

describe('generateApiKey and parseApiKey', () => {
  it('round-trips: a generated key parses back to its key id and secret', () => {
    const key = generateApiKey();

    expect(key.token).toBe(`kanshi_${key.keyId}_${key.secret}`);
    expect(parseApiKey(key.token)).toEqual({ keyId: key.keyId, secret: key.secret });
  });

  it('generates a 12-hex key id and a 256-bit url-safe secret', () => {
    const key = generateApiKey();

    expect(key.keyId).toMatch(/^[a-f0-9]{12}$/);
    expect(key.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('generates a different key each time', () => {
    const a = generateApiKey();
    const b = generateApiKey();

    expect(a.keyId).not.toBe(b.keyId);
    expect(a.secret).not.toBe(b.secret);
  });

  it('parses a secret that itself contains underscores', () => {
    expect(parseApiKey(`kanshi_0123456789ab_${'a_b-'.repeat(10)}`)).toEqual({ keyId: '0123456789ab', secret: 'a_b-'.repeat(10) });
  });

  it.each([
    ['empty', ''],
    ['wrong prefix', `kansha_0123456789ab_${VALID_SECRET}`],
    ['upper-case key id', `kanshi_0123456789AB_${VALID_SECRET}`],
    ['key id too short', `kanshi_0123456789a_${VALID_SECRET}`],
    ['key id not hex', `kanshi_0123456789xz_${VALID_SECRET}`],
    ['secret too short', `kanshi_0123456789ab_${'A'.repeat(31)}`],
    ['secret too long', `kanshi_0123456789ab_${'A'.repeat(129)}`],
    ['secret with "+"', `kanshi_0123456789ab_${'A'.repeat(31)}+`],
    ['trailing newline', `kanshi_0123456789ab_${VALID_SECRET}\n`],
    ['leading space', ` kanshi_0123456789ab_${VALID_SECRET}`],
    ['bearer prefix', `Bearer kanshi_0123456789ab_${VALID_SECRET}`],
  ])('rejects a malformed key (%s)', (_case, token) => {
    expect(parseApiKey(token)).toBeUndefined();
  });
});

describe('hashSecret', () => {
  it('is salted: one secret under two salts gives two hashes', () => {
    const secret = generateApiKey().secret;

    expect(hashSecret(secret, 'salt-one')).not.toBe(hashSecret(secret, 'salt-two'));
  });

  it('is deterministic for one secret and salt', () => {
    expect(hashSecret('secret', 'salt')).toBe(hashSecret('secret', 'salt'));
  });

  it('keeps salt and secret apart (no ambiguity at their boundary)', () => {
    expect(hashSecret('bc', 'a')).not.toBe(hashSecret('c', 'ab'));
  });

  it('is a sha-256 hex digest', () => {
    expect(hashSecret('secret', 'salt')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('newSalt', () => {
  it('gives a different url-safe salt each time', () => {
    const a = newSalt();

    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newSalt()).not.toBe(a);
  });
});

describe('secretMatches', () => {
  const salt = 'c2FsdC1mb3ItdGVzdHM';
  const secret = generateApiKey().secret;
  const stored = hashSecret(secret, salt);

  it('is true for the right secret and salt', () => {
    expect(secretMatches(secret, salt, stored)).toBe(true);
  });

  it('is false for another secret', () => {
    expect(secretMatches(`${secret}x`, salt, stored)).toBe(false);
  });

  it('is false under another salt', () => {
    expect(secretMatches(secret, 'other-salt', stored)).toBe(false);
  });

  it('is false, without throwing, for a stored hash of the wrong length or not hex', () => {
    expect(secretMatches(secret, salt, stored.slice(0, 62))).toBe(false);
    expect(secretMatches(secret, salt, '')).toBe(false);
    expect(secretMatches(secret, salt, 'not-a-hash')).toBe(false);
  });
});
