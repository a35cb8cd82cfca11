import { alertingOpenApiSchemas } from '@kanshi/alerting-api';
import { accessOpenApiSchemas } from '@kanshi/auth';
import { evidenceBundleOpenApiSchemas, evidenceOpenApiSchemas, reportDraftOpenApiSchemas } from '@kanshi/evidence';
import { inventoryOpenApiSchemas } from '@kanshi/inventory';
import type { OpenApiOptions } from '@kanshi/runtime';

/**
 * The API's OpenAPI document: title, description and the named response schemas of its libs.
 * A lib that adds endpoints with `schemaRef(...)` answers adds its schemas here.
 */
export function apiOpenApi(): OpenApiOptions {
  return {
    title: 'Kanshi API',
    description:
      'The risk-officer and admin API of Kanshi: alerts and their lifecycle, silences, notification channels and routes, alerting settings, ' +
      'the model inventory and policy configuration, the evidence ledger. Every route but `/health` takes an API key as `Authorization: Bearer kanshi_<id>_<secret>`; ' +
      'the roles each route allows are in the README’s role matrix (a 403 otherwise). Another tenant’s objects do not exist for the caller (404). Errors are RFC 9457 problem details. ' +
      'A JSON body whose objects and arrays nest more than 64 levels deep is refused with 400 (`limit: 64`) before anything reads it.',
    schemas: { ...alertingOpenApiSchemas(), ...inventoryOpenApiSchemas(), ...accessOpenApiSchemas(), ...evidenceOpenApiSchemas(), ...evidenceBundleOpenApiSchemas(), ...reportDraftOpenApiSchemas() },
  };
}
