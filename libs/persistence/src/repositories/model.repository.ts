import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SECTORS, type Sector } from '@kanshi/contracts';
import type { ModelProfile } from '@kanshi/policy-sdk';
import { ModelEntity } from '../entities/model.entity';

function toProfile(row: ModelEntity): ModelProfile {
  return {
    tenantId: row.tenantId,
    modelId: row.modelId,
    name: row.name,
    sectors: row.sectors.filter((s): s is Sector => (SECTORS as readonly string[]).includes(s)),
    riskTier: row.riskTier,
    owner: row.owner,
    intendedUse: row.intendedUse,
  };
}

/** The model inventory in PostgreSQL; the engine's inventory cache loads from here. */
@Injectable()
export class ModelRepository {
  constructor(private readonly dataSource: DataSource) {}

  async loadModels(): Promise<readonly ModelProfile[]> {
    const rows = await this.dataSource.getRepository(ModelEntity).find();
    return rows.map(toProfile);
  }

  async upsert(model: ModelProfile): Promise<void> {
    await this.dataSource
      .getRepository(ModelEntity)
      .upsert(
        {
          tenantId: model.tenantId,
          modelId: model.modelId,
          name: model.name,
          sectors: [...model.sectors],
          riskTier: model.riskTier,
          owner: model.owner,
          intendedUse: model.intendedUse,
        },
        ['tenantId', 'modelId'],
      );
  }
}
