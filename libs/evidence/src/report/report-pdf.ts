import { createWriteStream, existsSync } from 'node:fs';
import { changedFields, formatDuration, type EvidenceReport, type ReportModel } from './evidence-report';
import { REPORT_TEXT, type ReportLanguage, type ReportText } from './report-text';
import { INK, MARGIN, MUTED, renderPdf, type ReportLayout } from './pdf-layout';

/** Fonts with Japanese glyphs where Debian's `fonts-ipafont-gothic` (and its alternatives link) puts them. */
export const JAPANESE_FONT_CANDIDATES = ['/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf', '/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf', '/usr/share/fonts/truetype/fonts-japanese-gothic.ttf'] as const;

/** The font the report embeds: `configured` (KANSHI_REPORT_FONT) or the first Japanese font installed; throws naming the fix when there is none. */
export function reportFontPath(configured: string | undefined, exists: (path: string) => boolean = existsSync): string {
  if (configured !== undefined && configured !== '') {
    if (!exists(configured)) throw new Error(`KANSHI_REPORT_FONT names ${configured}, which does not exist: give a TrueType or OpenType font with Japanese glyphs`);
    return configured;
  }
  const found = JAPANESE_FONT_CANDIDATES.find((path) => exists(path));
  if (!found) {
    throw new Error(
      `no Japanese font for the evidence report: install Debian's fonts-ipafont-gothic (apt-get install fonts-ipafont-gothic) or set KANSHI_REPORT_FONT to a TrueType or OpenType font with Japanese glyphs`,
    );
  }
  return found;
}

const iso = (d: Date | null): string => (d === null ? '—' : d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC'));
const value = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** The report's sections, in the order an auditor reads them. */
function writeSections(layout: ReportLayout, report: EvidenceReport, t: ReportText, lang: ReportLanguage): void {
  const f = report.facts;
  layout.heading(t.scope);
  layout.values([
    [t.tenant, f.tenant.name ? `${f.tenant.name} (${f.tenant.id})` : f.tenant.id],
    [t.period, `${f.period.from ? iso(f.period.from) : t.periodAll} ${t.until} ${f.period.to ? iso(f.period.to) : t.now}`],
    [t.model, f.scope.modelId ?? t.all],
    [t.sector, f.scope.sector ?? t.all],
    [t.ledgerSpan, f.ledger ? t.ledgerEntries(f.ledger.firstSeq, f.ledger.lastSeq, f.ledger.entries) : t.noLedger],
    [t.signingKey, f.ledger?.keyId ?? '—'],
    [t.generatedAt, iso(report.generatedAt)],
  ]);
  layout.paragraph(t.evidenceNote, MUTED);

  layout.heading(t.models);
  if (f.models.rows.length === 0) layout.paragraph(t.modelsNone);
  if (f.models.total > f.models.rows.length) layout.paragraph(t.more(f.models.rows.length, f.models.total), MUTED);
  for (const m of f.models.rows) writeModel(layout, m, t);

  layout.heading(t.rules);
  for (const m of f.models.rows) {
    layout.subheading(`${m.modelId} — ${m.name}`);
    layout.table(
      [
        { title: t.rule, width: 0.1 },
        { title: t.ruleTitle, width: 0.4 },
        { title: t.enabled, width: 0.08 },
        { title: t.settings, width: 0.42 },
      ],
      m.rules.map((r) => [
        r.ruleId,
        r.title,
        `${r.enabled ? t.yes : t.no}${r.enabledSource === 'default' ? '' : ` (${r.enabledSource})`}`,
        Object.entries(r.args)
          .map(([name, v]) => `${name}=${value(v)}${r.argSources[name] && r.argSources[name] !== 'default' ? ` (${r.argSources[name]})` : ''}`)
          .join(', ') || '—',
      ]),
    );
  }

  layout.heading(t.changes);
  layout.subheading(t.changesLedger);
  layout.list(
    f.changes.rows.map((c) => {
      const row = c.new ?? c.old ?? {};
      const subject = c.source === 'models' ? `${t.model} ${value(row['model_id'])}` : `${value(row['rule_id'])} ${value(row['scope'])}${row['target'] ? `:${value(row['target'])}` : ''}`;
      const diff = changedFields(c)
        .map((d) => `${d.field}: ${value(d.from)} → ${value(d.to)}`)
        .join('; ');
      return [iso(c.at), `${subject} ${t.changeOps[c.op] ?? c.op}${diff ? ` — ${diff}` : ''}`];
    }),
    f.changes.total,
    { none: t.changesNone, more: t.more },
    [
      { title: t.at, width: 0.22 },
      { title: t.what, width: 0.78 },
    ],
  );
  layout.subheading(t.actions);
  layout.list(
    f.actions.rows.map((a) => [iso(a.at), a.actorName ? `${a.actorName} (${a.actor})` : a.actor, `${a.method} ${a.target}`, String(a.status)]),
    f.actions.total,
    { none: t.actionsNone, more: t.more },
    [
      { title: t.at, width: 0.22 },
      { title: t.who, width: 0.26 },
      { title: t.what, width: 0.42 },
      { title: t.result, width: 0.1 },
    ],
  );

  layout.heading(t.coverage);
  const c = report.coverage;
  if (c.rows.length === 0) layout.paragraph(t.coverageNone);
  else {
    layout.paragraph(t.coverageSentence(c.totals.windows, c.totals.pass, c.totals.fail, c.totals.insufficient));
    layout.table(
      [
        { title: t.model, width: 0.34 },
        { title: t.rule, width: 0.18 },
        { title: t.pass, width: 0.14 },
        { title: t.fail, width: 0.14 },
        { title: t.insufficient, width: 0.2 },
      ],
      c.rows.map((r) => [r.modelId, r.ruleId, String(r.pass), String(r.fail), String(r.insufficient)]),
    );
  }

  layout.heading(t.alerts);
  const a = f.alertFigures;
  layout.values([
    [t.findings, String(f.findings)],
    [t.alertsOpened, String(a.opened)],
    [
      t.bySeverity,
      Object.entries(a.bySeverity)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ') || '—',
    ],
    [t.acknowledged, String(a.acknowledged)],
    [t.resolved, String(a.resolved)],
    [t.escalated, String(a.escalated)],
    [t.ackMedian, formatDuration(a.ackMedianSeconds, lang)],
    [t.ackMax, formatDuration(a.ackMaxSeconds, lang)],
    [t.resolveMedian, formatDuration(a.resolveMedianSeconds, lang)],
    [t.resolveMax, formatDuration(a.resolveMaxSeconds, lang)],
    [
      t.historyActions,
      Object.entries(f.historyActions)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([action, n]) => `${t.actionNames[action] ?? action} ${n}`)
        .join(', ') || '—',
    ],
  ]);
  layout.subheading(t.alertList);
  layout.list(
    f.alerts.map((x) => [
      x.severity,
      `${x.modelId} / ${x.ruleId}`,
      x.title,
      iso(x.openedAt),
      x.acknowledgedAt ? `+${formatDuration((x.acknowledgedAt.getTime() - x.openedAt.getTime()) / 1000, lang)}` : '—',
      x.resolvedAt ? `+${formatDuration((x.resolvedAt.getTime() - x.openedAt.getTime()) / 1000, lang)}` : '—',
      String(x.occurrences),
    ]),
    a.opened,
    { none: t.alertsNone, more: t.more },
    [
      { title: t.severity, width: 0.1 },
      { title: `${t.model} / ${t.rule}`, width: 0.2 },
      { title: t.what, width: 0.26 },
      { title: t.opened, width: 0.14 },
      { title: t.acknowledged, width: 0.11 },
      { title: t.resolved, width: 0.11 },
      { title: t.occurrences, width: 0.08 },
    ],
  );

  layout.heading(t.silences);
  layout.list(
    f.silences.rows.map((x) => [x.reason, x.createdByName ?? x.createdBy, iso(x.startsAt), iso(x.endsAt), x.modelIds.join(', ') || t.all]),
    f.silences.total,
    { none: t.silencesNone, more: t.more },
    [
      { title: t.reason, width: 0.36 },
      { title: t.who, width: 0.2 },
      { title: t.from, width: 0.16 },
      { title: t.to, width: 0.16 },
      { title: t.model, width: 0.12 },
    ],
  );

  layout.heading(t.clocks);
  const k = report.clocks;
  if (k.rows.length === 0) layout.paragraph(t.clocksNone);
  else {
    layout.paragraph(t.clocksSentence(k.met, k.missed, k.open));
    layout.table(
      [
        { title: `${t.model} / ${t.rule}`, width: 0.22 },
        { title: t.what, width: 0.3 },
        { title: t.due, width: 0.18 },
        { title: t.submitted, width: 0.18 },
        { title: t.status, width: 0.12 },
      ],
      k.rows.map((x) => [`${x.modelId} / ${x.ruleId}`, x.title, iso(x.dueAt), iso(x.reportSubmittedAt), t.state[x.state]]),
    );
  }
}

function writeModel(layout: ReportLayout, m: ReportModel, t: ReportText): void {
  layout.subheading(`${m.modelId} — ${m.name}`);
  layout.values([
    [t.owner, m.owner ?? '—'],
    [t.riskTier, m.riskTier ?? '—'],
    [t.intendedUse, m.intendedUse ?? '—'],
    [t.sectors, m.sectors.join(', ') || '—'],
    [t.approved, m.approvedVersions.join(', ') || '—'],
    [t.deployed, m.deployedVersion ?? '—'],
    [t.deployedAt, iso(m.deployedAt)],
    [t.lastTelemetry, iso(m.lastEventAt)],
    [t.status, m.retiredAt ? `${t.retired} (${iso(m.retiredAt)})` : t.active],
  ]);
}

/**
 * Writes the report as a PDF in `lang` to `path`, with `fontPath` embedded (subset: only the
 * glyphs used). Resolves once the file is complete.
 */
export function writeReportPdf(report: EvidenceReport, lang: ReportLanguage, fontPath: string, path: string): Promise<void> {
  const t = REPORT_TEXT[lang];
  return renderPdf(
    createWriteStream(path),
    { fontPath, lang, info: { Title: `${t.title} — ${report.facts.tenant.id}`, Subject: t.subtitle, CreationDate: report.generatedAt } },
    (doc, layout) => {
      doc.fontSize(20).fillColor(INK).text(t.title, { width: doc.page.width - 2 * MARGIN });
      doc.fontSize(11).fillColor(MUTED).text(t.subtitle).moveDown(0.5);
      writeSections(layout, report, t, lang);
    },
    (n, of) => `${report.facts.tenant.id} · ${t.page(n, of)}`,
  );
}
