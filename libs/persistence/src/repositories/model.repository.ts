import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SECTORS, type Sector } from '@kanshi/contracts';
import type { ModelProfile } from '@kanshi/policy-sdk';
import { ModelEntity } from '../entities/model.entity';
import { TenantEntity } from '../entities/tenant.entity';

function toProfile(row: ModelEntity): ModelProfile {
  return {
    tenantId: row.tenantId,
    modelId: row.modelId,
    name: row.name,
    sectors: row.sectors.filter((s): s is Sector => (SECTORS as readonly string[]).includes(s)),
    riskTier: row.riskTier,
    owner: row.owner,
    intendedUse: row.intendedUse,
    approvedUseScope: row.approvedUseScope,
    approvedVersions: row.approvedVersions,
    changePlan: row.changePlan,
    lastValidatedAt: row.lastValidatedAt,
    thirdParty: row.thirdParty,
    vendor: row.vendor,
    vendorValidationRef: row.vendorValidationRef,
    privacyAssessmentRefs: row.privacyAssessmentRefs,
    deployedVersion: row.deployedVersion,
    deployedHash: row.deployedHash,
  };
}

/** The model inventory in PostgreSQL; the engine's inventory cache loads from here. */
@Injectable()
export class ModelRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every tenant id and every model: what the engine's in-memory inventory holds. */
  async loadInventory(): Promise<{ tenantIds: string[]; models: ModelProfile[] }> {
    const [tenants, rows] = await Promise.all([
      this.dataSource.getRepository(TenantEntity).find({ select: { id: true } }),
      this.dataSource.getRepository(ModelEntity).find(),
    ]);
    return { tenantIds: tenants.map((t) => t.id), models: rows.map(toProfile) };
  }

  async upsert(model: ModelProfile): Promise<void> {
    await this.dataSource
      .getRepository(ModelEntity)
      .upsert(
        {
          ...model,
          sectors: [...model.sectors],
          approvedUseScope: [...model.approvedUseScope],
          approvedVersions: model.approvedVersions.map((v) => ({ ...v })),
          changePlan: model.changePlan ? { ref: model.changePlan.ref, scope: [...model.changePlan.scope] } : null,
          privacyAssessmentRefs: [...model.privacyAssessmentRefs],
        },
        ['tenantId', 'modelId'],
      );
  }
}
