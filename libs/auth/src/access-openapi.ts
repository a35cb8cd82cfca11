import { Type, type Static } from '@sinclair/typebox';
import type { ApiKeyEntity, AuditLogEntity, IngestKeyEntity, TenantEntity } from '@kanshi/persistence';
import type { JsonSchemaObject } from '@kanshi/runtime';
import { ROLES } from './api-key';
import { toKeyView } from './api-keys.controller';
import { toAuditView } from './audit.controller';
import { toIngestKeyView } from './ingest-keys.controller';
import { toTenantView } from './tenant.controller';

// Response schemas of the identity-and-access endpoints, for the API's OpenAPI document. The
// assignments at the end make the compiler check each view against its schema.

const DATE_TIME = Type.String({ format: 'date-time' });
const NULLABLE_DATE_TIME = Type.Union([DATE_TIME, Type.Null()]);
const NULLABLE_STRING = Type.Union([Type.String(), Type.Null()]);
const ROLE_LIST = Type.Array(Type.String({ enum: [...ROLES] }), { description: `Any of ${ROLES.join(', ')}.` });
const KEY_ID = Type.String({ pattern: '^[a-f0-9]{12}$', description: 'The public part of the key: `kanshi_<key_id>_<secret>`.' });

const API_KEY = Type.Object({
  key_id: KEY_ID,
  name: Type.String(),
  roles: ROLE_LIST,
  created_at: DATE_TIME,
  last_used_at: Type.Union([DATE_TIME, Type.Null()], { description: 'Updated at most once a minute.' }),
  revoked_at: NULLABLE_DATE_TIME,
  is_dev: Type.Boolean({ description: 'Seeded by the local demo; production refuses to start while one is active.' }),
});

const CREATED_API_KEY = Type.Object({
  key_id: KEY_ID,
  name: Type.String(),
  roles: ROLE_LIST,
  created_at: DATE_TIME,
  key: Type.String({ pattern: '^kanshi_[a-f0-9]{12}_[A-Za-z0-9_-]{32,128}$', description: 'The whole key, shown in this answer only.' }),
  note: Type.String(),
});

const INGEST_KEY_ID = Type.String({ pattern: '^[a-f0-9]{12}$', description: 'The public part of the key: `kanshi_ingest_<key_id>_<secret>`; records carry it in `kanshi-signature`.' });

const INGEST_KEY = Type.Object({
  key_id: INGEST_KEY_ID,
  name: Type.String(),
  created_at: DATE_TIME,
  revoked_at: NULLABLE_DATE_TIME,
  is_dev: Type.Boolean({ description: 'Made by the local demo seed.' }),
});

const CREATED_INGEST_KEY = Type.Object({
  key_id: INGEST_KEY_ID,
  name: Type.String(),
  created_at: DATE_TIME,
  key: Type.String({ pattern: '^kanshi_ingest_[a-f0-9]{12}_[A-Za-z0-9_-]{43}$', description: 'The whole key, shown in this answer only.' }),
  note: Type.String(),
});

const ME = Type.Object({
  tenant_id: Type.String(),
  tenant_name: NULLABLE_STRING,
  key_id: KEY_ID,
  key_name: Type.String(),
  roles: ROLE_LIST,
});

const TENANT = Type.Object({ id: Type.String(), name: Type.String(), created_at: DATE_TIME });

const AUDIT_ENTRY = Type.Object({
  id: Type.String({ description: 'Increasing; a bigint as a string.' }),
  at: DATE_TIME,
  actor: Type.String({ description: '`api-key:<key id>`.' }),
  actor_name: NULLABLE_STRING,
  roles: ROLE_LIST,
  method: Type.String(),
  path: Type.String({ description: 'The route pattern, e.g. `/v1/alerts/:id/ack`.' }),
  target: Type.String({ description: 'The concrete path, without the query string.' }),
  status: Type.Integer({ description: 'The status answered, refusals included.' }),
  ip: NULLABLE_STRING,
  user_agent: NULLABLE_STRING,
  details: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The request `body` and `query` with secret-like fields replaced by "(redacted)"; over 4 KB, `{truncated, bytes, preview}`.',
  }),
});

/** Named schemas of the identity-and-access endpoints, for `components.schemas` of the API's document. */
export function accessOpenApiSchemas(): Record<string, JsonSchemaObject> {
  return {
    ApiKey: API_KEY,
    ApiKeyList: Type.Object({ items: Type.Array(API_KEY) }),
    CreatedApiKey: CREATED_API_KEY,
    IngestKey: INGEST_KEY,
    IngestKeyList: Type.Object({ items: Type.Array(INGEST_KEY) }),
    CreatedIngestKey: CREATED_INGEST_KEY,
    Me: ME,
    Tenant: TENANT,
    AuditEntry: AUDIT_ENTRY,
    AuditPage: Type.Object({ items: Type.Array(AUDIT_ENTRY), next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last.' }) }),
  };
}

// Compile-time checks: each view gives at least what its schema promises, with the same types.
const _key: (k: ApiKeyEntity) => Static<typeof API_KEY> = toKeyView;
const _tenant: (t: TenantEntity) => Static<typeof TENANT> = toTenantView;
const _audit: (e: AuditLogEntity) => Static<typeof AUDIT_ENTRY> = toAuditView;
const _ingestKey: (k: IngestKeyEntity) => Static<typeof INGEST_KEY> = toIngestKeyView;
