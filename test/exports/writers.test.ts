import { PassThrough, Writable } from 'node:stream';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import mongoose from 'mongoose';
import { type ExportColumn, keysetPages, writeCsv, writeXlsx } from '../../src/platform/exports/index.js';
import { useTestDatabase } from '../support/database.js';

/** The bytes a writer sends, collected. */
async function written(write: (out: Writable) => Promise<number>) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const rows = await write(out);
  return { rows, bytes: Buffer.concat(chunks) };
}

async function* each<T>(items: T[]) {
  for (const item of items) yield item;
}

const columns: ExportColumn[] = [
  { key: 'name', header: 'Nama peserta', type: 'text' },
  { key: 'nik', header: 'NIK' },
  { key: 'score', header: 'Nilai', type: 'number' },
  { key: 'at', header: 'Aktif terakhir', type: 'date' },
];
const rows = [
  // 2025-03-01 02:30 UTC is 09:30 WIB.
  { name: 'Siti Nurhaliza Ñoño — “Ibu” Dwi', nik: '3201234567890123', score: 87.5, at: new Date('2025-03-01T02:30:00Z') },
  { name: '=HYPERLINK("http://evil.example","klik")', nik: '+62 812', score: 0, at: null },
  { name: 'Bambang, "Pak" Kades', nik: null, score: null, at: '2025-12-31T16:59:00Z' },
];

describe('exports: streaming writers', () => {
  it('CSV: UTF-8 with a byte-order mark and CRLF; Indonesian text, numbers, dates (WIB), formulas kept as text', async () => {
    const { rows: count, bytes } = await written((out) => writeCsv(columns, each(rows), out));
    expect(count).to.equal(3);
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).to.include('\r\n');
    const cells = parse(text.replace(/^\uFEFF/, '')) as string[][];
    expect(cells).to.deep.equal([
      ['Nama peserta', 'NIK', 'Nilai', 'Aktif terakhir'],
      ['Siti Nurhaliza Ñoño — “Ibu” Dwi', '3201234567890123', '87.5', '2025-03-01 09:30'],
      [`'=HYPERLINK("http://evil.example","klik")`, "'+62 812", '0', ''],
      ['Bambang, "Pak" Kades', '', '', '2025-12-31 23:59'],
    ]);
  });

  it('XLSX: read back cell by cell, numbers as numbers, dates as date cells in WIB, formulas as text', async () => {
    const { rows: count, bytes } = await written((out) =>
      writeXlsx(columns, each(rows), out, { sheetName: 'Peserta: Angkatan/3' }),
    );
    expect(count).to.equal(3);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.name).to.equal('Peserta  Angkatan 3');
    const values = (row: number) => (sheet.getRow(row).values as unknown[]).slice(1);
    expect(values(1)).to.deep.equal(['Nama peserta', 'NIK', 'Nilai', 'Aktif terakhir']);
    expect(sheet.getRow(1).font?.bold).to.equal(true);
    const first = values(2);
    expect(first[0]).to.equal('Siti Nurhaliza Ñoño — “Ibu” Dwi');
    expect(first[1], 'a NIK stays text, all 16 digits').to.equal('3201234567890123');
    expect(first[2]).to.equal(87.5);
    // Excel has no zones: the cell holds the wall-clock time in WIB.
    expect((first[3] as Date).toISOString()).to.equal('2025-03-01T09:30:00.000Z');
    expect(sheet.getCell('D2').numFmt).to.equal('yyyy-mm-dd hh:mm');
    const second = values(3);
    expect(second[0]).to.equal(`'=HYPERLINK("http://evil.example","klik")`);
    expect(sheet.getCell('A3').formula, 'no formula').to.equal(undefined);
    expect(second[2]).to.equal(0);
    expect(second[3]).to.equal(undefined);
    expect((values(4)[3] as Date).toISOString()).to.equal('2025-12-31T23:59:00.000Z');
    expect(sheet.rowCount).to.equal(4);
  });

  for (const [format, write] of [
    ['CSV', writeCsv],
    ['XLSX', writeXlsx],
  ] as const) {
    it(`${format}: rows are pulled only as fast as the destination takes them (a stalled download holds few rows)`, async () => {
      let pulled = 0;
      async function* many() {
        for (let index = 0; index < 100_000; index += 1) {
          pulled += 1;
          yield { name: `Peserta ${index}`, nik: String(index), score: index, at: new Date() };
        }
      }
      // Takes the first chunks, then never acknowledges another: a client that stopped reading.
      let taken = 0;
      const stalled = new Writable({
        highWaterMark: 16 * 1024,
        write(_chunk, _encoding, done) {
          taken += 1;
          if (taken < 3) done();
        },
      });
      const writing = write(columns, many(), stalled).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(pulled, 'rows read while the destination stalls').to.be.greaterThan(0).and.below(5000);
      stalled.destroy();
      const outcome = await writing;
      expect(outcome, 'the export ends with an error, not a file').to.be.instanceOf(Error);
      expect((outcome as Error).message).to.match(/closed|premature/i);
    });
  }

  describe('keysetPages', () => {
    useTestDatabase(import.meta.url);
    const Scratch = mongoose.model(
      'ExportsKeysetScratch',
      new mongoose.Schema({ cohort: { type: String, index: true }, n: Number }, { collection: 'exports_keyset_scratch' }),
    );

    it('reads every matching document once, in bounded pages ordered by _id', async () => {
      await Scratch.insertMany([
        ...Array.from({ length: 25 }, (_, n) => ({ cohort: 'a', n })),
        ...Array.from({ length: 5 }, (_, n) => ({ cohort: 'b', n })),
      ]);
      const pages: { _id: mongoose.Types.ObjectId; n: number }[][] = [];
      for await (const page of keysetPages<{ _id: mongoose.Types.ObjectId; n: number }>(
        Scratch,
        { cohort: 'a' },
        {
          pageSize: 10,
          projection: { n: 1 },
        },
      ))
        pages.push(page);
      expect(pages.map((page) => page.length)).to.deep.equal([10, 10, 5]);
      const ids = pages.flat().map((doc) => String(doc._id));
      expect(new Set(ids).size).to.equal(25);
      expect(ids).to.deep.equal([...ids].sort());
      expect(
        pages
          .flat()
          .map((doc) => doc.n)
          .sort((a, b) => a - b),
      ).to.deep.equal(Array.from({ length: 25 }, (_, n) => n));
      expect(Object.keys(pages[0]![0]!).sort(), 'the projection, _id always').to.deep.equal(['_id', 'n']);
    });

    it('ends after a full last page with one empty read, and refuses a filter on _id', async () => {
      let pages = 0;
      for await (const _page of keysetPages(Scratch, { cohort: 'b' }, { pageSize: 5 })) pages += 1;
      expect(pages).to.equal(1);
      const generator = keysetPages(Scratch, { _id: 'x' }, {});
      const error = await generator.next().then(
        () => null,
        (failure: Error) => failure,
      );
      expect(error?.message).to.match(/_id/);
    });
  });
});
