import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PolicyOverrideEntity } from '../entities/policy-override.entity';

/** Identifies one override: a tenant's rule at one scope. */
export interface OverrideKey {
  readonly tenantId: string;
  readonly scope: 'tenant' | 'sector' | 'model';
  /** Empty for the tenant scope, the sector, or the model id. */
  readonly target: string;
  readonly ruleId: string;
}

/** The tenants' rule overrides; the engine loads them with the inventory (`ModelRepository.loadInventory`). */
@Injectable()
export class PolicyOverrideRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A tenant's overrides, by scope, target and rule. */
  async list(tenantId: string): Promise<PolicyOverrideEntity[]> {
    return this.dataSource.getRepository(PolicyOverrideEntity).find({ where: { tenantId }, order: { scope: 'ASC', target: 'ASC', ruleId: 'ASC' } });
  }

  /** Creates or replaces one override. */
  async put(key: OverrideKey, setting: { enabled: boolean | null; args: Record<string, unknown> }): Promise<PolicyOverrideEntity> {
    await this.dataSource.query(
      `INSERT INTO policy_overrides (tenant_id, scope, target, rule_id, enabled, args) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, scope, target, rule_id) DO UPDATE SET enabled = EXCLUDED.enabled, args = EXCLUDED.args, updated_at = now()`,
      [key.tenantId, key.scope, key.target, key.ruleId, setting.enabled, JSON.stringify(setting.args)],
    );
    return this.dataSource.getRepository(PolicyOverrideEntity).findOneByOrFail({ ...key });
  }

  /** Removes one override; false when there was none. */
  async remove(key: OverrideKey): Promise<boolean> {
    const result = await this.dataSource.getRepository(PolicyOverrideEntity).delete({ ...key });
    return (result.affected ?? 0) > 0;
  }
}
