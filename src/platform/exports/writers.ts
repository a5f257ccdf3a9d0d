import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { spreadsheetSafe } from '../text.js';
import { institutionZone, zonedParts } from '../zone.js';
import type { ExportColumn } from './registry.js';

/**
 * Streaming writers of a table's rows as CSV or XLSX. Rows are pulled one at a time from the
 * table's iterator only as fast as the destination (an HTTP response or a file) takes them, so
 * memory stays flat however many rows there are: the CSV through a stream pipeline, the XLSX
 * through exceljs's streaming workbook, waiting for the destination to drain.
 *
 * Both write cells by one rule (`cellValue`): text through spreadsheetSafe (a name typed as
 * "=HYPERLINK(...)" stays text, as in every export of the app), numbers as numbers, dates in the
 * institution's time zone. CSV files are UTF-8 with a byte-order mark and CRLF, as Excel opens
 * Indonesian text right (as platform/csv.ts makes the small ones).
 */
export const exportFormats = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const exportMimeTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export type WriteOptions = {
  /** The worksheet's name (XLSX); Excel allows 31 characters and none of []:*?/\ */
  sheetName?: string;
  /** Called after every row with the rows written so far (a job's progress). May wait. */
  onRow?: (rowsWritten: number) => void | Promise<void>;
};

type Cell = string | number | Date | null;

const asDate = (value: unknown): Date | null => {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value as string | number);
  return Number.isNaN(date.getTime()) ? null : date;
};

/** A cell as the column's type says: the one rule both formats follow. */
export function cellValue(column: ExportColumn, value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (column.type === 'number') {
    const number = typeof value === 'number' ? value : Number(value);
    if (typeof value !== 'boolean' && value !== '' && Number.isFinite(number)) return number;
  } else if (column.type === 'date') {
    return asDate(value);
  }
  return spreadsheetSafe(value instanceof Date ? value.toISOString() : String(value));
}

/** A date as the institution reads it in a CSV: `YYYY-MM-DD HH:MM` (WIB). */
const csvDate = (date: Date) => {
  const { day, time } = zonedParts(date);
  return `${day} ${time}`;
};

async function* csvRecords(columns: ExportColumn[], rows: AsyncIterable<Record<string, unknown>>, options: WriteOptions) {
  yield columns.map((column) => spreadsheetSafe(column.header));
  let written = 0;
  for await (const row of rows) {
    yield columns.map((column) => {
      const cell = cellValue(column, row[column.key]);
      return cell instanceof Date ? csvDate(cell) : cell === null ? '' : cell;
    });
    written += 1;
    await options.onRow?.(written);
  }
}

/** Writes the rows as CSV to `out` (ended after); the number of rows written (the heading not counted). */
export async function writeCsv(
  columns: ExportColumn[],
  rows: AsyncIterable<Record<string, unknown>>,
  out: Writable,
  options: WriteOptions = {},
): Promise<number> {
  let written = 0;
  const counting: WriteOptions = {
    ...options,
    onRow: async (count) => {
      written = count;
      await options.onRow?.(count);
    },
  };
  await pipeline(
    Readable.from(csvRecords(columns, rows, counting), { highWaterMark: 64 }),
    stringify({ bom: true, record_delimiter: 'windows' }),
    out,
  );
  return written;
}

/** Excel's rules for a worksheet's name. */
const sheetNameOf = (name: string | undefined) =>
  (name ?? '')
    .replace(/[[\]:*?/\\]/g, ' ')
    .trim()
    .slice(0, 31) || 'Sheet1';

const closedError = () => new Error('The destination closed before the export ended');

/** Waits until `stream` takes more, or fails when `out` closed (the client went away). */
async function drainOf(stream: Writable, out: Writable): Promise<void> {
  if (out.destroyed) throw closedError();
  if (!stream.writableNeedDrain) return;
  await Promise.race([
    once(stream, 'drain'),
    once(out, 'close').then(() => {
      throw closedError();
    }),
  ]);
}

/**
 * exceljs writes each committed row into its zip without asking whether the zip takes more (its
 * buffers grow instead), so the writer asks: every few rows it lets the compression run, then waits
 * while the zip's output or the destination is full. A stalled download then holds a few rows.
 */
async function xlsxBackpressure(zip: Writable, out: Writable): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  for (let rounds = 0; zip.writableNeedDrain || out.writableNeedDrain; rounds += 1) {
    await drainOf(out, out);
    await drainOf(zip, out);
    if (rounds > 1000) throw new Error('The export stalled');
  }
  if (out.destroyed) throw closedError();
}

/** Rows between checks of the backpressure (each a few hundred bytes of XML). */
const rowsPerDrainCheck = 100;

/** Writes the rows as XLSX to `out` (ended after); the number of rows written (the heading not counted). */
export async function writeXlsx(
  columns: ExportColumn[],
  rows: AsyncIterable<Record<string, unknown>>,
  out: Writable,
  options: WriteOptions = {},
): Promise<number> {
  // Inline strings (no shared-string table that grows with the rows) and styles for dates and the heading.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Kompeten';
  const zip = (workbook as unknown as { zip: Writable }).zip;
  const sheet = workbook.addWorksheet(sheetNameOf(options.sheetName), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((column) => ({
    key: column.key,
    width: column.type === 'date' ? 18 : column.type === 'number' ? 12 : 24,
    style:
      column.type === 'date' ? { numFmt: 'yyyy-mm-dd hh:mm' } : column.type === 'text' || !column.type ? { numFmt: '@' } : {},
  }));
  const heading = sheet.addRow(columns.map((column) => spreadsheetSafe(column.header)));
  heading.font = { bold: true };
  heading.commit();
  let written = 0;
  for await (const row of rows) {
    sheet
      .addRow(
        columns.map((column) => {
          const cell = cellValue(column, row[column.key]);
          // Excel has no time zones: a date cell holds the wall-clock time the institution reads.
          return cell instanceof Date ? new Date(cell.getTime() + institutionZone.offsetMs) : cell;
        }),
      )
      .commit();
    written += 1;
    await options.onRow?.(written);
    if (written % rowsPerDrainCheck === 0) await xlsxBackpressure(zip, out);
  }
  sheet.commit();
  await workbook.commit();
  return written;
}

/** Writes the rows in `format` to `out`; the number of rows written. */
export function writeExport(
  format: ExportFormat,
  columns: ExportColumn[],
  rows: AsyncIterable<Record<string, unknown>>,
  out: Writable,
  options: WriteOptions = {},
): Promise<number> {
  return format === 'csv' ? writeCsv(columns, rows, out, options) : writeXlsx(columns, rows, out, options);
}
