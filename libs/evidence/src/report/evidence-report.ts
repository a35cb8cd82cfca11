import type { EffectiveRuleConfig } from '@kanshi/policy-core';
import type { Listed, ReportAction, ReportAlertFigures, ReportAlertRow, ReportChange, ReportSilence, ReportVerdictCount } from '@kanshi/persistence';

/** A rule as it applies to a model: its configuration in force (each setting with where it came from) and its title. */
export type RuleInForce = Omit<EffectiveRuleConfig, 'moduleId'> & { readonly title: string };

/** A model's inventory entry, as the report shows it. */
export interface ReportModel {
  readonly modelId: string;
  readonly name: string;
  readonly sectors: readonly string[];
  readonly riskTier: string | null;
  readonly owner: string | null;
  readonly intendedUse: string | null;
  readonly approvedVersions: readonly string[];
  readonly deployedVersion: string | null;
  readonly deployedAt: Date | null;
  readonly lastEventAt: Date | null;
  readonly retiredAt: Date | null;
  readonly rules: readonly RuleInForce[];
}

/** What the report is made of: read from the database by the gatherer, decided on by {@link buildEvidenceReport}. */
export interface ReportFacts {
  readonly tenant: { readonly id: string; readonly name: string | null };
  readonly period: { readonly from: Date | null; readonly to: Date | null };
  readonly scope: { readonly modelId: string | null; readonly sector: string | null };
  /** The ledger span the bundle holds, when the report goes with one. */
  readonly ledger: { readonly firstSeq: number; readonly lastSeq: number; readonly entries: number; readonly keyId: string } | null;
  readonly models: Listed<ReportModel>;
  readonly changes: Listed<ReportChange>;
  readonly actions: Listed<ReportAction>;
  readonly verdicts: readonly ReportVerdictCount[];
  readonly alertFigures: ReportAlertFigures;
  readonly alerts: readonly ReportAlertRow[];
  readonly findings: number;
  readonly historyActions: Readonly<Record<string, number>>;
  readonly silences: Listed<ReportSilence>;
  readonly clockAlerts: readonly ReportAlertRow[];
}

/** Where a regulatory clock stands: the report was submitted by the deadline, after it or not at all, or the deadline is still ahead. */
export type ClockState = 'met' | 'missed' | 'open';

/** A clock's state at `now`: met (submitted by the deadline), missed (submitted late, or not and the deadline passed), or open. */
export function clockState(alert: Pick<ReportAlertRow, 'dueAt' | 'reportSubmittedAt'>, now: Date): ClockState {
  if (alert.dueAt === null) return 'open';
  if (alert.reportSubmittedAt !== null) return alert.reportSubmittedAt.getTime() <= alert.dueAt.getTime() ? 'met' : 'missed';
  return now.getTime() > alert.dueAt.getTime() ? 'missed' : 'open';
}

/** Fields of an inventory or override row that change on their own or say nothing about care. */
const UNINTERESTING_FIELDS = new Set(['updated_at', 'created_at', 'tenant_id', 'last_event_at', 'last_received_at']);

/** What a change did, as `field: old → new` pairs (the fields that differ). */
export function changedFields(change: Pick<ReportChange, 'old' | 'new'>): { field: string; from: unknown; to: unknown }[] {
  const before = change.old ?? {};
  const after = change.new ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => !UNINTERESTING_FIELDS.has(f)).sort();
  return fields.filter((f) => JSON.stringify(before[f] ?? null) !== JSON.stringify(after[f] ?? null)).map((f) => ({ field: f, from: before[f] ?? null, to: after[f] ?? null }));
}

/** Windows judged per model and rule over the period, by outcome. */
export interface CoverageRow {
  readonly modelId: string;
  readonly ruleId: string;
  readonly pass: number;
  readonly fail: number;
  readonly insufficient: number;
}

/** The verdict counts folded per model and rule, and their totals. */
export function coverageOf(verdicts: readonly ReportVerdictCount[]): { rows: CoverageRow[]; totals: Omit<CoverageRow, 'modelId' | 'ruleId'> & { windows: number } } {
  const byKey = new Map<string, { modelId: string; ruleId: string; pass: number; fail: number; insufficient: number }>();
  for (const v of verdicts) {
    const key = `${v.modelId}\u0000${v.ruleId}`;
    const row = byKey.get(key) ?? { modelId: v.modelId, ruleId: v.ruleId, pass: 0, fail: 0, insufficient: 0 };
    if (v.verdict === 'pass' || v.verdict === 'fail' || v.verdict === 'insufficient') row[v.verdict] += v.windows;
    byKey.set(key, row);
  }
  const rows = [...byKey.values()].sort((a, b) => a.modelId.localeCompare(b.modelId) || a.ruleId.localeCompare(b.ruleId, 'en', { numeric: true }));
  const totals = rows.reduce((t, r) => ({ pass: t.pass + r.pass, fail: t.fail + r.fail, insufficient: t.insufficient + r.insufficient }), { pass: 0, fail: 0, insufficient: 0 });
  return { rows, totals: { ...totals, windows: totals.pass + totals.fail + totals.insufficient } };
}

/** The report's content, decided: what each section shows. */
export interface EvidenceReport {
  readonly facts: ReportFacts;
  readonly generatedAt: Date;
  readonly coverage: ReturnType<typeof coverageOf>;
  readonly clocks: { readonly met: number; readonly missed: number; readonly open: number; readonly rows: readonly (ReportAlertRow & { readonly state: ClockState })[] };
}

/** Decides the report's content from the facts as they stood at `now`. */
export function buildEvidenceReport(facts: ReportFacts, now: Date): EvidenceReport {
  const rows = facts.clockAlerts.map((a) => ({ ...a, state: clockState(a, now) }));
  const count = (state: ClockState) => rows.filter((r) => r.state === state).length;
  return { facts, generatedAt: now, coverage: coverageOf(facts.verdicts), clocks: { met: count('met'), missed: count('missed'), open: count('open'), rows } };
}

/** A duration in seconds as people read it: `45 s`, `12 min 5 s`, `3 h 20 min`, `2 d 4 h`. */
export function formatDuration(seconds: number | null, lang: 'ja' | 'en'): string {
  if (seconds === null) return '—';
  const units = lang === 'ja' ? { d: '日', h: '時間', m: '分', s: '秒' } : { d: ' d', h: ' h', m: ' min', s: ' s' };
  const s = Math.max(0, Math.round(seconds));
  const parts: [number, string][] =
    s >= 86_400
      ? [
          [Math.floor(s / 86_400), units.d],
          [Math.floor((s % 86_400) / 3600), units.h],
        ]
      : s >= 3600
        ? [
            [Math.floor(s / 3600), units.h],
            [Math.floor((s % 3600) / 60), units.m],
          ]
        : s >= 60
          ? [
              [Math.floor(s / 60), units.m],
              [s % 60, units.s],
            ]
          : [[s, units.s]];
  return parts
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(lang === 'ja' ? '' : ' ');
}
