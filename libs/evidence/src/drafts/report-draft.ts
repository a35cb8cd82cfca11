import type { ReportLanguage } from '../report/report-text';

/** The regulator's reports Kanshi drafts. */
export const DRAFT_KINDS = ['appi-preliminary', 'appi-final', 'pmd-adverse-event', 'banking-art53'] as const;
export type DraftKind = (typeof DRAFT_KINDS)[number];

/** What a draft is made of: the alert with a legal clock, its model's inventory entry and the tenant. */
export interface DraftInput {
  readonly tenant: { readonly id: string; readonly name: string | null };
  readonly alert: {
    readonly id: string;
    readonly ruleId: string;
    readonly title: string;
    readonly severity: string;
    readonly firstSeenAt: Date;
    readonly dueAt: Date | null;
    readonly reportSubmittedAt: Date | null;
    readonly observed: unknown;
    readonly occurrences: number;
    readonly evidenceEventIds: readonly string[];
  };
  readonly model: {
    readonly modelId: string;
    readonly name: string;
    readonly owner: string | null;
    readonly intendedUse: string | null;
    readonly deployedVersion: string | null;
    readonly deployedHash: string | null;
  } | null;
}

/** One field of a draft: pre-filled from Kanshi's record, or left for a person (`value: null`). */
export interface DraftField {
  readonly key: string;
  readonly label: string;
  readonly value: string | null;
}

/** A report draft in one language. */
export interface ReportDraft {
  readonly kind: DraftKind;
  readonly language: ReportLanguage;
  readonly regulator: string;
  readonly title: string;
  readonly notice: string;
  readonly deadline: string | null;
  readonly submitted_at: string | null;
  readonly alert_id: string;
  readonly fields: readonly DraftField[];
}

const text = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : Array.isArray(v) ? v.map(String).join(', ') : typeof v === 'string' ? v : JSON.stringify(v));
const observedOf = (alert: DraftInput['alert']): Record<string, unknown> =>
  typeof alert.observed === 'object' && alert.observed !== null && !Array.isArray(alert.observed) ? (alert.observed as Record<string, unknown>) : {};

/**
 * Which report an alert calls for, by its rule: P8 the APPI preliminary report, P13 the final
 * one, M7 and M8 the PMD Act adverse event or malfunction report, F12 the Banking Act
 * notification, and M9 (a clock running out) the report its clock names. `null`: none.
 */
export function draftKindOf(ruleId: string, observed: unknown): DraftKind | null {
  if (ruleId === 'P8') return 'appi-preliminary';
  if (ruleId === 'P13') return 'appi-final';
  if (ruleId === 'M7' || ruleId === 'M8') return 'pmd-adverse-event';
  if (ruleId === 'F12') return 'banking-art53';
  if (ruleId === 'M9') {
    const o = typeof observed === 'object' && observed !== null ? (observed as Record<string, unknown>) : {};
    const regulator = (text(o['regulator']) ?? '').toUpperCase();
    if (regulator === 'PMDA' || regulator === 'MHLW') return 'pmd-adverse-event';
    if (regulator === 'PPC') return (text(o['kind']) ?? '').toLowerCase() === 'final' ? 'appi-final' : 'appi-preliminary';
    if (regulator === 'FSA') return 'banking-art53';
  }
  return null;
}

/** The days a PMD Act report allows from awareness: 15 (death, unforeseen serious harm) or 30, from the rule or the clock's length. */
export function pmdReportDays(ruleId: string, awareness: Date | null, dueAt: Date | null): 15 | 30 | null {
  if (ruleId === 'M7') return 15;
  if (ruleId === 'M8') return 30;
  if (awareness === null || dueAt === null) return null;
  return (dueAt.getTime() - awareness.getTime()) / 86_400_000 <= 15.5 ? 15 : 30;
}

const WORDS = {
  ja: {
    notice: '下書き：Kanshi の記録から作成しました。空欄は担当者が記入し、内容を確認してから提出してください。Kanshi は提出しません。提出後は POST /v1/alerts/:id/reports で記録すると期限の計測が止まり、証跡台帳に残ります。',
    toComplete: '（要記入）',
    titles: {
      'appi-preliminary': '個人データの漏えい等の報告（速報）',
      'appi-final': '個人データの漏えい等の報告（確報）',
      'pmd-adverse-event': '医療機器 不具合・副作用等報告（医薬品医療機器等法第68条の10）',
      'banking-art53': '不祥事件届出書（銀行法第53条）',
    },
    regulators: { 'appi-preliminary': '個人情報保護委員会', 'appi-final': '個人情報保護委員会', 'pmd-adverse-event': '独立行政法人 医薬品医療機器総合機構（PMDA）', 'banking-art53': '金融庁' },
    reporter: '報告者',
    bank: '届出者（銀行）',
    holder: '報告者（製造販売業者）',
    summary: '事案の概要',
    found: '発覚日時（知った日時）',
    dataItems: '漏えい等が発生し、又は発生したおそれがある個人データの項目（報告の要件）',
    people: '本人の数',
    cause: '発生原因',
    harm: '二次被害又はそのおそれの有無及びその内容',
    notifiedPeople: '本人への対応の実施状況',
    publication: '公表の実施状況',
    measures: '再発防止のための措置（実施済み・予定）',
    aiSystem: '関係する AI システム',
    device: '医療機器（AI）の名称',
    version: 'バージョン',
    event: '事象',
    outcome: '患者の転帰・健康被害',
    category: '報告区分',
    days: (n: number) => `${n}日報告`,
    misconduct: '不祥事件の種類',
    remedy: '改善策',
    deadline: '報告期限',
    evidence: 'Kanshi の証跡（アラート、検知イベント）',
    evidenceValue: (id: string, n: number, events: string) => `アラート ${id}、検知 ${n}件（イベント ${events}）`,
  },
  en: {
    notice:
      'DRAFT made from Kanshi’s record. Empty fields are for a person to complete; check everything before filing. Kanshi files nothing. Once filed, record it with POST /v1/alerts/:id/reports: the clock stops and the ledger keeps it.',
    toComplete: '(to be completed)',
    titles: {
      'appi-preliminary': 'Report of a personal data breach to the PPC (preliminary)',
      'appi-final': 'Report of a personal data breach to the PPC (final)',
      'pmd-adverse-event': 'Medical device malfunction or adverse event report (PMD Act Art. 68-10)',
      'banking-art53': 'Notification of misconduct (Banking Act Art. 53)',
    },
    regulators: {
      'appi-preliminary': 'Personal Information Protection Commission (PPC)',
      'appi-final': 'Personal Information Protection Commission (PPC)',
      'pmd-adverse-event': 'Pharmaceuticals and Medical Devices Agency (PMDA)',
      'banking-art53': 'Financial Services Agency (FSA)',
    },
    reporter: 'Reporting business',
    bank: 'Bank',
    holder: 'Marketing authorisation holder',
    summary: 'What happened',
    found: 'When it was found (awareness)',
    dataItems: 'Personal data concerned (reporting triggers)',
    people: 'Number of people affected',
    cause: 'Cause',
    harm: 'Harm, or risk of harm, that followed',
    notifiedPeople: 'Notification of the people affected',
    publication: 'Public announcement',
    measures: 'Measures taken and planned to prevent a recurrence',
    aiSystem: 'AI system concerned',
    device: 'Device (AI)',
    version: 'Version',
    event: 'Event',
    outcome: 'Patient outcome, health harm',
    category: 'Report category',
    days: (n: number) => `${n}-day report`,
    misconduct: 'Kind of misconduct',
    remedy: 'Remedial measures',
    deadline: 'Deadline',
    evidence: 'Kanshi’s evidence (alert, findings)',
    evidenceValue: (id: string, n: number, events: string) => `alert ${id}, ${n} finding(s) (events ${events})`,
  },
} as const;

/**
 * The draft of the report an alert calls for, in `lang`, pre-filled from the alert (incident,
 * awareness, people affected, harm, deadline), the model's inventory entry and the tenant, with
 * the fields only a person can fill left empty. `null` when the alert calls for no report.
 */
export function buildReportDraft(input: DraftInput, lang: ReportLanguage): ReportDraft | null {
  const { alert, model, tenant } = input;
  const kind = draftKindOf(alert.ruleId, alert.observed);
  if (kind === null) return null;
  const w = WORDS[lang];
  const o = observedOf(alert);
  const awarenessText = text(o['awareness_time']);
  const awareness = awarenessText === null || Number.isNaN(Date.parse(awarenessText)) ? null : new Date(awarenessText);
  const incident = text(o['incident_id']);
  const summary = `${alert.title}${incident ? ` (incident ${incident})` : ''}`;
  const aiSystem = model ? `${model.name} (${model.modelId})${model.deployedVersion ? ` v${model.deployedVersion}` : ''}${model.intendedUse ? ` — ${model.intendedUse}` : ''}` : null;
  const who = tenant.name ?? tenant.id;
  const deadline = alert.dueAt?.toISOString() ?? null;
  const evidence = w.evidenceValue(alert.id, alert.occurrences, alert.evidenceEventIds.slice(0, 5).join(', ') || '—');
  const f = (key: string, label: string, value: string | null): DraftField => ({ key, label, value });
  let fields: DraftField[];
  if (kind === 'appi-preliminary' || kind === 'appi-final') {
    fields = [
      f('reporter', w.reporter, who),
      f('summary', w.summary, summary),
      f('found_at', w.found, awarenessText),
      f('data_items', w.dataItems, text(o['triggers'])),
      f('people_affected', w.people, text(o['records_affected'])),
      f('cause', w.cause, null),
      f('harm', w.harm, null),
      f('people_notified', w.notifiedPeople, null),
      f('publication', w.publication, null),
      f('measures', w.measures, null),
      f('ai_system', w.aiSystem, aiSystem),
      f('deadline', w.deadline, deadline),
      f('evidence', w.evidence, evidence),
    ];
  } else if (kind === 'pmd-adverse-event') {
    const days = pmdReportDays(alert.ruleId, awareness, alert.dueAt);
    fields = [
      f('reporter', w.holder, who),
      f('device', w.device, model ? `${model.name} (${model.modelId})` : null),
      f('version', w.version, model?.deployedVersion ? `${model.deployedVersion}${model.deployedHash ? ` (${model.deployedHash})` : ''}` : null),
      f('event', w.event, summary),
      f('patient_outcome', w.outcome, text(o['patient_harm'])),
      f('found_at', w.found, awarenessText),
      f('category', w.category, days === null ? null : w.days(days)),
      f('cause', w.cause, null),
      f('measures', w.measures, null),
      f('deadline', w.deadline, deadline),
      f('evidence', w.evidence, evidence),
    ];
  } else {
    fields = [
      f('reporter', w.bank, who),
      f('misconduct', w.misconduct, text(o['incident_type'])),
      f('summary', w.summary, summary),
      f('found_at', w.found, awarenessText),
      f('ai_system', w.aiSystem, aiSystem),
      f('cause', w.cause, null),
      f('remedy', w.remedy, null),
      f('deadline', w.deadline, deadline),
      f('evidence', w.evidence, evidence),
    ];
  }
  return {
    kind,
    language: lang,
    regulator: w.regulators[kind],
    title: w.titles[kind],
    notice: w.notice,
    deadline,
    submitted_at: alert.reportSubmittedAt?.toISOString() ?? null,
    alert_id: alert.id,
    fields,
  };
}

/** The words a draft's PDF shows for an empty field. */
export function toCompleteMark(lang: ReportLanguage): string {
  return WORDS[lang].toComplete;
}
