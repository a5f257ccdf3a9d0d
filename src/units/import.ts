import { parse as parseCsv } from 'csv-parse/sync';
import type { z } from 'zod';
import { AppError, ValidationError } from '../platform/errors.js';
import { type Counts, type Problem, reportProgress, runInBackground, startJob } from '../platform/jobs.js';
import type { Logger } from '../platform/logger.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { describeIssue } from '../platform/validation.js';
import { type UnitInput, unitImportInput, unitInput } from './schemas.js';
import { saveUnits } from './service.js';

/**
 * Import of competency units from CSV or JSON (formats in docs/competency-units.md).
 * A unit with any bad line is not written at all; the good units are saved by code, so running
 * the same file again updates them and creates nothing twice.
 */
export const csvColumns = [
  'code',
  'title_id',
  'title_en',
  'description',
  'decree',
  'year',
  'sector',
  'hours',
  'element_no',
  'element_title',
  'criterion_no',
  'criterion_text',
  'variable_context',
  'prerequisites',
  'knowledge',
  'skills',
  'attitudes',
  'critical_aspects',
] as const;
type CsvRow = Record<(typeof csvColumns)[number], string>;

/** Columns that describe the unit: given on its first line, blank or equal on the others. */
const unitColumns = csvColumns.filter(
  (column) => !['element_no', 'element_title', 'criterion_no', 'criterion_text'].includes(column),
);
export const listSeparator = ';';

export type ParsedUnit = { input: UnitInput; lines: number[] };
/**
 * `rejected` counts the units (or code-less lines) that will not be written; every one of them has
 * at least one entry in `problems`, and every entry belongs to one of them. A problem with the file
 * as a whole (unreadable, not a list of units, columns missing) is `fileProblem`: no line of it is
 * read, so it is not a refused line but a refused file.
 */
export type ParsedFile = { units: ParsedUnit[]; problems: Problem[]; rejected: number; fileProblem?: Problem };

const splitList = (cell: string) =>
  cell
    .split(listSeparator)
    .map((item) => item.trim())
    .filter(Boolean);

/** The CSV column of each part of a unit, to name it in a problem. */
const csvColumnOf: Record<string, string> = {
  'title.id': 'title_id',
  'title.en': 'title_en',
  'standard.decree': 'decree',
  'standard.year': 'year',
  variableContext: 'variable_context',
  'assessmentGuidance.prerequisites': 'prerequisites',
  'assessmentGuidance.knowledge': 'knowledge',
  'assessmentGuidance.skills': 'skills',
  'assessmentGuidance.attitudes': 'attitudes',
  'assessmentGuidance.criticalAspects': 'critical_aspects',
};

function zodProblems(error: z.ZodError, input: unknown, line: number, format: 'csv' | 'json'): Problem[] {
  return error.issues.map((issue) => {
    const { field, key, params } = describeIssue(issue, input);
    const prefix = Object.keys(csvColumnOf).find((path) => field === path || field.startsWith(`${path}.`));
    const column = format === 'csv' ? (prefix ? csvColumnOf[prefix] : field.split('.')[0]) : field;
    return { line, key, params: params ?? {}, field: column };
  });
}

const refusedFile = (problem: Problem): ParsedFile => ({ units: [], problems: [], rejected: 0, fileProblem: problem });

/** Groups CSV lines by unit code and checks each unit as a whole. */
export function parseUnitsCsv(text: string): ParsedFile {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text.replace(/^\uFEFF/, ''), {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: false,
    });
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return refusedFile({ line, key: 'units.import.unreadableCsv', params: { reason: (error as Error).message } });
  }
  const missing = csvColumns.filter((column) => records.length > 0 && !(column in records[0]!.record));
  if (missing.length)
    return refusedFile({ line: 1, key: 'units.import.missingColumns', params: { columns: missing.join(', ') } });

  const problems: Problem[] = [];
  let rejected = 0;
  const groups = new Map<string, { rows: { row: CsvRow; line: number }[] }>();
  for (const { record, info } of records) {
    const row = record as CsvRow;
    const line = info.lines;
    const code = row.code.trim().toUpperCase();
    if (!code) {
      problems.push({ line, key: 'units.import.missingCode' });
      rejected += 1;
      continue;
    }
    const group = groups.get(code) ?? { rows: [] };
    group.rows.push({ row, line });
    groups.set(code, group);
  }

  const units: ParsedUnit[] = [];
  for (const [code, { rows }] of groups) {
    const lines = rows.map((entry) => entry.line);
    const unitProblems: Problem[] = [];
    const header: Partial<CsvRow> = {};
    for (const { row, line } of rows) {
      for (const column of unitColumns) {
        const value = row[column];
        if (!value) continue;
        if (header[column] === undefined) header[column] = value;
        else if (header[column] !== value)
          unitProblems.push({ line, key: 'units.import.conflictingValue', params: { field: column, code } });
      }
    }
    const elements: { no: string; title: string; criteria: { no: string; text: string }[] }[] = [];
    for (const { row, line } of rows) {
      if (!row.element_no && !row.criterion_no) continue;
      if (!row.element_no) {
        unitProblems.push({ line, key: 'units.import.criterionWithoutElement' });
        continue;
      }
      let element = elements.find((candidate) => candidate.no === row.element_no);
      if (!element) {
        element = { no: row.element_no, title: row.element_title, criteria: [] };
        elements.push(element);
      } else if (row.element_title && element.title && row.element_title !== element.title) {
        unitProblems.push({ line, key: 'units.import.conflictingValue', params: { field: 'element_title', code } });
      }
      element.title ||= row.element_title;
      if (row.criterion_no || row.criterion_text) element.criteria.push({ no: row.criterion_no, text: row.criterion_text });
    }
    const candidate = {
      code,
      title: { id: header.title_id ?? '', en: header.title_en ?? '' },
      description: header.description ?? '',
      standard: { decree: header.decree ?? '', year: header.year ? header.year : null },
      sector: header.sector ?? '',
      hours: header.hours ? header.hours : null,
      elements,
      variableContext: header.variable_context ?? '',
      assessmentGuidance: {
        prerequisites: splitList(header.prerequisites ?? ''),
        knowledge: splitList(header.knowledge ?? ''),
        skills: splitList(header.skills ?? ''),
        attitudes: splitList(header.attitudes ?? ''),
        criticalAspects: splitList(header.critical_aspects ?? ''),
      },
    };
    const parsed = unitInput.safeParse(candidate);
    if (!parsed.success) unitProblems.push(...zodProblems(parsed.error, candidate, lines[0]!, 'csv'));
    if (unitProblems.length || !parsed.success) {
      problems.push(...unitProblems);
      rejected += 1;
      continue;
    }
    units.push({ input: parsed.data, lines });
  }
  return { units, rejected, problems: problems.sort((a, b) => a.line - b.line) };
}

/** Where a JSON file keeps its units: a list of them, `{ units }`, or a scheme `{ scheme: { units } }`. */
function unitsOf(content: unknown): unknown[] | undefined {
  if (Array.isArray(content)) return content;
  if (typeof content !== 'object' || content === null) return undefined;
  const record = content as { units?: unknown; scheme?: { units?: unknown } };
  if (Array.isArray(record.units)) return record.units;
  if (Array.isArray(record.scheme?.units)) return record.scheme.units;
  return undefined;
}

/** The decree a scheme file names once for all its units, e.g. { standard: { decree: "… Nomor 282 Tahun 2016" } }. */
function standardOf(content: unknown): { decree: string; year: number | null } | undefined {
  const standard = (content as { standard?: { decree?: unknown; year?: unknown } } | null)?.standard;
  if (Array.isArray(content) || typeof standard?.decree !== 'string' || !standard.decree.trim()) return undefined;
  const year = Number(standard.year ?? /\bTahun (\d{4})\b/i.exec(standard.decree)?.[1]);
  return { decree: standard.decree.trim(), year: Number.isInteger(year) ? year : null };
}

/**
 * A JSON file of units: the export's list, or a file as SKKNI data is kept (a scheme with its
 * units, see unitImportInput). A problem's `line` is the unit's position in its list.
 */
export function parseUnitsJson(text: string): ParsedFile {
  let content: unknown;
  try {
    content = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return refusedFile({ line: 1, key: 'units.import.unreadableJson', params: { reason: (error as Error).message } });
  }
  const items = unitsOf(content);
  if (!items) return refusedFile({ line: 1, key: 'units.import.notAnArray' });
  const standard = standardOf(content);
  const problems: Problem[] = [];
  let rejected = 0;
  const units: ParsedUnit[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const position = index + 1;
    // A unit's own standard wins over the one the file names for all.
    const withStandard =
      standard && typeof item === 'object' && item !== null && !('standard' in item) ? { ...item, standard } : item;
    const parsed = unitImportInput.safeParse(withStandard);
    if (!parsed.success) {
      problems.push(...zodProblems(parsed.error, withStandard, position, 'json'));
      rejected += 1;
      return;
    }
    const earlier = seen.get(parsed.data.code);
    if (earlier) {
      problems.push({ line: position, key: 'units.import.duplicateCode', params: { code: parsed.data.code, other: earlier } });
      rejected += 1;
      return;
    }
    seen.set(parsed.data.code, position);
    units.push({ input: parsed.data, lines: [position] });
  });
  return { units, rejected, problems };
}

export function parseUnitsFile(fileName: string, content: string): ParsedFile {
  if (/\.json$/i.test(fileName)) return parseUnitsJson(content);
  if (/\.csv$/i.test(fileName)) return parseUnitsCsv(content);
  throw new AppError(422, 'units.import.unknownFormat', {}, [{ field: 'file', key: 'units.import.unknownFormat' }]);
}

export const importBatchSize = 500;

/** Saves the parsed units batch by batch, reporting progress after each batch. */
export async function importUnits(
  actor: Actor,
  parsed: ParsedFile,
  onProgress: (progress: { total: number; processed: number; counts: Counts; problems: Problem[] }) => Promise<void>,
): Promise<{ counts: Counts; problems: Problem[] }> {
  const counts: Counts = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  const problems = [...parsed.problems];
  counts.rejected = parsed.rejected;
  const total = parsed.units.length;
  await onProgress({ total, processed: 0, counts, problems });
  for (let start = 0; start < total; start += importBatchSize) {
    const batch = parsed.units.slice(start, start + importBatchSize);
    const outcomes = await saveUnits(
      actor,
      batch.map((unit) => unit.input),
    );
    outcomes.forEach((outcome, index) => {
      if (typeof outcome === 'string') counts[outcome] += 1;
      else {
        counts.rejected += 1;
        problems.push({ line: batch[index]!.lines[0]!, key: outcome.error, params: { code: batch[index]!.input.code } });
      }
    });
    await onProgress({ total, processed: Math.min(total, start + batch.length), counts, problems });
  }
  problems.sort((a, b) => a.line - b.line);
  return { counts, problems };
}

/**
 * Starts an import job for an uploaded or given file and returns its id at once; the work runs
 * in the background of this process and reports its progress to the job record.
 */
export async function startUnitImport(actor: Actor | null, fileName: string, content: string, log: Logger): Promise<string> {
  authorize(actor, 'unit.import');
  const parsed = parseUnitsFile(fileName, content);
  // A file that cannot be read as units is refused on the upload form; no job reports it as a line.
  const { fileProblem } = parsed;
  if (fileProblem) throw new ValidationError([{ field: 'file', key: fileProblem.key, params: fileProblem.params ?? {} }]);
  const jobId = await startJob('units', fileName, actor.id);
  runInBackground(
    jobId,
    async () => {
      await importUnits(actor, parsed, (progress) => reportProgress(jobId, progress));
    },
    log,
  );
  return jobId;
}
