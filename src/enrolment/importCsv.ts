import { parse as parseCsv } from 'csv-parse/sync';
import type { z } from 'zod';
import type { FieldIssue } from '../platform/errors.js';
import type { Problem } from '../platform/jobs.js';
import { describeIssue } from '../platform/validation.js';
import { emailField, nameField, phoneField } from '../users/schemas.js';

/**
 * Reading a bulk-enrolment CSV: one trainee a row, columns `name`, `email` and optionally `phone`
 * (or their Indonesian names), separated by commas, semicolons (Excel in an Indonesian locale)
 * or tabs. Each row is checked on its own here; what needs the database is checked in import.ts.
 */
export const enrolmentColumns = ['name', 'email', 'phone'] as const;
export type EnrolmentColumn = (typeof enrolmentColumns)[number];
const requiredColumns: EnrolmentColumn[] = ['name', 'email'];

/** Header names accepted for each column, after lower-casing and turning spaces and dots into `_`. */
const headerAliases: Record<string, EnrolmentColumn> = Object.fromEntries(
  (
    [
      ['name', ['name', 'nama', 'nama_lengkap', 'nama_peserta', 'full_name']],
      ['email', ['email', 'e_mail', 'surel', 'alamat_email']],
      ['phone', ['phone', 'telepon', 'telp', 'no_telp', 'no_telepon', 'nomor_telepon', 'no_hp', 'nomor_hp', 'hp', 'ponsel']],
      ['phone', ['no_ponsel', 'nomor_ponsel', 'whatsapp', 'no_wa', 'nomor_wa', 'mobile', 'mobile_phone']],
    ] as const
  ).flatMap(([column, names]) => names.map((name) => [name, column])),
);

/** Most rows a file may have: far more than any cohort, few enough to report on in full. */
export const maxEnrolmentRows = 5000;

export type EnrolmentRow = { line: number; name: string; email: string; phone: string };
export type ParsedEnrolments = {
  rows: EnrolmentRow[];
  /** Every problem of the rows that will not be imported, by line. */
  problems: Problem[];
  /** Data rows in the file, and how many of them are rejected already. */
  total: number;
  rejected: number;
  /** The column of the file each of ours was read from, as its header spells it. */
  headers: Record<EnrolmentColumn, string>;
};

/** A file that cannot be imported at all: one message, for the file field of the form. */
export class UnreadableFile extends Error {
  constructor(readonly issue: Omit<FieldIssue, 'field'>) {
    super(issue.key);
  }
}

export const normaliseHeader = (header: string) =>
  header
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');

/** The separator of the header line: the most frequent of comma, semicolon and tab (comma on a tie). */
export function detectDelimiter(text: string): string {
  const header = text.split(/\r?\n/, 1)[0] ?? '';
  const unquoted = header.replace(/"[^"]*"/g, '');
  const count = (separator: string) => unquoted.split(separator).length - 1;
  return [';', '\t'].reduce((best, separator) => (count(separator) > count(best) ? separator : best), ',');
}

/**
 * The file's text. Excel saves "CSV UTF-8" with a byte-order mark, but plain "CSV" in the
 * Windows code page: bytes that are not UTF-8 are read as Windows-1252 rather than garbled.
 */
export function decodeCsv(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Addresses reserved for examples (RFC 2606), as in the template: a row left from it by mistake. */
const exampleDomain = /@(?:[\w-]+\.)*example\.(?:com|net|org)$/;
/** What Excel makes of a long number it was not told is text, e.g. 6,28123E+11. */
const numberInScientificNotation = /^\d+(?:[.,]\d+)?e\+?\d+$/i;
/** Excel also drops the 0 of 0812…: a number that starts with 8 and is as long as a mobile number without it. */
const mobileWithoutZero = /^8\d{8,12}$/;

function cellIssues(schema: z.ZodType, value: string, field: string, line: number): Problem[] {
  const parsed = schema.safeParse(value);
  if (parsed.success) return [];
  const { key, params } = describeIssue(parsed.error.issues[0]!, value);
  return [{ line, key, params: params ?? {}, field }];
}

function checkRow(cells: Record<EnrolmentColumn, string>, line: number, headers: Record<EnrolmentColumn, string>) {
  const problems: Problem[] = [
    ...cellIssues(nameField, cells.name, headers.name, line),
    ...cellIssues(emailField, cells.email, headers.email, line),
  ];
  let phone = cells.phone.replace(/[\s.()-]/g, '');
  if (mobileWithoutZero.test(phone)) phone = `0${phone}`;
  if (numberInScientificNotation.test(phone)) {
    problems.push({ line, key: 'enrolmentImport.errors.phoneAsNumber', params: {}, field: headers.phone });
  } else if (phone) {
    problems.push(...cellIssues(phoneField, phone, headers.phone, line));
  }
  const email = cells.email.trim().toLowerCase();
  if (!problems.length && exampleDomain.test(email)) {
    problems.push({ line, key: 'enrolmentImport.errors.exampleRow', params: {}, field: headers.email });
  }
  if (problems.length) return { problems };
  return {
    problems,
    row: {
      line,
      name: nameField.parse(cells.name),
      email: emailField.parse(cells.email),
      phone: phone ? phoneField.parse(phone) : '',
    },
  };
}

/** Reads the file and checks every row; throws UnreadableFile when no row can be read at all. */
export function parseEnrolmentCsv(content: string): ParsedEnrolments {
  const text = content.replace(/^\uFEFF/, '');
  const delimiter = detectDelimiter(text);
  const headers = {} as Record<EnrolmentColumn, string>;
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      delimiter,
      columns: (header: string[]) =>
        header.map((name) => {
          const column = headerAliases[normaliseHeader(name)];
          if (!column || headers[column]) return false; // a column we do not read, or read already
          headers[column] = name.trim();
          return column;
        }),
      info: true,
      trim: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      relax_column_count: true,
      relax_quotes: true,
    });
  } catch (error) {
    throw new UnreadableFile({
      key: 'enrolmentImport.errors.unreadable',
      params: { line: (error as { lines?: number }).lines ?? 1, reason: (error as Error).message },
    });
  }
  const missing = requiredColumns.filter((column) => !headers[column]);
  if (missing.length) {
    throw new UnreadableFile({ key: 'enrolmentImport.errors.missingColumns', params: { columns: missing.join(', ') } });
  }
  if (!records.length) throw new UnreadableFile({ key: 'enrolmentImport.errors.empty' });
  if (records.length > maxEnrolmentRows) {
    throw new UnreadableFile({
      key: 'enrolmentImport.errors.tooManyRows',
      params: { count: records.length, max: maxEnrolmentRows },
    });
  }
  headers.phone ??= 'phone';

  const rows: EnrolmentRow[] = [];
  const problems: Problem[] = [];
  const firstLineOf = new Map<string, number>();
  let rejected = 0;
  for (const { record, info } of records) {
    const cells = {
      name: record.name ?? '',
      email: record.email ?? '',
      phone: record.phone ?? '',
    };
    const checked = checkRow(cells, info.lines, headers);
    const earlier = checked.row ? firstLineOf.get(checked.row.email) : undefined;
    if (checked.row && earlier !== undefined) {
      checked.problems.push({
        line: info.lines,
        key: 'enrolmentImport.errors.duplicateInFile',
        params: { other: earlier },
        field: headers.email,
      });
    }
    if (checked.problems.length || !checked.row) {
      problems.push(...checked.problems);
      rejected += 1;
      continue;
    }
    firstLineOf.set(checked.row.email, info.lines);
    rows.push(checked.row);
  }
  return { rows, problems, total: records.length, rejected, headers };
}
