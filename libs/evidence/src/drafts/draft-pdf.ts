import type { Writable } from 'node:stream';
import { INK, MARGIN, MUTED, renderPdf } from '../report/pdf-layout';
import { toCompleteMark, type ReportDraft } from './report-draft';

const DRAFT_RED = '#b00020';

/** Writes a report draft as a PDF into `out`, marked as a draft on every page; resolves once it is all written. */
export function writeDraftPdf(draft: ReportDraft, fontPath: string, out: Writable): Promise<void> {
  const mark = draft.language === 'ja' ? '下書き' : 'DRAFT';
  return renderPdf(
    out,
    { fontPath, lang: draft.language, info: { Title: draft.title } },
    (doc, layout) => {
      const width = doc.page.width - 2 * MARGIN;
      doc.fontSize(12).fillColor(DRAFT_RED).text(draft.language === 'ja' ? '下書き（DRAFT）' : 'DRAFT', { width });
      doc.fontSize(17).fillColor(INK).text(draft.title, { width });
      doc.fontSize(10).fillColor(MUTED).text(draft.regulator, { width }).moveDown(0.5);
      layout.paragraph(draft.notice, DRAFT_RED);
      layout.values(draft.fields.map((field) => [field.label, field.value ?? toCompleteMark(draft.language)] as const));
    },
    (n, of) => `${mark} · ${draft.alert_id} · ${n}/${of}`,
  );
}
