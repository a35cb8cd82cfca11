import type { DataSource } from 'typeorm';
import { ChannelRepository, type ResealReport } from '@kanshi/persistence';
import type { SecretBox } from '@kanshi/secrets';

/** Seals again what needs it, table by table (each table with sealed values has its entry here). */
export async function resealAll(dataSource: DataSource, box: SecretBox, options: { readonly tenantId?: string } = {}): Promise<ResealReport[]> {
  return [await new ChannelRepository(dataSource, box).reseal(options)];
}

/** What `reseal` prints: a line per table, then every value that did not open. */
export function formatResealReports(keyId: string, reports: readonly ResealReport[]): string {
  const lines = [`Sealing with key ${keyId} (KANSHI_SECRETS_KEY):`];
  for (const r of reports) {
    lines.push(
      `  ${r.table}: ${r.sealed} sealed (were plaintext), ${r.resealed} resealed (were sealed with a previous key), ${r.current} already current, ${r.failed.length} failed`,
    );
  }
  const failed = reports.flatMap((r) => r.failed.map((f) => ({ ...f, table: r.table })));
  if (failed.length > 0) {
    lines.push('', 'These did not open and were left as they are:');
    for (const f of failed) lines.push(`  ${f.table} ${f.id} ${f.field}: ${f.error}`);
  } else {
    lines.push('', 'Every value is sealed with the current key: keys in KANSHI_SECRETS_PREVIOUS_KEYS are no longer needed for them.');
  }
  return lines.join('\n');
}
