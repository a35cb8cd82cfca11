import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantEntity } from '../entities/tenant.entity';

@Injectable()
export class TenantRepository {
  constructor(private readonly dataSource: DataSource) {}

  async ensure(id: string, name: string): Promise<void> {
    await this.dataSource.getRepository(TenantEntity).createQueryBuilder().insert().values({ id, name }).orIgnore().execute();
  }
}
