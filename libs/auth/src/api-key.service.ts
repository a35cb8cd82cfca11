import { Injectable } from '@nestjs/common';
import { ApiKeyRepository } from '@kanshi/persistence';
import { generateApiKey, hashSecret, newSalt, parseApiKey, ROLES, secretMatches, type Role } from './api-key';
import type { Principal } from './principal';

const CACHE_TTL_MS = 10_000;
const LAST_USED_EVERY_MS = 60_000;

export interface CreateApiKeyInput {
  readonly tenantId: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly isDev?: boolean;
  /** A given key (the dev key from configuration); a random one when absent. */
  readonly token?: string;
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
    const key = input.token ? parseApiKey(input.token) : generateApiKey();
    if (!key) throw new Error('the given API key is not of the form kanshi_<12 hex>_<secret>');
    const salt = newSalt();
    await this.keys.insertIfAbsent({
      tenantId: input.tenantId,
      keyId: key.keyId,
      name: input.name,
      roles: input.roles,
      salt,
      secretHash: hashSecret(key.secret, salt),
      isDev: input.isDev ?? false,
    });
    return `kanshi_${key.keyId}_${key.secret}`;
  }

  countActiveDevKeys(): Promise<number> {
    return this.keys.countActiveDevKeys();
  }
}
