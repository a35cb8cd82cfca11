import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { ChainHead } from './ledger-chain';

/** A signed statement that a tenant's chain had this head at this time. */
export interface Checkpoint {
  readonly tenant_id: string;
  readonly seq: number;
  readonly hash: string;
  readonly signed_at: string;
  /** Which key signed it: see {@link keyIdOf}. */
  readonly key_id: string;
  /** Ed25519 over {@link checkpointPayload}, base64. */
  readonly signature: string;
}

/** The bytes a checkpoint's signature covers: its fields but the signature, as canonical JSON. */
export function checkpointPayload(c: Omit<Checkpoint, 'signature'>): Buffer {
  return Buffer.from(canonicalJson({ tenant_id: c.tenant_id, seq: c.seq, hash: c.hash, signed_at: c.signed_at, key_id: c.key_id }), 'utf8');
}

/** The 32 bytes of an Ed25519 public key. */
function rawPublicKey(key: KeyObject): Buffer {
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new TypeError('not an Ed25519 public key');
  return Buffer.from(x, 'base64url');
}

/** A key's id: the first 16 hex digits of the SHA-256 of its raw public key. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

/** Reads an Ed25519 public key given as PEM (SPKI). Throws a message naming what is expected. */
export function publicKeyFromPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new TypeError('expected an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----)');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`expected an Ed25519 public key, got ${key.asymmetricKeyType ?? 'another kind'}`);
  return key;
}

/** Whether `c` was signed by one of `keys` (by key id) and its signature covers exactly its fields. */
export function checkpointSignatureValid(c: Checkpoint, keys: ReadonlyMap<string, KeyObject>): boolean {
  const key = keys.get(c.key_id);
  if (!key) return false;
  try {
    return verify(null, checkpointPayload(c), key, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Whether `signature` (base64) is `key`'s Ed25519 signature over the canonical JSON of `statement`. */
export function statementSignatureValid(statement: object, signature: string, key: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson(statement), 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The key id of the public development key: whatever it signed proves nothing. */
export function isDevelopmentKeyId(keyId: string): boolean {
  return keyId === DEVELOPMENT_KEY_ID;
}

/** The DER prefix of a PKCS #8 Ed25519 private key, before its 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The seed of the public development evidence key: a fixed, published value, so a laptop needs
 * no setup. A checkpoint it signs proves nothing, and production refuses it.
 */
export const DEVELOPMENT_EVIDENCE_SEED: Buffer = createHash('sha256').update('kanshi-development-evidence-key-NOTSECRET').digest();

/** Signs checkpoints of tenants' chains with the operator's Ed25519 key. */
export class EvidenceSigner {
  readonly keyId: string;
  readonly publicKey: KeyObject;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    this.keyId = keyIdOf(this.publicKey);
  }

  /** From the key's 32-byte seed (what `KANSHI_EVIDENCE_SIGNING_KEY` holds). */
  static fromSeed(seed: Buffer): EvidenceSigner {
    if (seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes');
    return new EvidenceSigner(createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
  }

  /** From a PEM private key (`openssl genpkey -algorithm ed25519`). */
  static fromPem(pem: string): EvidenceSigner {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch {
      throw new TypeError('expected an Ed25519 private key in PEM (make one with `openssl genpkey -algorithm ed25519`)');
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`expected an Ed25519 private key, got ${key.asymmetricKeyType ?? 'another kind'}`);
    return new EvidenceSigner(key);
  }

  static development(): EvidenceSigner {
    return EvidenceSigner.fromSeed(DEVELOPMENT_EVIDENCE_SEED);
  }

  get publicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  get isDevelopmentKey(): boolean {
    return this.keyId === DEVELOPMENT_KEY_ID;
  }

  /** An Ed25519 signature, base64, over the canonical JSON of `statement` (see {@link statementSignatureValid}). */
  signStatement(statement: object): string {
    return sign(null, Buffer.from(canonicalJson(statement), 'utf8'), this.privateKey).toString('base64');
  }

  /** A checkpoint of `tenantId`'s chain at `head`. */
  checkpoint(tenantId: string, head: ChainHead, signedAt: Date): Checkpoint {
    const unsigned = { tenant_id: tenantId, seq: head.seq, hash: head.hash, signed_at: signedAt.toISOString(), key_id: this.keyId };
    return { ...unsigned, signature: sign(null, checkpointPayload(unsigned), this.privateKey).toString('base64') };
  }
}

const DEVELOPMENT_KEY_ID = keyIdOf(createPublicKey(createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, DEVELOPMENT_EVIDENCE_SEED]), format: 'der', type: 'pkcs8' })));
