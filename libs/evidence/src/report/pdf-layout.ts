import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';

/** The page layout evidence reports and report drafts share: A4, headings, labelled values, paragraphs and tables that break across pages. */

export const MARGIN = 50;
export const INK = '#1a1a1a';
export const MUTED = '#5c5c5c';
const RULE = '#b0b0b0';

/** A column of a table: its heading and its share of the page's width. */
export interface Column {
  readonly title: string;
  readonly width: number;
}

/** pdfkit with the few layout moves the report needs: headings, labelled values, paragraphs and tables that break across pages. */
export class ReportLayout {
  constructor(private readonly doc: PDFKit.PDFDocument) {}

  private get width(): number {
    return this.doc.page.width - 2 * MARGIN;
  }

  private room(height: number): void {
    if (this.doc.y + height > this.doc.page.height - MARGIN - 20) this.doc.addPage();
  }

  heading(text: string): void {
    this.room(60);
    this.doc.moveDown(0.8).fontSize(14).fillColor(INK).text(text, MARGIN, this.doc.y, { width: this.width });
    const y = this.doc.y + 2;
    this.doc.moveTo(MARGIN, y).lineTo(MARGIN + this.width, y).strokeColor(RULE).lineWidth(0.5).stroke();
    this.doc.moveDown(0.5);
  }

  subheading(text: string): void {
    this.room(40);
    this.doc.moveDown(0.4).fontSize(11).fillColor(INK).text(text, MARGIN, this.doc.y, { width: this.width }).moveDown(0.2);
  }

  paragraph(text: string, color = INK): void {
    this.room(30);
    this.doc.fontSize(9.5).fillColor(color).text(text, MARGIN, this.doc.y, { width: this.width }).moveDown(0.4);
  }

  /** Label and value pairs, one per line. */
  values(rows: readonly (readonly [string, string])[]): void {
    const labelWidth = this.width * 0.34;
    for (const [label, value] of rows) {
      this.doc.fontSize(9.5);
      const height = Math.max(this.doc.heightOfString(label, { width: labelWidth - 6 }), this.doc.heightOfString(value, { width: this.width - labelWidth }));
      this.room(height + 4);
      const y = this.doc.y;
      this.doc.fillColor(MUTED).text(label, MARGIN, y, { width: labelWidth - 6 });
      this.doc.fillColor(INK).text(value, MARGIN + labelWidth, y, { width: this.width - labelWidth });
      this.doc.y = y + height + 3;
    }
    this.doc.moveDown(0.3);
  }

  /** A table; widths are shares of the page's width. A row that does not fit starts a page (with the headings again). */
  table(columns: readonly Column[], rows: readonly (readonly string[])[]): void {
    const widths = columns.map((c) => c.width * this.width);
    const line = (cells: readonly string[], color: string, size: number) => {
      this.doc.fontSize(size);
      const height = Math.max(...cells.map((cell, i) => this.doc.heightOfString(cell, { width: (widths[i] ?? 0) - 6 })));
      const y = this.doc.y;
      let x = MARGIN;
      cells.forEach((cell, i) => {
        this.doc.fillColor(color).text(cell, x, y, { width: (widths[i] ?? 0) - 6 });
        x += widths[i] ?? 0;
      });
      this.doc.y = y + height + 3;
      return height;
    };
    const header = () => {
      line(
        columns.map((c) => c.title),
        MUTED,
        8.5,
      );
      const y = this.doc.y - 1;
      this.doc.moveTo(MARGIN, y).lineTo(MARGIN + this.width, y).strokeColor(RULE).lineWidth(0.5).stroke();
      this.doc.y += 2;
    };
    this.room(50);
    header();
    for (const row of rows) {
      this.doc.fontSize(9);
      const height = Math.max(...row.map((cell, i) => this.doc.heightOfString(cell, { width: (widths[i] ?? 0) - 6 })));
      if (this.doc.y + height > this.doc.page.height - MARGIN - 20) {
        this.doc.addPage();
        header();
      }
      line(row, INK, 9);
    }
    this.doc.moveDown(0.4);
  }

  /** A bounded list as a table: `none` when it is empty, and how many of how many it shows when cut short. */
  list(rows: readonly (readonly string[])[], total: number, texts: { readonly none: string; readonly more: (shown: number, total: number) => string }, columns: readonly Column[]): void {
    if (rows.length === 0) return this.paragraph(texts.none);
    if (total > rows.length) this.paragraph(texts.more(rows.length, total), MUTED);
    this.table(columns, rows);
  }
}


/** Writes each page's footer (`text(page, pages)`) in its bottom margin; the document must buffer its pages. */
export function writeFooters(doc: PDFKit.PDFDocument, text: (page: number, pages: number) => string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin: without this pdfkit would start a page for it.
    doc.page.margins.bottom = 0;
    doc
      .fontSize(8)
      .fillColor(MUTED)
      .text(text(i + 1, range.count), MARGIN, doc.page.height - MARGIN + 10, { width: doc.page.width - 2 * MARGIN, align: 'right', lineBreak: false });
  }
}

/**
 * Draws an A4 PDF into `out` with `fontPath` embedded (only the glyphs used): `draw` writes the
 * pages, `footer` each page's footer. Resolves once `out` has it all; a drawing or write error rejects.
 */
export function renderPdf(
  out: Writable,
  options: { readonly fontPath: string; readonly lang: 'ja' | 'en'; readonly info: PDFKit.DocumentInfo },
  draw: (doc: PDFKit.PDFDocument, layout: ReportLayout) => void,
  footer: (page: number, pages: number) => string,
): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, lang: options.lang === 'ja' ? 'ja-JP' : 'en-GB', info: { Author: 'Kanshi', ...options.info } });
  return new Promise<void>((resolve, reject) => {
    out.on('error', reject);
    out.on('finish', () => resolve());
    // A response whose client went away closes without finishing: stop there.
    out.on('close', () => {
      doc.unpipe(out);
      reject(new Error('the output was closed before the PDF was written'));
    });
    doc.on('error', reject);
    doc.pipe(out);
    try {
      doc.registerFont('body', options.fontPath);
      doc.font('body');
      draw(doc, new ReportLayout(doc));
      writeFooters(doc, footer);
      doc.end();
    } catch (error) {
      doc.end();
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
