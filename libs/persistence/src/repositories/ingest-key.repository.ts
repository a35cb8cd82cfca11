import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { IngestKeyEntity } from '../entities/ingest-key.entity';

export interface NewIngestKey {
  readonly keyId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly secretSealed: string;
  readonly isDev?: boolean;
}

/** An active ingest key as the engine loads it: still sealed. */
export interface StoredIngestKey {
  readonly keyId: string;
  readonly tenantId: string;
  readonly secretSealed: string;
}

@Injectable()
export class IngestKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(IngestKeyEntity);
  }

  /** Inserts a new key (a key id collision is an error, never a silent reuse). */
  async insert(key: NewIngestKey): Promise<IngestKeyEntity> {
    await this.repo.insert({ ...key, isDev: key.isDev ?? false });
    return this.repo.findOneByOrFail({ keyId: key.keyId });
  }

  /** Inserts the key, or keeps the existing row when the same key id is seeded again. */
  async insertIfAbsent(key: NewIngestKey): Promise<void> {
    await this.repo.createQueryBuilder().insert().values({ ...key, isDev: key.isDev ?? false }).orIgnore().execute();
  }

  /** The tenant's keys, revoked ones included, oldest first. */
  listForTenant(tenantId: string): Promise<IngestKeyEntity[]> {
    return this.repo.find({ where: { tenantId }, order: { createdAt: 'ASC', keyId: 'ASC' } });
  }

  /** The key if it belongs to the tenant; another tenant's key is as absent as a missing one. */
  findForTenant(tenantId: string, keyId: string): Promise<IngestKeyEntity | null> {
    return this.repo.findOneBy({ tenantId, keyId });
  }

  /** Revokes the tenant's key (the row stays); `undefined` when the tenant has no such key. */
  async revoke(tenantId: string, keyId: string, at: Date): Promise<IngestKeyEntity | undefined> {
    await this.repo.update({ tenantId, keyId, revokedAt: IsNull() }, { revokedAt: at });
    return (await this.findForTenant(tenantId, keyId)) ?? undefined;
  }

  async countActiveDevKeys(): Promise<number> {
    return this.repo.countBy({ isDev: true, revokedAt: IsNull() });
  }
}
