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
 * Waits until every model of `expected` has an alert of `ruleId` counting at least its
 * occurrences, and returns the tally then: compare it whole with `expected`, so a count too high
 * or an alert too many shows too.
 */
export async function waitForAlertTally(
  dataSource: DataSource,
  tenantId: string,
  ruleId: string,
  expected: ReadonlyMap<string, AlertTally>,
  timeoutMs = 30_000,
): Promise<Map<string, AlertTally>> {
  return waitFor(
    `${ruleId} alerts for ${expected.size} models of tenant ${tenantId}`,
    async () => {
      const tally = await alertTally(dataSource, tenantId, ruleId);
      const short = [...expected].filter(([model, want]) => (tally.get(model)?.occurrences ?? 0) < want.occurrences);
      if (short.length === 0) return tally;
      const sample = short.slice(0, 5).map(([model, want]) => `${model} ${tally.get(model)?.occurrences ?? 0}/${want.occurrences}`);
      throw new Error(`${short.length} models short, e.g. ${sample.join(', ')}`);
    },
    timeoutMs,
  );
}

/** The tally one alert per model with one occurrence per distinct event gives for these events. */
export function expectedTally(events: readonly { readonly model_id: string; readonly event_id: string }[]): Map<string, AlertTally> {
  const byModel = new Map<string, Set<string>>();
  for (const e of events) byModel.set(e.model_id, (byModel.get(e.model_id) ?? new Set<string>()).add(e.event_id));
  return new Map([...byModel].map(([model, ids]) => [model, { occurrences: ids.size, eventIds: [...ids].sort() }]));
}
