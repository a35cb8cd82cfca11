import type { DataSource } from 'typeorm';
import { waitFor } from './wait-for';

/** One alert as PostgreSQL holds it: its occurrence count and the events of its findings. */
export interface AlertTally {
  readonly occurrences: number;
  /** Event ids of the alert's findings, sorted. */
  readonly eventIds: readonly string[];
}

/** The tenant's alerts of one rule, by model, straight from the database. */
export async function alertTally(dataSource: DataSource, tenantId: string, ruleId: string): Promise<Map<string, AlertTally>> {
  const rows = await dataSource.query<{ model_id: string; occurrence_count: number; event_ids: string[] }[]>(
    `SELECT a.model_id, a.occurrence_count, COALESCE(array_agg(f.event_id) FILTER (WHERE f.event_id IS NOT NULL), '{}') AS event_ids
       FROM alerts a LEFT JOIN alert_findings f ON f.alert_id = a.id
      WHERE a.tenant_id = $1 AND a.rule_id = $2
      GROUP BY a.id`,
    [tenantId, ruleId],
  );
  // Sorted here: the database's collation may order ids differently from JavaScript.
  return new Map(rows.map((r) => [r.model_id, { occurrences: r.occurrence_count, eventIds: [...r.event_ids].sort() }]));
}

/**
 * Waits until every model in `expected` (model → event ids) has an alert of `ruleId` counting at
 * least that many events, and returns the tally then, for the caller to compare exactly.
 */
export async function waitForAlertTally(
  dataSource: DataSource,
  tenantId: string,
  ruleId: string,
  expected: ReadonlyMap<string, readonly string[]>,
  timeoutMs = 30_000,
): Promise<Map<string, AlertTally>> {
  return waitFor(
    `${ruleId} alerts for ${expected.size} models of tenant ${tenantId}`,
    async () => {
      const tally = await alertTally(dataSource, tenantId, ruleId);
      const short = [...expected].filter(([model, events]) => (tally.get(model)?.occurrences ?? 0) < events.length);
      if (short.length === 0) return tally;
      const sample = short.slice(0, 5).map(([model, events]) => `${model} ${tally.get(model)?.occurrences ?? 0}/${events.length}`);
      throw new Error(`${short.length} models short, e.g. ${sample.join(', ')}`);
    },
    timeoutMs,
  );
}

/** The tally `waitForAlertTally` should find for these events: model → sorted event ids. */
export function expectedTally(events: readonly { readonly model_id: string; readonly event_id: string }[]): Map<string, string[]> {
  const byModel = new Map<string, string[]>();
  for (const e of events) {
    const ids = byModel.get(e.model_id) ?? [];
    ids.push(e.event_id);
    byModel.set(e.model_id, ids);
  }
  for (const ids of byModel.values()) ids.sort();
  return byModel;
}
