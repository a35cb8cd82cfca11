import { randomBytes } from 'node:crypto';
import { parseIngestKey } from '@kanshi/contracts';
import type { NewIngestKey } from '@kanshi/persistence';
import { ingestSecretContext, type SecretBox } from '@kanshi/secrets';

export interface CreateIngestKeyInput {
  readonly tenantId: string;
  readonly name: string;
  readonly isDev?: boolean;
  /** A given key (the demo's, from the cache); a random one when absent. */
  readonly key?: string;
}

/**
 * A new ingest key: its row (secret sealed, bound to the key id) and the whole key
 * `kanshi_ingest_<12 hex>_<43 url-safe characters>`, which is shown once. Throws when a given
 * `key` is not of that form.
 */
export function prepareIngestKey(input: CreateIngestKeyInput, secrets: SecretBox): { readonly key: string; readonly record: NewIngestKey } {
  const given = input.key === undefined ? undefined : parseIngestKey(input.key);
  if (input.key !== undefined && !given) throw new Error('the given ingest key is not of the form kanshi_ingest_<12 hex>_<43 url-safe characters>');
  const keyId = given?.keyId ?? randomBytes(6).toString('hex');
  const secret = given?.secret ?? randomBytes(32).toString('base64url');
  return {
    key: `kanshi_ingest_${keyId}_${secret}`,
    record: {
      keyId,
      tenantId: input.tenantId,
      name: input.name,
      secretSealed: secrets.seal(secret, ingestSecretContext(keyId)),
      isDev: input.isDev ?? false,
    },
  };
}
