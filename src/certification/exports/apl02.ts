import PDFDocument from 'pdfkit';
import { ZipFile } from 'yazl';
import { traineeUnitResults } from '../../assessments/results/summaries.js';
import type { Actor } from '../../platform/permissions.js';
import { unitRef } from '../../units/refs.js';
import { getUnit } from '../../units/service.js';
import type { HandoffPayload } from '../handoffSchema.js';

/**
 * The pre-filled self-assessment (FR.APL.02, asesmen mandiri) of one assessee, as the LSP's form
 * asks it: per unit of the scheme its elements and performance criteria (KUK, from the national
 * standard in units/), the verdict the training reached, and the evidence behind it (the
 * cohort's unit results: each piece of evidence with the criteria it showed, and the quizzes on
 * the unit). In Indonesian, the form's language; the asesi and asesor sign it at the LSP.
 */
type Assessee = HandoffPayload['assessees'][number];

export type Apl02Unit = {
  code: string;
  title: string;
  verdict: 'K' | 'BK' | null;
  assessedAt: string | null;
  assessor: string;
  elements: { no: number; title: string; criteria: { no: string; text: string; evidence: string[] }[] }[];
  quizzes: string[];
  otherEvidence: string[];
};

const day = (value: string | Date | null | undefined) => (value ? new Date(value).toISOString().slice(0, 10) : '');

/** What the form shows for one assessee, gathered from the frozen payload, the standard and the results. */
export async function apl02Units(actor: Actor, assessee: Assessee, traineeId: string): Promise<Apl02Unit[]> {
  const results = await traineeUnitResults(assessee.cohort.id, traineeId);
  const resultByUnit = new Map(results.map((result) => [result.unit, result]));
  const units: Apl02Unit[] = [];
  for (const unit of assessee.units) {
    const standard = await getUnit(actor, unit.code).catch(() => null);
    const result = resultByUnit.get(unit.code);
    const evidence = result?.evidence ?? [];
    const evidenceFor = (ref: string) =>
      evidence
        .filter((item) => item.criteria.some((criterion) => criterion.ref === ref))
        .map((item) => {
          const met = item.criteria.find((criterion) => criterion.ref === ref)?.met;
          return `${item.title || item.source} (${day(item.at)}): ${met ? 'memenuhi' : 'belum memenuhi'}`;
        });
    const refs = new Set((standard?.elements ?? []).flatMap((element) => element.criteria.map((c) => unitRef(unit.code, c.no))));
    units.push({
      code: unit.code,
      title: unit.title.id || standard?.title.id || '',
      verdict: unit.verdict,
      assessedAt: unit.assessedAt,
      assessor: unit.assessor,
      elements: (standard?.elements ?? []).map((element) => ({
        no: element.no,
        title: element.title,
        criteria: element.criteria.map((criterion) => ({
          no: criterion.no,
          text: criterion.text,
          evidence: evidenceFor(unitRef(unit.code, criterion.no)),
        })),
      })),
      quizzes: (result?.quizzes ?? [])
        .filter((quiz) => quiz.result)
        .map(
          (quiz) =>
            `${quiz.title}: ${quiz.result?.percent ?? '-'}%${quiz.result?.passed ? ' (lulus)' : quiz.result?.passed === false ? ' (belum lulus)' : ''}, ${day(quiz.result?.at)}`,
        ),
      // Evidence on the unit that names none of the standard's criteria (e.g. recorded before a revision).
      otherEvidence: evidence
        .filter((item) => !item.criteria.some((criterion) => refs.has(criterion.ref ?? '')))
        .map((item) => `${item.title || item.source} (${day(item.at)})`),
    });
  }
  return units;
}

/**
 * pdfkit's standard fonts write WinAnsi (Latin-1 and a few signs): letters with marks keep their
 * base letter, anything else becomes '?', rather than garbage in the PDF.
 */
export function pdfText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2022\n]/g, '?');
}

export async function apl02Pdf(payload: HandoffPayload, assessee: Assessee, units: Apl02Unit[]): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: `FR.APL.02 ${assessee.name}`, Author: 'Kompeten' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const text = (value: string, options: PDFKit.Mixins.TextOptions = {}) => doc.text(pdfText(value), options);

  doc.font('Helvetica-Bold').fontSize(14);
  text('FR.APL.02. ASESMEN MANDIRI');
  doc.font('Helvetica').fontSize(9).fillColor('#444');
  text(
    'Diisi terlebih dahulu oleh lembaga pelatihan dari hasil pelatihan; diperiksa dan ditandatangani asesi dan asesor di LSP.',
  );
  doc.moveDown(0.6).fillColor('black').fontSize(10);
  const line = (label: string, value: string) => {
    doc.font('Helvetica-Bold');
    text(`${label}: `, { continued: true });
    doc.font('Helvetica');
    text(value);
  };
  line('Skema Sertifikasi', `${payload.scheme.code} ${payload.scheme.name}`);
  line('LSP', `${payload.lsp.name} (${payload.lsp.licenceNumber})`);
  line('Nama Asesi', assessee.name);
  line('Lembaga Pelatihan', payload.institution.name);
  line('Program', `${assessee.program.code} ${assessee.program.title} (versi ${assessee.program.version})`);
  line('Rekaman penyelesaian', `${assessee.record.code} (SHA-256 ${assessee.record.hash.slice(0, 16)}...)`);
  doc.moveDown(0.8);

  for (const unit of units) {
    doc.font('Helvetica-Bold').fontSize(11);
    text(`Unit Kompetensi: ${unit.code}`);
    text(unit.title);
    doc.font('Helvetica').fontSize(9);
    text(
      `Keputusan pelatihan: ${unit.verdict ?? '-'}${unit.assessedAt ? `, ${day(unit.assessedAt)}` : ''}${unit.assessor ? `, asesor ${unit.assessor}` : ''}`,
    );
    doc.moveDown(0.3);
    for (const element of unit.elements) {
      doc.font('Helvetica-Bold').fontSize(10);
      text(`Elemen ${element.no}: ${element.title}`);
      doc.font('Helvetica').fontSize(9);
      text(
        `Dapatkah saya ${element.title.charAt(0).toLowerCase()}${element.title.slice(1)}?   [${unit.verdict === 'K' ? 'X' : ' '}] K   [${unit.verdict === 'BK' ? 'X' : ' '}] BK`,
      );
      for (const criterion of element.criteria) {
        text(`${criterion.no} ${criterion.text}`, { indent: 12 });
        for (const evidence of criterion.evidence) text(`Bukti: ${evidence}`, { indent: 24 });
      }
      doc.moveDown(0.3);
    }
    if (!unit.elements.length) text('Elemen dan kriteria unjuk kerja: lihat standar kompetensi unit ini.');
    if (unit.quizzes.length) {
      doc.font('Helvetica-Bold');
      text('Tes tertulis:');
      doc.font('Helvetica');
      for (const quiz of unit.quizzes) text(quiz, { indent: 12 });
    }
    if (unit.otherEvidence.length) {
      doc.font('Helvetica-Bold');
      text('Bukti lain:');
      doc.font('Helvetica');
      for (const item of unit.otherEvidence) text(item, { indent: 12 });
    }
    doc.moveDown(0.8);
  }

  doc.moveDown(1).fontSize(10);
  text('Rekomendasi asesor: asesmen dapat / tidak dapat dilanjutkan');
  doc.moveDown(1.5);
  text('Asesi: ______________________  Tanggal: __________');
  doc.moveDown(1);
  text('Asesor: _____________________  No. Reg: __________  Tanggal: __________');
  doc.end();
  return finished;
}

/** A file name for an assessee's form: their record code and name, safe in any file system. */
export function apl02FileName(assessee: Assessee): string {
  const name = pdfText(assessee.name)
    .replace(/[^A-Za-z0-9 _-]+/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .slice(0, 60);
  return `APL-02_${assessee.record.code}_${name || 'asesi'}.pdf`;
}

/** Every assessee's form in one ZIP. */
export async function apl02Zip(files: { name: string; pdf: Buffer }[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const file of files) zip.addBuffer(file.pdf, file.name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
