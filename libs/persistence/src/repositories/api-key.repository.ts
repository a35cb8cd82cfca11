import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity';

export interface NewApiKey {
  readonly tenantId: string;
  readonly keyId: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly salt: string;
  readonly secretHash: string;
  readonly isDev: boolean;
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(ApiKeyEntity);
  }

  findActiveByKeyId(keyId: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ keyId, revokedAt: IsNull() });
  }

  /** Inserts the key, or keeps the existing row when the same key id is seeded again. */
  async insertIfAbsent(key: NewApiKey): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .insert()
      .values({ ...key, roles: [...key.roles] })
      .orIgnore()
      .execute();
  }

  async markUsed(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: at });
  }

  async countActiveDevKeys(): Promise<number> {
    return this.repo.countBy({ isDev: true, revokedAt: IsNull() });
  }

  /** Inserts a new key and returns its row (a key id collision is an error, never a silent reuse). */
  async insert(key: NewApiKey): Promise<ApiKeyEntity> {
    const { identifiers } = await this.repo.insert({ ...key, roles: [...key.roles] });
    return this.repo.findOneByOrFail({ id: (identifiers[0] as { id: string }).id });
  }

  /** The tenant's keys, revoked ones included, oldest first. */
  listForTenant(tenantId: string): Promise<ApiKeyEntity[]> {
    return this.repo.find({ where: { tenantId }, order: { createdAt: 'ASC', keyId: 'ASC' } });
  }

  /** The key if it belongs to the tenant; another tenant's key is as absent as a missing one. */
  findForTenant(tenantId: string, keyId: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ tenantId, keyId });
  }

  /**
   * Revokes a key (the row stays, with `revoked_at`), unless that would leave the tenant with no
   * active key carrying `keepRole`: the tenant could then never manage its keys again. The
   * tenant's active keys are locked first, so two concurrent revocations cannot both pass.
   */
  revoke(tenantId: string, keyId: string, at: Date, keepRole: string): Promise<ApiKeyRevokeResult> {
    return this.dataSource.transaction(async (manager) => {
      const keys = manager.getRepository(ApiKeyEntity);
      const active = await keys
        .createQueryBuilder('k')
        .where('k.tenant_id = :tenantId AND k.revoked_at IS NULL', { tenantId })
        .setLock('pessimistic_write')
        .getMany();
      const key = await keys.findOneBy({ tenantId, keyId });
      if (!key) return { outcome: 'not-found' };
      if (key.revokedAt) return { outcome: 'already-revoked', key };
      if (key.roles.includes(keepRole) && !active.some((k) => k.keyId !== keyId && k.roles.includes(keepRole))) {
        return { outcome: 'last-of-role', key };
      }
      await keys.update({ id: key.id }, { revokedAt: at });
      return { outcome: 'revoked', key: { ...key, revokedAt: at } };
    });
  }
}

/** `last-of-role`: refused, the key is the tenant's last active one with the protected role. */
export type ApiKeyRevokeResult =
  | { readonly outcome: 'revoked' | 'already-revoked' | 'last-of-role'; readonly key: ApiKeyEntity }
  | { readonly outcome: 'not-found' };
