import { Injectable } from '@nestjs/common';
import { SIGNATURE_HEADER, signTelemetryRecord, type IngestCredential } from '@kanshi/contracts';
import { gatewayKeyId, gatewaySigningRoots, gatewayTenantSecret, SecretBox, type GatewaySigningRoot } from '@kanshi/secrets';

/** Tenants whose signing secret is kept; beyond it the cache starts again (secrets are re-derived). */
const MAX_TENANTS = 10_000;

/**
 * Signs the records the gateway writes for a tenant, as a producer with the tenant's ingest key
 * would: with a secret derived per tenant from the current secrets key, which the engine
 * derives too. The gateway has checked the caller's API key, so it may speak for that tenant.
 */
@Injectable()
export class GatewaySigner {
  private readonly root: GatewaySigningRoot;
  private readonly credentials = new Map<string, IngestCredential>();

  constructor(secrets: SecretBox) {
    const [current] = gatewaySigningRoots(secrets);
    if (!current) throw new Error('the secrets box derived no signing root');
    this.root = current;
  }

  /** The `kanshi-signature` header of a record the gateway writes for `tenantId`. */
  headers(tenantId: string, key: string, value: string): Record<string, string> {
    let credential = this.credentials.get(tenantId);
    if (!credential) {
      if (this.credentials.size >= MAX_TENANTS) this.credentials.clear();
      credential = { keyId: gatewayKeyId(this.root), secret: gatewayTenantSecret(this.root, tenantId) };
      this.credentials.set(tenantId, credential);
    }
    return { [SIGNATURE_HEADER]: signTelemetryRecord(credential, key, value) };
  }
}
