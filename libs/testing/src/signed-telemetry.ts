import type { Message } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { prepareIngestKey } from '@kanshi/auth';
import { loadConfig } from '@kanshi/config';
import { parseIngestKey, SIGNATURE_HEADER, signTelemetryRecord, telemetryKey, type TelemetryEvent } from '@kanshi/contracts';
import { IngestKeyRepository } from '@kanshi/persistence';
import { SecretBox } from '@kanshi/secrets';

/** Makes an ingest key for the tenant in the database (sealed as the API does) and returns the whole key. */
export async function createIngestKey(dataSource: DataSource, tenantId: string, name = 'test producer'): Promise<string> {
  const { key, record } = prepareIngestKey({ tenantId, name }, SecretBox.fromConfig(loadConfig()));
  await new IngestKeyRepository(dataSource).insert(record);
  return key;
}

/** The key id of a whole ingest key. */
export function ingestKeyId(ingestKey: string): string {
  const parsed = parseIngestKey(ingestKey);
  if (!parsed) throw new Error('not an ingest key');
  return parsed.keyId;
}

/**
 * A Kafka message as a producer with the tenant's ingest key writes it: key `tenant:model`
 * (or the given key), the value, and the `kanshi-signature` header over both.
 */
export function signedMessage(
  ingestKey: string,
  record: TelemetryEvent | { readonly key: string | null; readonly value: string | Buffer | null },
): Message {
  const credential = parseIngestKey(ingestKey);
  if (!credential) throw new Error('not an ingest key');
  const { key, value } = 'event_id' in record ? { key: telemetryKey(record.tenant_id, record.model_id), value: JSON.stringify(record) } : record;
  return { key, value, headers: { [SIGNATURE_HEADER]: signTelemetryRecord(credential, key, value) } };
}
