import ExcelJS from 'exceljs';
import { spreadsheetSafe } from '../../platform/text.js';
import type { HandoffPayload } from '../handoffSchema.js';

/**
 * The assessee list (daftar asesi) an LSP uploads to BNSP, as .xlsx. Its first columns are BNSP's
 * upload template, in its order and with its headings (No, Nama Asesi, NIK, Tempat Lahir, Tanggal
 * Lahir, Jenis Kelamin, ... K/BK); what the training centre knows is filled in, the rest (address
 * and area codes, education and job codes, the test schedule, the assessor's registration, the
 * funding and ministry codes, and the LSP's own K/BK) is left for the LSP. After them: the scheme
 * and one column per unit of the scheme with the training's verdict. Headings are Indonesian
 * whatever the user's language: BNSP reads them.
 *
 * NIK is a text cell (a number would lose its last digits to floating point and show as 3.2E+15);
 * dates are dd/mm/yyyy text as the template asks; typed text that a spreadsheet would run as a
 * formula is kept as text (spreadsheetSafe), for the LSP that saves the sheet as CSV.
 */
export const bnspColumns = [
  'NO',
  'NAMA ASESI',
  'NIK',
  'TEMPAT LAHIR',
  'TANGGAL LAHIR (hh/bb/yyyy)',
  'JENIS KELAMIN',
  'TEMPAT TINGGAL',
  'KODE KOTA',
  'KODE PROVINSI',
  'TELP',
  'EMAIL',
  'KODE PENDIDIKAN',
  'KODE PEKERJAAN',
  'KODE JADWAL',
  'TANGGAL UJI (hh/bb/yyyy)',
  'NOMOR REGISTRASI ASESOR',
  'KODE SUMBER ANGGARAN',
  'KODE KEMENTERIAN',
  'K/BK',
] as const;

/** YYYY-MM-DD as dd/mm/yyyy. */
const dayMonthYear = (date: string) => date.split('-').reverse().join('/');

export async function assesseeWorkbook(payload: HandoffPayload): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Kompeten';
  workbook.created = new Date(payload.handedAt);

  const sheet = workbook.addWorksheet('Daftar Asesi');
  const unitCodes = payload.scheme.units.map((unit) => unit.code);
  sheet.addRow([...bnspColumns, 'SKEMA', ...unitCodes]);
  sheet.getRow(1).font = { bold: true };
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  const textColumns = [3, 5, 15];
  for (const column of textColumns) sheet.getColumn(column).numFmt = '@';
  payload.assessees.forEach((assessee, index) => {
    // null: a cell left empty for the LSP (an empty string would be a text cell holding nothing).
    const row = sheet.addRow([
      index + 1,
      spreadsheetSafe(assessee.name),
      assessee.nik,
      spreadsheetSafe(assessee.placeOfBirth),
      dayMonthYear(assessee.dateOfBirth),
      assessee.sex,
      ...Array(4).fill(null), // tempat tinggal, kode kota, kode provinsi, telp
      spreadsheetSafe(assessee.email),
      ...Array(8).fill(null), // pendidikan, pekerjaan, jadwal, tanggal uji, asesor, anggaran, kementerian, K/BK
      spreadsheetSafe(`${payload.scheme.code} ${payload.scheme.name}`),
      ...assessee.units.map((unit) => unit.verdict ?? null),
    ]);
    for (const column of textColumns) row.getCell(column).numFmt = '@';
  });
  sheet.columns.forEach((column, index) => {
    column.width = index === 1 ? 30 : index === 2 ? 20 : 16;
  });

  const units = workbook.addWorksheet('Unit');
  units.addRow(['KODE UNIT', 'JUDUL UNIT', 'UNIT TITLE']);
  units.getRow(1).font = { bold: true };
  for (const unit of payload.scheme.units)
    units.addRow([unit.code, spreadsheetSafe(unit.title.id), spreadsheetSafe(unit.title.en)]);
  units.getColumn(1).width = 20;
  units.getColumn(2).width = 60;
  units.getColumn(3).width = 60;

  const about = workbook.addWorksheet('Keterangan');
  about.addRows([
    ['Batch', payload.id],
    ['Lembaga pelatihan', spreadsheetSafe(payload.institution.name)],
    ['LSP', spreadsheetSafe(payload.lsp.name)],
    ['Nomor lisensi', spreadsheetSafe(payload.lsp.licenceNumber)],
    ['Skema', spreadsheetSafe(`${payload.scheme.code} ${payload.scheme.name}`)],
    ['Diserahkan', payload.handedAt],
    ['Skema JSON', payload.schema],
  ]);
  about.getColumn(1).width = 22;
  about.getColumn(2).width = 60;

  return Buffer.from(await workbook.xlsx.writeBuffer());
}
