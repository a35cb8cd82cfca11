import { Injectable } from '@nestjs/common';
import { ApiKeyRepository, type ApiKeyEntity, type ApiKeyRevokeResult, type NewApiKey } from '@kanshi/persistence';
import { generateApiKey, hashSecret, newSalt, parseApiKey, ROLES, secretMatches, type Role } from './api-key';
import type { Principal } from './principal';

const CACHE_TTL_MS = 10_000;
const LAST_USED_EVERY_MS = 60_000;
/** The role that manages keys: a tenant always keeps one active key with it. */
const ADMIN_ROLE: Role = 'admin';

export interface CreateApiKeyInput {
  readonly tenantId: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly isDev?: boolean;
  /** A given key (the dev key from configuration); a random one when absent. */
  readonly token?: string;
}

/**
 * A new key as its row (salted hash only) and the whole key, which is shown once and never
 * stored. Throws when a given `token` is not of the key form.
 */
export function prepareApiKey(input: CreateApiKeyInput): { readonly token: string; readonly record: NewApiKey } {
  const key = input.token ? parseApiKey(input.token) : generateApiKey();
  if (!key) throw new Error('the given API key is not of the form kanshi_<12 hex>_<secret>');
  const salt = newSalt();
  return {
    token: `kanshi_${key.keyId}_${key.secret}`,
    record: {
      tenantId: input.tenantId,
      keyId: key.keyId,
      name: input.name,
      roles: input.roles,
      salt,
      secretHash: hashSecret(key.secret, salt),
      isDev: input.isDev ?? false,
    },
  };
}

/**
 * Checks API keys. Verified keys are cached for a few seconds so a request does not always hit
 * the database; a revocation takes effect within that time.
 */
@Injectable()
export class ApiKeyService {
  private readonly cache = new Map<string, { principal: Principal; hash: string; salt: string; expires: number }>();
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(private readonly keys: ApiKeyRepository) {}

  async authenticate(token: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(token);
    if (!parsed) return undefined;
    const now = Date.now();
    const cached = this.cache.get(parsed.keyId);
    if (cached && cached.expires > now) {
      return secretMatches(parsed.secret, cached.salt, cached.hash) ? cached.principal : undefined;
    }
    const row = await this.keys.findActiveByKeyId(parsed.keyId);
    if (!row || !secretMatches(parsed.secret, row.salt, row.secretHash)) {
      this.cache.delete(parsed.keyId);
      return undefined;
    }
    const principal: Principal = {
      tenantId: row.tenantId,
      keyId: row.keyId,
      keyName: row.name,
      roles: row.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
    };
    this.cache.set(parsed.keyId, { principal, hash: row.secretHash, salt: row.salt, expires: now + CACHE_TTL_MS });
    if (now - (this.lastUsedWritten.get(row.id) ?? 0) > LAST_USED_EVERY_MS) {
      this.lastUsedWritten.set(row.id, now);
      await this.keys.markUsed(row.id, new Date(now));
    }
    return principal;
  }

  /** Stores a new key as a salted hash and returns the whole key, which is never stored. */
  async create(input: CreateApiKeyInput): Promise<string> {
    const { token, record } = prepareApiKey(input);
    await this.keys.insertIfAbsent(record);
    return token;
  }

  /** Creates a random key for the API: its row, and the whole key to show once. */
  async issue(input: Omit<CreateApiKeyInput, 'token' | 'isDev'>): Promise<{ readonly token: string; readonly key: ApiKeyEntity }> {
    const { token, record } = prepareApiKey(input);
    return { token, key: await this.keys.insert(record) };
  }

  list(tenantId: string): Promise<ApiKeyEntity[]> {
    return this.keys.listForTenant(tenantId);
  }

  /**
   * Revokes one of the tenant's keys, refusing to revoke its last active admin key. This
   * process forgets the key at once; other instances within the cache time (10 s).
   */
  async revoke(tenantId: string, keyId: string): Promise<ApiKeyRevokeResult> {
    const result = await this.keys.revoke(tenantId, keyId, new Date(), ADMIN_ROLE);
    if (result.outcome === 'revoked' || result.outcome === 'already-revoked') this.forget(keyId);
    return result;
  }

  /** Drops a key from the cache, so its next use is checked against the database. */
  forget(keyId: string): void {
    this.cache.delete(keyId);
  }

  countActiveDevKeys(): Promise<number> {
    return this.keys.countActiveDevKeys();
  }
}
