import type { DataSource } from 'typeorm';
import { prepareApiKey } from '@kanshi/auth';
import { TenantRepository, type TenantSummary } from '@kanshi/persistence';

/** Refused: the tenant already exists (its keys are managed through the API). */
export class TenantExistsError extends Error {
  override readonly name = 'TenantExistsError';
  constructor(tenantId: string) {
    super(`tenant "${tenantId}" already exists; its admins create more keys with POST /v1/keys (\`list\` shows its active keys)`);
  }
}

/** Creates a tenant with its first admin key, in one transaction; returns the whole key. */
export async function createTenant(dataSource: DataSource, tenantId: string, name: string, keyName: string): Promise<string> {
  const { token, record } = prepareApiKey({ tenantId, name: keyName, roles: ['admin'] });
  const outcome = await new TenantRepository(dataSource).create(tenantId, name, record);
  if (outcome === 'exists') throw new TenantExistsError(tenantId);
  return token;
}

export function listTenants(dataSource: DataSource): Promise<TenantSummary[]> {
  return new TenantRepository(dataSource).list('admin');
}

/** A plain-text table of tenants. */
export function formatTenants(tenants: readonly TenantSummary[]): string {
  if (tenants.length === 0) return 'No tenants yet: create one with `npm run tenants -- create <tenant-id> --name "<name>"`.';
  const rows = [
    ['TENANT', 'NAME', 'CREATED', 'ACTIVE KEYS', 'ADMIN KEYS'],
    ...tenants.map((t) => [t.id, t.name, t.createdAt.toISOString().slice(0, 19) + 'Z', String(t.activeKeys), String(t.activeAdminKeys)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
