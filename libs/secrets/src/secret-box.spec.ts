import { randomBytes } from 'node:crypto';
import { ConfigError, DEVELOPMENT_SECRETS_KEY, loadConfig } from '@kanshi/config';
import { SecretBox, SecretOpenError, secretsKeyId } from './secret-box';

const PLAINTEXT = 'https://hooks.slack.com/services/T000/B000/pl41nt3xt-t0k3n';
const CONTEXT = 'notification_channels/4f1c/secret';

function openError(box: SecretBox, sealed: string, context = CONTEXT): SecretOpenError {
  try {
    box.open(sealed, context);
  } catch (error) {
    if (error instanceof SecretOpenError) return error;
    throw error;
  }
  throw new Error('expected open to throw a SecretOpenError');
}

/** `sealed` with one character of its data part changed. */
function altered(sealed: string, part: 'iv' | 'data'): string {
  const pieces = sealed.split(':');
  const index = part === 'iv' ? 3 : 4;
  const text = pieces[index] ?? '';
  const flipped = text[5] === 'A' ? 'B' : 'A';
  pieces[index] = `${text.slice(0, 5)}${flipped}${text.slice(6)}`;
  return pieces.join(':');
}

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it('seals into sealed:v1:<key id>:<iv>:<data> and opens it again', () => {
    const sealed = box.seal(PLAINTEXT, CONTEXT);

    expect(sealed).toMatch(/^sealed:v1:[0-9a-f]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealed.split(':')[2]).toBe(secretsKeyId(key));
    expect(sealed).not.toContain('pl41nt3xt');
    expect(box.open(sealed, CONTEXT)).toBe(PLAINTEXT);
    expect(box.isSealed(sealed)).toBe(true);
    expect(box.needsReseal(sealed)).toBe(false);
  });

  it('round-trips empty and non-ASCII text, with a fresh IV every time', () => {
    for (const text of ['', 'パスワード🔑', 'x'.repeat(5000)]) expect(box.open(box.seal(text, CONTEXT), CONTEXT)).toBe(text);
    expect(box.seal(PLAINTEXT, CONTEXT)).not.toBe(box.seal(PLAINTEXT, CONTEXT));
  });

  it('refuses a tampered IV, ciphertext or tag, naming the key id and never the plaintext', () => {
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    const truncated = sealed.slice(0, -4);
    for (const bad of [altered(sealed, 'iv'), altered(sealed, 'data'), truncated]) {
      const error = openError(box, bad);
      expect(error.message).toContain(`sealed with key ${secretsKeyId(key)}`);
      expect(error.message).toContain('altered');
      expect(error.message).not.toContain('pl41nt3xt');
      expect(error.keyId).toBe(secretsKeyId(key));
    }
  });

  it('refuses a value copied to another row or field (the context is authenticated)', () => {
    const sealed = box.seal(PLAINTEXT, CONTEXT);

    for (const other of ['notification_channels/9a2e/secret', 'notification_channels/4f1c/config.url', '']) {
      expect(openError(box, sealed, other).message).toMatch(/copied from another row or field/);
    }
  });

  it('refuses a value sealed with a key it does not hold, naming that key and the variable to set', () => {
    const stranger = new SecretBox(randomBytes(32));
    const sealed = stranger.seal(PLAINTEXT, CONTEXT);

    const error = openError(box, sealed);

    expect(error.keyId).toBe(sealed.split(':')[2]);
    expect(error.message).toContain(`sealed with key ${sealed.split(':')[2]}`);
    expect(error.message).toContain('KANSHI_SECRETS_PREVIOUS_KEYS');
    expect(error.message).toContain(`KANSHI_SECRETS_KEY (key ${secretsKeyId(key)})`);
    expect(error.message).not.toContain('pl41nt3xt');
  });

  it('tells plaintext from sealed values; plaintext always needs sealing', () => {
    for (const text of [PLAINTEXT, 'whsec-0123456789abcdef', 'sealed:v1:nothex:x:y', '']) {
      expect(box.isSealed(text)).toBe(false);
      expect(box.needsReseal(text)).toBe(true);
    }
    expect(openError(box, PLAINTEXT).message).toMatch(/is not a sealed value/);
  });

  it('opens values sealed with a previous key after a rotation, and says they need resealing', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const beforeRotation = new SecretBox(oldKey).seal(PLAINTEXT, CONTEXT);
    const rotated = new SecretBox(newKey, [oldKey]);

    expect(rotated.open(beforeRotation, CONTEXT)).toBe(PLAINTEXT);
    expect(rotated.needsReseal(beforeRotation)).toBe(true);
    const resealed = rotated.seal(rotated.open(beforeRotation, CONTEXT), CONTEXT);
    expect(rotated.needsReseal(resealed)).toBe(false);

    // Once the old key is dropped, only the resealed value opens.
    const afterDrop = new SecretBox(newKey);
    expect(afterDrop.open(resealed, CONTEXT)).toBe(PLAINTEXT);
    expect(openError(afterDrop, beforeRotation).message).toContain(`sealed with key ${secretsKeyId(oldKey)}`);
  });
});

describe('SecretBox.fromConfig', () => {
  const base64Key = randomBytes(32).toString('base64');

  it('uses KANSHI_SECRETS_KEY, in base64 or hex, and opens with KANSHI_SECRETS_PREVIOUS_KEYS', () => {
    const previous = randomBytes(32);
    const sealedBefore = new SecretBox(previous).seal(PLAINTEXT, CONTEXT);
    const box = SecretBox.fromConfig(loadConfig({ KANSHI_SECRETS_KEY: base64Key, KANSHI_SECRETS_PREVIOUS_KEYS: previous.toString('hex') }));

    expect(box.seal(PLAINTEXT, CONTEXT).split(':')[2]).toBe(secretsKeyId(Buffer.from(base64Key, 'base64')));
    expect(box.open(sealedBefore, CONTEXT)).toBe(PLAINTEXT);
    const sameKeyInHex = SecretBox.fromConfig(loadConfig({ KANSHI_SECRETS_KEY: Buffer.from(base64Key, 'base64').toString('hex') }));
    expect(sameKeyInHex.open(box.seal(PLAINTEXT, CONTEXT), CONTEXT)).toBe(PLAINTEXT);
  });

  it('falls back to the public development key outside production, which a real key can still open until resealed', () => {
    const development = SecretBox.fromConfig(loadConfig({ NODE_ENV: 'test' }));
    const sealed = development.seal(PLAINTEXT, CONTEXT);
    expect(sealed.split(':')[2]).toBe(secretsKeyId(DEVELOPMENT_SECRETS_KEY));

    const real = SecretBox.fromConfig(loadConfig({ NODE_ENV: 'development', KANSHI_SECRETS_KEY: base64Key }));
    expect(real.open(sealed, CONTEXT)).toBe(PLAINTEXT);
    expect(real.needsReseal(sealed)).toBe(true);
  });

  it('refuses production without a key of its own', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    const handMade = Object.assign(Object.create(Object.getPrototypeOf(config) as object) as typeof config, { values: { ...config.values, nodeEnv: 'production' } });
    expect(() => SecretBox.fromConfig(handMade)).toThrow(ConfigError);
    expect(() => SecretBox.fromConfig(handMade)).toThrow(/KANSHI_SECRETS_KEY is not set/);
  });
});
