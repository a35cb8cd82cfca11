import { createSecretKey, type KeyObject } from 'node:crypto';
import { parseTelemetrySignature, SIGNATURE_HEADER, verifyTelemetryMac } from '@kanshi/contracts';
import { gatewayKeyId, gatewayTenantSecret, type GatewaySigningRoot } from '@kanshi/secrets';

/** The tenant an ingest key speaks for, and its secret. */
export interface IngestKeyEntry {
  readonly tenantId: string;
  readonly secret: string;
}

/** An ingest key ready for checking: its secret set up once as a MAC key. */
interface LoadedKey {
  readonly tenantId: string;
  readonly secret: string;
  readonly macKey: KeyObject;
}

function loaded(tenantId: string, secret: string): LoadedKey {
  return { tenantId, secret, macKey: createSecretKey(Buffer.from(secret, 'utf8')) };
}

/** Finds the secret a record's signature names; the engine's copy lives in memory. */
export interface IngestKeyring {
  /**
   * The key `keyId`, or `undefined` when it is unknown or revoked. `recordTenant` is the tenant
   * the record's key names: a gateway key is derived per tenant, so it needs it.
   */
  find(keyId: string, recordTenant: string | undefined): (IngestKeyEntry & { readonly macKey?: KeyObject }) | undefined;
}

/** Gateway secrets per root and tenant, kept for the tenants seen; bounded by the tenants that exist. */
const MAX_DERIVED = 10_000;

/** The tenants' ingest keys and the gateway's roots, as loaded at one refresh. */
export class StaticIngestKeyring implements IngestKeyring {
  private readonly keys: ReadonlyMap<string, LoadedKey>;
  private readonly roots: ReadonlyMap<string, GatewaySigningRoot>;
  private readonly derived = new Map<string, LoadedKey>();

  constructor(
    keys: readonly (IngestKeyEntry & { readonly keyId: string })[],
    roots: readonly GatewaySigningRoot[] = [],
    /** Only tenants that exist get gateway secrets (the derived cache stays bounded). */
    private readonly tenantExists: (tenantId: string) => boolean = () => true,
  ) {
    this.keys = new Map(keys.map(({ keyId, tenantId, secret }) => [keyId, loaded(tenantId, secret)]));
    this.roots = new Map(roots.map((root) => [gatewayKeyId(root), root]));
  }

  find(keyId: string, recordTenant: string | undefined): LoadedKey | undefined {
    const key = this.keys.get(keyId);
    if (key) return key;
    const root = this.roots.get(keyId);
    if (!root || recordTenant === undefined || !this.tenantExists(recordTenant)) return undefined;
    const cacheKey = `${keyId}\u0000${recordTenant}`;
    let entry = this.derived.get(cacheKey);
    if (!entry) {
      if (this.derived.size >= MAX_DERIVED) this.derived.clear();
      entry = loaded(recordTenant, gatewayTenantSecret(root, recordTenant));
      this.derived.set(cacheKey, entry);
    }
    return entry;
  }
}

/** A record as the signature check reads it. */
export interface SignedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export type AuthenticationResult =
  | { readonly ok: true; readonly tenantId: string }
  /** `unknownKey`: the key may have been made a moment ago; worth one retry after a reload. */
  | { readonly ok: false; readonly error: string; readonly unknownKey: boolean };

const HOW_TO_SIGN = 'sign records with an ingest key of the tenant (POST /v1/ingest-keys; see libs/contracts/README.md)';

/**
 * Which tenant a record speaks for: the tenant of the ingest key whose valid signature it
 * carries. The caller then requires the event to name that tenant. Anything else is refused
 * with a reason a producer can act on.
 */
export function authenticateRecord(record: SignedRecord, recordTenant: string | undefined, keyring: IngestKeyring): AuthenticationResult {
  const header = record.headers?.[SIGNATURE_HEADER];
  if (header === undefined) return { ok: false, error: `no ${SIGNATURE_HEADER} header; ${HOW_TO_SIGN}`, unknownKey: false };
  if (Array.isArray(header)) return { ok: false, error: `${header.length} ${SIGNATURE_HEADER} headers; a record carries one`, unknownKey: false };
  const signature = parseTelemetrySignature(header);
  if (!signature) return { ok: false, error: `${SIGNATURE_HEADER} is not "k=<key id>,v1=<64 hex>"; ${HOW_TO_SIGN}`, unknownKey: false };
  const key = keyring.find(signature.keyId, recordTenant);
  if (!key) return { ok: false, error: `ingest key ${signature.keyId} is unknown or revoked; ${HOW_TO_SIGN}`, unknownKey: true };
  if (!verifyTelemetryMac(signature, key.macKey ?? key.secret, record.key, record.value)) {
    return {
      ok: false,
      error: `the signature of ingest key ${signature.keyId} does not match the record (changed after signing, or signed with another secret)`,
      unknownKey: false,
    };
  }
  return { ok: true, tenantId: key.tenantId };
}
