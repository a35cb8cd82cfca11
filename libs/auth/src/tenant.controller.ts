import { Body, Controller, Get, NotFoundException, Patch, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { TenantRepository, type TenantEntity } from '@kanshi/persistence';
import { ApiProblemResponse, openApiSchema, requestValidator, schemaRef } from '@kanshi/runtime';
import { ROLES } from './api-key';
import { ApiKeyGuard, RequireRoles } from './api-key.guard';
import { CurrentPrincipal, type Principal } from './principal';

const patchBody = requestValidator(
  Type.Object({ name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'The tenant’s display name.' }) }, { additionalProperties: false }),
);

export function toTenantView(t: TenantEntity) {
  return { id: t.id, name: t.name, created_at: t.createdAt.toISOString() };
}

/**
 * Who the caller is (`/v1/me`, any role: the dashboard hides what the roles cannot do) and the
 * caller's own tenant. Tenants are created by the platform operator (`npm run tenants`), never
 * through the API.
 */
@ApiTags('tenant')
@ApiBearerAuth('api-key')
@ApiProblemResponse(401, 'Missing or unknown API key.')
@ApiProblemResponse(403, 'The key’s roles do not allow this action.')
@Controller('v1')
@UseGuards(ApiKeyGuard)
export class TenantController {
  constructor(private readonly tenants: TenantRepository) {}

  @Get('me')
  @RequireRoles(...ROLES)
  @ApiOperation({ summary: 'The caller: `{tenant_id, tenant_name, key_id, key_name, roles}`. Any role.' })
  @ApiResponse({ status: 200, description: 'The caller’s tenant, key and roles.', schema: schemaRef('Me') })
  async me(@CurrentPrincipal() principal: Principal) {
    const tenant = await this.tenants.find(principal.tenantId);
    return { tenant_id: principal.tenantId, tenant_name: tenant?.name ?? null, key_id: principal.keyId, key_name: principal.keyName, roles: principal.roles };
  }

  @Get('tenant')
  @RequireRoles('admin', 'risk_officer', 'viewer')
  @ApiOperation({ summary: 'The caller’s tenant: `{id, name, created_at}`.' })
  @ApiResponse({ status: 200, description: 'The tenant.', schema: schemaRef('Tenant') })
  async get(@CurrentPrincipal() principal: Principal) {
    return toTenantView(await this.own(principal));
  }

  @Patch('tenant')
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Rename the caller’s tenant: `{name}`.' })
  @ApiBody({ required: true, schema: openApiSchema(patchBody.schema) })
  @ApiResponse({ status: 200, description: 'The tenant, renamed.', schema: schemaRef('Tenant') })
  @ApiProblemResponse(400, 'A bad field, named.', schemaRef('ValidationProblem'))
  async patch(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const input = patchBody.parse(body);
    const renamed = await this.tenants.rename(principal.tenantId, input.name.trim());
    if (!renamed) throw this.gone(principal);
    return toTenantView(renamed);
  }

  private async own(principal: Principal): Promise<TenantEntity> {
    const tenant = await this.tenants.find(principal.tenantId);
    if (!tenant) throw this.gone(principal);
    return tenant;
  }

  // Cannot happen while the key's foreign key holds; said plainly if it ever does.
  private gone(principal: Principal): NotFoundException {
    return new NotFoundException(`Tenant ${principal.tenantId} of this key does not exist.`);
  }
}
