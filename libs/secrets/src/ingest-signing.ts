import { createHmac } from 'node:crypto';
import type { SecretBox } from './secret-box';

/**
 * Secrets of telemetry signing (the `kanshi-signature` header, see @kanshi/contracts) that
 * Kanshi's own apps share: where a tenant's ingest secret is sealed, and the roots from which
 * the ingest gateway derives a signing secret per tenant.
 */

/** The context an ingest key's secret is sealed under (binds the sealed value to its row). */
export function ingestSecretContext(keyId: string): string {
  return `ingest_keys/${keyId}/secret`;
}

/** A root secret the ingest gateway derives its per-tenant signing secrets from. */
export interface GatewaySigningRoot {
  /** The id of the secrets key it derives from; gateway key ids are `gw-<id>`. */
  readonly id: string;
  readonly secret: Buffer;
}

const GATEWAY_SIGNING_LABEL = 'kanshi-gateway-ingest-root-v1';

/** The gateway's signing roots: from the current secrets key first, then from each previous one. */
export function gatewaySigningRoots(box: SecretBox): GatewaySigningRoot[] {
  return box.derive(GATEWAY_SIGNING_LABEL);
}

/** The key id the gateway signs with under `root`. */
export function gatewayKeyId(root: GatewaySigningRoot): string {
  return `gw-${root.id}`;
}

/**
 * The gateway's signing secret for one tenant: HMAC-SHA256 of the tenant id under the root.
 * The gateway authenticates each request with the tenant's API key, then signs the records for
 * that tenant; only Kanshi's own apps, which hold the secrets key, can make such a secret.
 */
export function gatewayTenantSecret(root: GatewaySigningRoot, tenantId: string): string {
  return createHmac('sha256', root.secret).update(`kanshi-gateway-ingest-v1\n${tenantId}`).digest('hex');
}
