import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { CONFIG_VARIABLES, ConfigError, decodeSecretsKey, DEVELOPMENT_SECRETS_KEY, type AppConfig } from '@kanshi/config';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'sealed:v1:';
/** `sealed:v1:<key id>:<iv>:<ciphertext and tag>`, both base64url: a 12-byte IV is 16 characters, a tag alone 22. */
const SEALED = /^sealed:v1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;

const KEY_VARIABLE = CONFIG_VARIABLES.secretsKey.name;
const PREVIOUS_VARIABLE = CONFIG_VARIABLES.secretsPreviousKeys.name;

/** A sealed value that does not open. The message names the key id, never the value. */
export class SecretOpenError extends Error {
  override readonly name = 'SecretOpenError';
  constructor(
    message: string,
    /** The key the value was sealed with, when it says. */
    readonly keyId: string | null,
  ) {
    super(message);
  }
}

/** The public id of a key: the first 8 hex digits of its SHA-256, safe to log and store. */
export function secretsKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

const DEVELOPMENT_KEY_ID = secretsKeyId(DEVELOPMENT_SECRETS_KEY);
let warnedAboutDevelopmentKey = false;

/**
 * Seals secrets for storage (AES-256-GCM) and opens them again. A sealed value reads
 * `sealed:v1:<key id>:<iv>:<ciphertext+tag>`; the `context` (say `notification_channels/<id>/secret`)
 * is authenticated with it, so a value copied to another row or field does not open there.
 * Values sealed with an older key open as long as that key is among the previous keys;
 * {@link needsReseal} tells which to seal again with the current one.
 */
export class SecretBox {
  private readonly current: { readonly id: string; readonly key: Buffer };
  private readonly keys: ReadonlyMap<string, Buffer>;

  /** `current` seals and opens; `previous` only open. Each is 32 bytes. */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new ConfigError(`A secrets key must be 32 bytes, not ${key.length}.`);
    }
    this.current = { id: secretsKeyId(current), key: current };
    this.keys = new Map([...previous, current].map((key) => [secretsKeyId(key), key]));
  }

  /**
   * The box of `KANSHI_SECRETS_KEY` and `KANSHI_SECRETS_PREVIOUS_KEYS`. Outside production an
   * unset key falls back to the public development key (with a warning), and values sealed
   * with the development key still open after a real key is set, until they are resealed.
   */
  static fromConfig(config: AppConfig): SecretBox {
    const { secretsKey, secretsPreviousKeys } = config.values;
    const previous = (secretsPreviousKeys ?? []).map(decodeSecretsKey);
    if (config.isProduction) {
      // loadConfig refuses these already; an AppConfig built by hand must not slip through.
      if (secretsKey === undefined) throw new ConfigError(`${KEY_VARIABLE} is not set, and NODE_ENV=production needs it: make one with \`openssl rand -base64 32\`.`);
      const key = decodeSecretsKey(secretsKey);
      if ([key, ...previous].some((k) => k.equals(DEVELOPMENT_SECRETS_KEY))) throw new ConfigError(`NODE_ENV=production refuses the public development secrets key.`);
      return new SecretBox(key, previous);
    }
    if (secretsKey === undefined) {
      if (!warnedAboutDevelopmentKey) {
        warnedAboutDevelopmentKey = true;
        new Logger(SecretBox.name).warn(
          `${KEY_VARIABLE} is not set: secrets are sealed with the public development key (id ${DEVELOPMENT_KEY_ID}), which protects nothing. ` +
            'Production refuses it; make a key with `openssl rand -base64 32`.',
        );
      }
      return new SecretBox(DEVELOPMENT_SECRETS_KEY, previous);
    }
    return new SecretBox(decodeSecretsKey(secretsKey), [...previous, DEVELOPMENT_SECRETS_KEY]);
  }

  /** The id of the key that seals (safe to log). */
  get keyId(): string {
    return this.current.id;
  }

  /** Seals `plaintext` with the current key for the field named by `context`. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.current.id}:${iv.toString('base64url')}:${data.toString('base64url')}`;
  }

  /**
   * The plaintext of a value {@link seal} made for the same `context`. Throws
   * {@link SecretOpenError} when the value is not sealed, was sealed with a key this box does
   * not hold, was altered, or belongs to another context.
   */
  open(sealed: string, context: string): string {
    const match = SEALED.exec(sealed);
    if (!match) throw new SecretOpenError(`The value of ${context} is not a sealed value (sealed:v1:<key id>:<iv>:<data>).`, null);
    const [, keyId = '', iv = '', data = ''] = match;
    const key = this.keys.get(keyId);
    if (!key) throw new SecretOpenError(unknownKeyMessage(keyId, this.current.id, context), keyId);
    const bytes = Buffer.from(data, 'base64url');
    try {
      const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretOpenError(
        `The value of ${context}, sealed with key ${keyId}, does not open: it was altered, or copied from another row or field.`,
        keyId,
      );
    }
  }

  /**
   * Keys derived for one purpose (`label`) from the current key and every previous one, the
   * current first, each with the id of the key it comes from: HMAC-SHA256(key, label). Apps
   * that share the secrets key share these without storing them (the ingest gateway signs
   * telemetry with one; the engine checks against all, so a rotation drops nothing in flight).
   */
  derive(label: string): { readonly id: string; readonly secret: Buffer }[] {
    const previous = [...this.keys].filter(([id]) => id !== this.current.id);
    return [[this.current.id, this.current.key] as const, ...previous].map(([id, key]) => ({ id, secret: createHmac('sha256', key).update(label).digest() }));
  }

  /** True when `value` has the form of a sealed value (it may still fail to open). */
  isSealed(value: string): boolean {
    return SEALED.test(value);
  }

  /** True when `value` should be sealed again with the current key: it is plaintext, or sealed with another key. */
  needsReseal(sealed: string): boolean {
    const match = SEALED.exec(sealed);
    return !match || match[1] !== this.current.id;
  }
}

function unknownKeyMessage(keyId: string, currentId: string, context: string): string {
  const which =
    keyId === DEVELOPMENT_KEY_ID
      ? `the public development key (id ${keyId}, used while ${KEY_VARIABLE} was unset)`
      : `key ${keyId}`;
  return (
    `The value of ${context} was sealed with ${which}, which is neither ${KEY_VARIABLE} (key ${currentId}) nor one of ${PREVIOUS_VARIABLE}. ` +
    `Add the key it was sealed with to ${PREVIOUS_VARIABLE}.`
  );
}
