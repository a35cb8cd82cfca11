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
}
