import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A tenant's stored alerting settings: the parts it changed; the alerting library fills in defaults. */
@Injectable()
export class AlertingSettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(tenantId: string): Promise<Record<string, unknown>> {
    const [row] = await this.dataSource.query<{ settings: Record<string, unknown> }[]>(`SELECT settings FROM alerting_settings WHERE tenant_id = $1`, [tenantId]);
    return row?.settings ?? {};
  }

  /** Stores the tenant's whole settings document (already validated and merged by the caller). */
  async put(tenantId: string, settings: Readonly<Record<string, unknown>>, updatedBy: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO alerting_settings (tenant_id, settings, updated_by) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET settings = EXCLUDED.settings, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [tenantId, JSON.stringify(settings), updatedBy],
    );
  }
}
