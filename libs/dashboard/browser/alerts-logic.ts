// Pure logic of the pages (no DOM), so a unit spec covers it: sorting the inbox, the posture
// summary, the arguments table, the inbox route's query.
import type { AlertView, JsonObject, JsonValue, ModelView } from './types.js';

/** The severity scale, lowest first (as `SEVERITIES` in `@kanshi/contracts`; a spec keeps them equal). */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Sectors of models and alerts (as `SECTORS` in `@kanshi/contracts`; a spec keeps them equal). */
export const SECTORS = ['general', 'finance', 'medical', 'platform'] as const;

/** Alert statuses (as `ALERT_STATUSES` in `@kanshi/persistence`; a spec keeps them equal). */
export const ALERT_STATUSES = ['firing', 'acknowledged', 'resolved', 'silenced'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Statuses of an alert still to be dealt with. */
export const OPEN_STATUSES: readonly AlertStatus[] = ['firing', 'acknowledged', 'silenced'];

export const SORT_KEYS = ['last_seen', 'severity', 'due'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export function severityRank(severity: string): number {
  return SEVERITIES.indexOf(severity as Severity);
}

const time = (iso: string | null): number => (iso === null ? Number.NaN : Date.parse(iso));

/**
 * The loaded alerts in the chosen order (a copy). Ties fall back to the newest `last_seen_at`;
 * alerts without a deadline come last when sorting by due date.
 */
export function sortAlerts(alerts: readonly AlertView[], key: SortKey): AlertView[] {
  const byLastSeen = (a: AlertView, b: AlertView) => time(b.last_seen_at) - time(a.last_seen_at);
  const compare = (a: AlertView, b: AlertView): number => {
    switch (key) {
      case 'last_seen':
        return byLastSeen(a, b);
      case 'severity':
        return severityRank(b.severity) - severityRank(a.severity) || byLastSeen(a, b);
      case 'due': {
        const da = time(a.due_at);
        const db = time(b.due_at);
        if (Number.isNaN(da) || Number.isNaN(db)) return (Number.isNaN(da) ? 1 : 0) - (Number.isNaN(db) ? 1 : 0) || byLastSeen(a, b);
        return da - db || byLastSeen(a, b);
      }
    }
  };
  return [...alerts].sort(compare);
}

/** The inbox's state as the route's query carries it, so a reload or a shared link keeps it. */
export interface InboxQuery {
  readonly status: string;
  readonly severity: string;
  readonly sector: string;
  readonly model: string;
  readonly rule: string;
  readonly sort: SortKey;
}

export const INBOX_FILTERS = ['status', 'severity', 'sector', 'model', 'rule'] as const;

export function parseInboxQuery(search: URLSearchParams): InboxQuery {
  const sort = search.get('sort') ?? '';
  return {
    status: search.get('status') ?? '',
    severity: search.get('severity') ?? '',
    sector: search.get('sector') ?? '',
    model: search.get('model') ?? '',
    rule: search.get('rule') ?? '',
    sort: (SORT_KEYS as readonly string[]).includes(sort) ? (sort as SortKey) : 'last_seen',
  };
}

export function inboxQueryString(q: InboxQuery): string {
  const search = new URLSearchParams();
  for (const name of INBOX_FILTERS) if (q[name] !== '') search.set(name, q[name]);
  if (q.sort !== 'last_seen') search.set('sort', q.sort);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export type SeverityCounts = Record<Severity, number>;

export const emptyCounts = (): SeverityCounts => ({ low: 0, medium: 0, high: 0, critical: 0 });

export interface RuleCount {
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly count: number;
}

export interface ModelPosture {
  readonly modelId: string;
  readonly model: ModelView | null;
  readonly counts: SeverityCounts;
  readonly rules: RuleCount[];
  readonly total: number;
  readonly lastSeenAt: string | null;
}

export interface SectorPosture {
  /** A sector id, `none` (a model in no sector) or `unregistered` (alerts of models not in the inventory). */
  readonly sector: string;
  readonly models: ModelPosture[];
  readonly counts: SeverityCounts;
}

function postureOf(modelId: string, model: ModelView | null, alerts: readonly AlertView[]): ModelPosture {
  const counts = emptyCounts();
  const rules = new Map<string, { title: string; severity: Severity; count: number }>();
  let lastSeenAt: string | null = null;
  for (const alert of alerts) {
    counts[alert.severity] += 1;
    const rule = rules.get(alert.rule_id);
    if (!rule) rules.set(alert.rule_id, { title: alert.title, severity: alert.severity, count: 1 });
    else {
      rule.count += 1;
      if (severityRank(alert.severity) > severityRank(rule.severity)) rule.severity = alert.severity;
    }
    if (lastSeenAt === null || time(alert.last_seen_at) > time(lastSeenAt)) lastSeenAt = alert.last_seen_at;
  }
  const ruleCounts = [...rules.entries()]
    .map(([ruleId, r]) => ({ ruleId, ...r }))
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.ruleId.localeCompare(b.ruleId, 'en', { numeric: true }));
  return { modelId, model, counts, rules: ruleCounts, total: alerts.length, lastSeenAt };
}

/** Worst first: most critical, then most high … then by id. */
function byConcern(a: ModelPosture, b: ModelPosture): number {
  for (const severity of [...SEVERITIES].reverse()) {
    const diff = b.counts[severity] - a.counts[severity];
    if (diff !== 0) return diff;
  }
  return a.modelId.localeCompare(b.modelId);
}

/**
 * Open alerts counted per model by severity and rule, the models grouped by sector (a model in
 * two sectors shows in both). Models of no sector and alerts of models outside the inventory get
 * groups of their own, so nothing open is left out.
 */
export function buildPosture(models: readonly ModelView[], openAlerts: readonly AlertView[]): SectorPosture[] {
  const alertsByModel = new Map<string, AlertView[]>();
  for (const alert of openAlerts) alertsByModel.set(alert.model_id, [...(alertsByModel.get(alert.model_id) ?? []), alert]);
  const known = new Map(models.map((m) => [m.model_id, m]));
  const groups = new Map<string, ModelPosture[]>();
  const add = (sector: string, posture: ModelPosture) => groups.set(sector, [...(groups.get(sector) ?? []), posture]);
  for (const model of models) {
    // A retired model is judged as outside the inventory; it shows there if it still raises alerts.
    if (model.status === 'retired') continue;
    const posture = postureOf(model.model_id, model, alertsByModel.get(model.model_id) ?? []);
    if (model.sectors.length === 0) add('none', posture);
    for (const sector of model.sectors) add(sector, posture);
  }
  for (const [modelId, alerts] of alertsByModel) {
    const model = known.get(modelId);
    if (!model || model.status === 'retired') add('unregistered', postureOf(modelId, model ?? null, alerts));
  }
  const order = [...SECTORS, ...[...groups.keys()].filter((s) => !(SECTORS as readonly string[]).includes(s) && s !== 'none' && s !== 'unregistered').sort(), 'none', 'unregistered'];
  return order
    .filter((sector) => groups.has(sector) || (SECTORS as readonly string[]).includes(sector))
    .map((sector) => {
      const postures = (groups.get(sector) ?? []).sort(byConcern);
      const counts = emptyCounts();
      for (const p of postures) for (const s of SEVERITIES) counts[s] += p.counts[s];
      return { sector, models: postures, counts };
    });
}

export interface ArgumentRow {
  readonly name: string;
  readonly inForce: JsonValue | undefined;
  readonly ruleDefault: JsonValue | undefined;
  readonly changed: boolean;
}

/** The alert's arguments beside the rule's defaults: what a tenant override changed shows. */
export function argumentRows(inForce: JsonObject, defaults: JsonObject | undefined): ArgumentRow[] {
  const names = [...new Set([...Object.keys(defaults ?? {}), ...Object.keys(inForce)])];
  return names.map((name) => {
    const value = inForce[name];
    const ruleDefault = defaults?.[name];
    return { name, inForce: value, ruleDefault, changed: defaults !== undefined && value !== undefined && JSON.stringify(value) !== JSON.stringify(ruleDefault) };
  });
}

/** Splits a comma- or space-separated list typed in a form field. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,、]+/).filter((s) => s !== ''))];
}

/** One interval of an alert's occurrences as the API gives it. */
export interface OccurrenceItem {
  readonly at: string;
  readonly count: number;
  readonly severity: string;
}

/** A bar of the occurrences chart: its height as a share of the tallest (at least a sliver, so a 1 shows). */
export interface OccurrenceBar extends OccurrenceItem {
  readonly heightPct: number;
}

export function occurrenceBars(items: readonly OccurrenceItem[]): OccurrenceBar[] {
  const max = Math.max(1, ...items.map((i) => i.count));
  return items.map((i) => ({ ...i, heightPct: Math.max(4, Math.round((i.count / max) * 100)) }));
}

/** A history entry as the timeline shows it: runs of "fired again" entries (older alerts wrote one per batch) as one. */
export type TimelineEntry<E> = { readonly entry: E; readonly repeated?: { readonly times: number; readonly firstAt: string; readonly lastAt: string } };

/**
 * The history for the timeline: changes of state as they are, and each run of consecutive
 * `occurrence` entries (written one per engine batch before firing again was counted over time)
 * summarised as its last entry with how many times and since when. Oldest first, as given.
 */
export function summariseHistory<E extends { readonly action: string; readonly at: string }>(entries: readonly E[]): TimelineEntry<E>[] {
  const out: TimelineEntry<E>[] = [];
  for (let i = 0; i < entries.length; ) {
    const entry = entries[i] as E;
    let j = i + 1;
    if (entry.action === 'occurrence') while (j < entries.length && entries[j]?.action === 'occurrence') j += 1;
    const last = entries[j - 1] as E;
    out.push(j - i > 1 ? { entry: last, repeated: { times: j - i, firstAt: entry.at, lastAt: last.at } } : { entry });
    i = j;
  }
  return out;
}
