import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { translator } from '../platform/i18n.js';
import { institutionZone } from '../platform/zone.js';
import type { CertificateFacts } from './facts.js';

/**
 * The certificate of training: one A4 landscape page, every line in Indonesian with its English
 * under it, the units the training covered, and a QR code and short code for the verification page.
 *
 * The text is set in DejaVu Sans, embedded (subset), where the machine has it (Debian's
 * fonts-dejavu-core, which poppler-utils and Chromium already bring): it has the glyphs of names
 * beyond Indonesian's Latin alphabet too (Vietnamese, Greek, Cyrillic). Without it, the PDF
 * standard Helvetica, whose WinAnsi encoding covers Indonesian and most European names.
 */
const dejaVu = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
};
const fonts = existsSync(dejaVu.regular) && existsSync(dejaVu.bold) ? dejaVu : { regular: 'Helvetica', bold: 'Helvetica-Bold' };

const colours = { ink: '#1f2937', muted: '#6b7280', accent: '#0f5132', rule: '#cbd5e1' };
const page = { width: 841.89, height: 595.28, margin: 42 };

const day = (date: Date, language: 'id' | 'en') =>
  new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'id-ID', { dateStyle: 'long', timeZone: institutionZone.iana }).format(
    date,
  );

/** Draws the QR code of `text` as vector squares (sharp at any zoom, and small) in a `size` pt square. */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const count = qr.modules.size;
  const quiet = 2; // modules of white around it, so a phone finds its edges
  const cell = size / (count + quiet * 2);
  doc.save().rect(x, y, size, size).fill('#ffffff');
  for (let row = 0; row < count; row += 1) {
    for (let column = 0; column < count; column += 1) {
      if (qr.modules.get(row, column)) doc.rect(x + (column + quiet) * cell, y + (row + quiet) * cell, cell, cell);
    }
  }
  doc.fill('#000000').restore();
}

/** A line in Indonesian and, smaller and lighter under it, in English; returns the y after them. */
function bilingual(
  doc: PDFKit.PDFDocument,
  lines: { id: string; en: string },
  y: number,
  options: { size: number; bold?: boolean; x?: number; width?: number; align?: 'center' | 'left' | 'right' },
): number {
  const x = options.x ?? page.margin;
  const width = options.width ?? page.width - page.margin * 2;
  const align = options.align ?? 'center';
  doc
    .font(options.bold ? fonts.bold : fonts.regular)
    .fontSize(options.size)
    .fillColor(colours.ink);
  doc.text(lines.id, x, y, { width, align });
  const below = doc.y;
  doc
    .font(fonts.regular)
    .fontSize(options.size * 0.85)
    .fillColor(colours.muted);
  doc.text(lines.en, x, below + 1, { width, align });
  return doc.y;
}

/** The units, in one or two columns, each code with its title in both languages. */
function drawUnits(doc: PDFKit.PDFDocument, units: CertificateFacts['units'], top: number, bottom: number): void {
  const columns = units.length > 6 ? 2 : 1;
  const gap = 18;
  // One column of a few units reads best narrower, in the middle of the page.
  const room = page.width - 2 * (page.margin + 30);
  const columnWidth = columns === 1 ? Math.min(room, 560) : (room - gap) / 2;
  const left = (page.width - (columnWidth * columns + gap * (columns - 1))) / 2;
  const perColumn = Math.ceil(units.length / columns);
  // The largest type (9 pt down to 5 pt) at which the longest column fits the room left.
  let size = 9;
  const heightAt = (candidate: number, column: typeof units) =>
    column.reduce((height, unit) => {
      doc.font(fonts.regular).fontSize(candidate);
      const title = doc.heightOfString(`${unit.code}  ${unit.title.id}`, { width: columnWidth });
      doc.fontSize(candidate * 0.8);
      return height + title + doc.heightOfString(unit.title.en, { width: columnWidth - 20 }) + 3;
    }, 0);
  const columnsOf = Array.from({ length: columns }, (_, index) => units.slice(index * perColumn, (index + 1) * perColumn));
  while (size > 5 && Math.max(...columnsOf.map((column) => heightAt(size, column))) > bottom - top) size -= 0.5;
  columnsOf.forEach((column, index) => {
    const x = left + index * (columnWidth + gap);
    let y = top;
    for (const unit of column) {
      doc.font(fonts.bold).fontSize(size).fillColor(colours.ink).text(unit.code, x, y, { width: columnWidth, continued: true });
      doc.font(fonts.regular).text(`  ${unit.title.id}`);
      doc
        .fontSize(size * 0.8)
        .fillColor(colours.muted)
        .text(unit.title.en, x + 20, doc.y, { width: columnWidth - 20 });
      y = doc.y + 3;
    }
  });
}

/** The certificate of `facts` as PDF bytes; `verifyUrl` is what its QR code and printed address lead to. */
export async function certificatePdf(facts: CertificateFacts, verifyUrl: string): Promise<Buffer> {
  const [id, en] = [translator('id'), translator('en')];
  const both = (key: string, params: Record<string, unknown> = {}) => ({ id: id(key, params), en: en(key, params) });
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: page.margin,
    info: {
      Title: `${id('certificates.pdf.title')} – ${facts.trainee} – ${facts.program.title}`,
      Author: facts.institution.name,
      Subject: `${facts.program.code} · ${facts.code}`,
      Creator: 'Kompeten',
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const inner = 16;
  doc
    .lineWidth(2)
    .strokeColor(colours.accent)
    .rect(inner, inner, page.width - inner * 2, page.height - inner * 2)
    .stroke();
  doc
    .lineWidth(0.5)
    .rect(inner + 5, inner + 5, page.width - (inner + 5) * 2, page.height - (inner + 5) * 2)
    .stroke();

  doc.font(fonts.bold).fontSize(12).fillColor(colours.accent);
  doc.text(facts.institution.name, page.margin, page.margin, { width: page.width - page.margin * 2, align: 'center' });
  doc.font(fonts.regular).fontSize(9).fillColor(colours.muted);
  doc.text(facts.institution.province, { width: page.width - page.margin * 2, align: 'center' });

  let y = bilingual(doc, both('certificates.pdf.title'), doc.y + 10, { size: 24, bold: true });
  y = bilingual(doc, both('certificates.pdf.awardedTo'), y + 8, { size: 10 });
  doc.font(fonts.bold).fontSize(20).fillColor(colours.ink);
  doc.text(facts.trainee, page.margin, y + 4, { width: page.width - page.margin * 2, align: 'center' });
  y = bilingual(doc, both('certificates.pdf.completed'), doc.y + 4, { size: 10 });
  doc.font(fonts.bold).fontSize(15).fillColor(colours.ink);
  doc.text(facts.program.title, page.margin, y + 4, { width: page.width - page.margin * 2, align: 'center' });
  y = bilingual(
    doc,
    both('certificates.pdf.programLine', { code: facts.program.code, version: facts.program.version, hours: facts.hours }),
    doc.y + 2,
    { size: 10 },
  );

  doc
    .moveTo(page.margin + 30, y + 6)
    .lineTo(page.width - page.margin - 30, y + 6)
    .lineWidth(0.5)
    .strokeColor(colours.rule)
    .stroke();
  const unitsTop = bilingual(doc, both('certificates.pdf.units', { count: facts.units.length }), y + 12, { size: 9, bold: true });
  const footerTop = page.height - page.margin - 96;
  drawUnits(doc, facts.units, unitsTop + 6, footerTop - 8);

  // Footer: the approval on the left, the verification on the right.
  const qrSize = 92;
  const qrX = page.width - page.margin - qrSize;
  drawQr(doc, verifyUrl, qrX, footerTop, qrSize);
  const footerWidth = 300;
  bilingual(
    doc,
    {
      id: id('certificates.pdf.approved', { date: day(facts.approvedAt, 'id') }),
      en: en('certificates.pdf.approved', { date: day(facts.approvedAt, 'en') }),
    },
    footerTop + 10,
    { size: 10, x: page.margin + 10, width: footerWidth, align: 'left' },
  );
  doc
    .font(fonts.bold)
    .fontSize(10)
    .fillColor(colours.ink)
    .text(facts.institution.name, page.margin + 10, doc.y + 6, { width: footerWidth });
  const verifyX = qrX - 10 - 260;
  const codeY = bilingual(doc, both('certificates.pdf.verify'), footerTop + 6, {
    size: 9,
    x: verifyX,
    width: 260,
    align: 'right',
  });
  doc
    .font(fonts.regular)
    .fontSize(8)
    .fillColor(colours.accent)
    .text(verifyUrl, verifyX, codeY + 2, { width: 260, align: 'right' });
  doc
    .font(fonts.bold)
    .fontSize(13)
    .fillColor(colours.ink)
    .text(facts.code, verifyX, doc.y + 4, { width: 260, align: 'right' });
  doc
    .font(fonts.regular)
    .fontSize(7)
    .fillColor(colours.muted)
    .text(`${id('certificates.pdf.code')} / ${en('certificates.pdf.code')}`, verifyX, doc.y + 1, { width: 260, align: 'right' });

  doc.end();
  return done;
}
