import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { keepLatestVerdict, SECTORS, type RuleVerdict, type Sector } from '@kanshi/contracts';
import type { ModelProfile } from '@kanshi/policy-sdk';
import { IngestKeyEntity } from '../entities/ingest-key.entity';
import { ModelEntity } from '../entities/model.entity';
import type { StoredIngestKey } from './ingest-key.repository';
import { PolicyOverrideEntity } from '../entities/policy-override.entity';
import { TenantEntity } from '../entities/tenant.entity';
import { InvalidCursorError } from './alert.repository';

/** What a tenant writes about a model; the deployed version and hash come from telemetry only. */
export type ModelFields = Omit<ModelProfile, 'tenantId' | 'modelId' | 'deployedVersion' | 'deployedHash'>;

/** A rule override as the engine holds it (the shape of `RuleOverride` in the policy core). */
export interface StoredRuleOverride {
  readonly tenantId: string;
  readonly scope: 'tenant' | 'sector' | 'model';
  readonly target: string;
  readonly ruleId: string;
  readonly enabled: boolean | null;
  readonly args: Readonly<Record<string, unknown>>;
}

/** A reported deployment (the shape of `ModelDeployment` in the policy core). */
export interface DeploymentRecord {
  readonly tenantId: string;
  readonly modelId: string;
  readonly version: string;
  readonly hash: string | null;
  readonly deployedAt: string;
}

export interface ModelPage {
  readonly items: ModelEntity[];
  readonly nextCursor: string | null;
}

function columnsOf(fields: ModelFields) {
  return {
    name: fields.name,
    sectors: [...fields.sectors],
    riskTier: fields.riskTier,
    owner: fields.owner,
    intendedUse: fields.intendedUse,
    approvedUseScope: [...fields.approvedUseScope],
    approvedVersions: fields.approvedVersions.map((v) => ({ version: v.version, hash: v.hash })),
    changePlan: fields.changePlan ? { ref: fields.changePlan.ref, scope: [...fields.changePlan.scope] } : null,
    lastValidatedAt: fields.lastValidatedAt,
    thirdParty: fields.thirdParty,
    vendor: fields.vendor,
    vendorValidationRef: fields.vendorValidationRef,
    privacyAssessmentRefs: [...fields.privacyAssessmentRefs],
  };
}

/** A row as rules see it. */
export function toModelProfile(row: ModelEntity): ModelProfile {
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

  /**
   * Every tenant id, every model not retired and every rule override: what the engine's
   * in-memory inventory holds. A retired model is not in the inventory for the rules.
   */
  async loadInventory(): Promise<{ tenantIds: string[]; models: ModelProfile[]; overrides: StoredRuleOverride[]; ingestKeys: StoredIngestKey[] }> {
    const [tenants, rows, overrides, keys] = await Promise.all([
      this.dataSource.getRepository(TenantEntity).find({ select: { id: true } }),
      this.dataSource.getRepository(ModelEntity).find({ where: { retiredAt: IsNull() } }),
      this.dataSource.getRepository(PolicyOverrideEntity).find(),
      this.dataSource.getRepository(IngestKeyEntity).find({ where: { revokedAt: IsNull() }, select: { keyId: true, tenantId: true, secretSealed: true } }),
    ]);
    return {
      tenantIds: tenants.map((t) => t.id),
      models: rows.map(toModelProfile),
      overrides: overrides.map(({ tenantId, scope, target, ruleId, enabled, args }) => ({ tenantId, scope, target, ruleId, enabled, args })),
      ingestKeys: keys.map(({ keyId, tenantId, secretSealed }) => ({ keyId, tenantId, secretSealed })),
    };
  }

  /**
   * Records reported deployments on existing models (retired included); never creates a model.
   * Idempotent, and an older report never overwrites a newer one.
   */
  async recordDeployments(deployments: readonly DeploymentRecord[]): Promise<void> {
    for (const d of deployments) {
      await this.dataSource.query(
        `UPDATE models SET deployed_version = $3, deployed_hash = $4, deployed_at = $5, updated_at = now()
          WHERE tenant_id = $1 AND model_id = $2 AND (deployed_at IS NULL OR deployed_at <= $5)
            AND (deployed_version IS DISTINCT FROM $3 OR deployed_hash IS DISTINCT FROM $4 OR deployed_at IS DISTINCT FROM $5)`,
        [d.tenantId, d.modelId, d.version, d.hash, d.deployedAt],
      );
    }
  }

  /**
   * Records when inventory models last sent telemetry: the newest event time (never moved back)
   * and the wall-clock time of receipt. Models outside the inventory are not created.
   */
  async recordTelemetrySeen(seen: readonly { tenantId: string; modelId: string; lastEventAt: string }[]): Promise<void> {
    if (seen.length === 0) return;
    await this.dataSource.query(
      `UPDATE models m
          SET last_event_at = GREATEST(m.last_event_at, v.at), last_received_at = now()
         FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS v(tenant_id, model_id, at)
        WHERE m.tenant_id = v.tenant_id AND m.model_id = v.model_id`,
      [seen.map((s) => s.tenantId), seen.map((s) => s.modelId), seen.map((s) => s.lastEventAt)],
    );
  }

  /**
   * Records the latest verdict of windowed rules (pass, fail, insufficient data) per model and
   * scope; an older verdict never overwrites a newer one, so a replay changes nothing.
   */
  async recordRuleVerdicts(all: readonly RuleVerdict[]): Promise<void> {
    // One row per key in a statement (an upsert may not touch a row twice): the latest wins.
    const latest = new Map<string, RuleVerdict>();
    for (const v of all) keepLatestVerdict(latest, v);
    const verdicts = [...latest.values()];
    if (verdicts.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO rule_verdicts AS r (tenant_id, model_id, rule_id, scope, verdict, observed, judged_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[])
       ON CONFLICT (tenant_id, model_id, rule_id, scope) DO UPDATE
          SET verdict = EXCLUDED.verdict, observed = EXCLUDED.observed, judged_at = EXCLUDED.judged_at, recorded_at = now()
        WHERE r.judged_at <= EXCLUDED.judged_at`,
      [
        verdicts.map((v) => v.tenantId),
        verdicts.map((v) => v.modelId),
        verdicts.map((v) => v.ruleId),
        verdicts.map((v) => v.scope),
        verdicts.map((v) => v.verdict),
        verdicts.map((v) => (v.observed === undefined || v.observed === null ? null : JSON.stringify(v.observed))),
        verdicts.map((v) => v.judgedAt),
      ],
    );
  }

  /** The latest verdicts of a tenant's windowed rules that could not judge (insufficient data), for the given models. */
  async insufficientVerdicts(tenantId: string, modelIds: readonly string[]): Promise<RuleVerdict[]> {
    if (modelIds.length === 0) return [];
    const rows = await this.dataSource.query<{ model_id: string; rule_id: string; scope: string; observed: unknown; judged_at: Date }[]>(
      `SELECT model_id, rule_id, scope, observed, judged_at FROM rule_verdicts
        WHERE tenant_id = $1 AND model_id = ANY($2::text[]) AND verdict = 'insufficient'
        ORDER BY model_id, rule_id, scope`,
      [tenantId, modelIds],
    );
    return rows.map((r) => ({ tenantId, modelId: r.model_id, ruleId: r.rule_id, scope: r.scope, verdict: 'insufficient', observed: r.observed, judgedAt: r.judged_at.toISOString() }));
  }

  /** A tenant's models by id; retired ones only when asked. `cursor` is the previous page's `nextCursor`. */
  async list(tenantId: string, options: { limit: number; cursor?: string | undefined; includeRetired: boolean }): Promise<ModelPage> {
    const query = this.dataSource
      .getRepository(ModelEntity)
      .createQueryBuilder('m')
      .where('m.tenant_id = :tenantId', { tenantId })
      .orderBy('m.model_id', 'ASC')
      .limit(options.limit + 1);
    if (!options.includeRetired) query.andWhere('m.retired_at IS NULL');
    if (options.cursor !== undefined) {
      const after = Buffer.from(options.cursor, 'base64url').toString('utf8');
      if (after.length === 0 || Buffer.from(after, 'utf8').toString('base64url') !== options.cursor) throw new InvalidCursorError();
      query.andWhere('m.model_id > :after', { after });
    }
    const rows = await query.getMany();
    const items = rows.slice(0, options.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > options.limit && last ? Buffer.from(last.modelId, 'utf8').toString('base64url') : null };
  }

  async find(tenantId: string, modelId: string): Promise<ModelEntity | null> {
    return this.dataSource.getRepository(ModelEntity).findOneBy({ tenantId, modelId });
  }

  /** Creates or replaces a model's writable fields (`reinstate`: a retired model comes back); `created` when new. */
  async replace(tenantId: string, modelId: string, fields: ModelFields, options: { reinstate: boolean }): Promise<{ created: boolean; model: ModelEntity }> {
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(ModelEntity);
      const existing = await repository.findOne({ where: { tenantId, modelId }, lock: { mode: 'pessimistic_write' } });
      if (existing) {
        await repository.update({ tenantId, modelId }, { ...columnsOf(fields), ...(options.reinstate ? { retiredAt: null } : {}) });
      } else {
        await repository.insert({ tenantId, modelId, ...columnsOf(fields), deployedVersion: null, deployedHash: null, deployedAt: null, retiredAt: null });
      }
      return { created: !existing, model: await repository.findOneByOrFail({ tenantId, modelId }) };
    });
  }

  /** Marks a model retired (once: retiring again keeps the first time); false when there is no such model. */
  async retire(tenantId: string, modelId: string): Promise<boolean> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `UPDATE models SET retired_at = COALESCE(retired_at, now()), updated_at = now() WHERE tenant_id = $1 AND model_id = $2`,
      [tenantId, modelId],
    );
    return result[1] > 0;
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
