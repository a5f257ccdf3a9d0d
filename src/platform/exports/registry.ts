import type { TFunction } from 'i18next';
import type { z } from 'zod';
import type { Actor } from '../permissions.js';

/**
 * The tables people can download (exports/ streams them as CSV or XLSX). A feature registers each
 * of its dashboard tables here at start, under a name that appears in the download address
 * (`/exports/<name>.csv`); the platform knows nothing of any feature. Registering a name again
 * replaces it (each app built in a test process registers its features again), and the returned
 * function takes the registration back (tests that register tables of their own).
 */
export type ExportColumnType = 'text' | 'number' | 'date';

/** One column: the row's `key`, the heading people read (translated), and how cells are written. */
export type ExportColumn = { key: string; header: string; type?: ExportColumnType };

/** Whose data the export is: the institution the audit event names (null: every institution, an admin's). */
export type ExportScope = { institution: string | null };

export type ExportSpec<P extends z.ZodType = z.ZodType> = {
  /** What the file is called and the job page says it is, in the reader's language. */
  title: (t: TFunction, params: z.output<P>) => string;
  columns: (t: TFunction, params: z.output<P>) => ExportColumn[];
  /**
   * Whether `actor` may have this table with these params: throws ForbiddenError or NotFoundError
   * (as the table's page would), else the scope. Asked again when a background export starts.
   */
  authorize: (actor: Actor, params: z.output<P>) => Promise<ExportScope>;
  /** The query string's schema (values arrive as strings: use z.coerce for numbers and dates). */
  params: P;
  /** How many rows there will be, roughly: it decides between a direct download and a background job. */
  count: (params: z.output<P>) => Promise<number>;
  /** The rows, read in bounded pages (keysetPages) so that no number of rows fills the memory. */
  rows: (params: z.output<P>) => AsyncIterable<Record<string, unknown>>;
};

/** Names as they appear in addresses: lower-case words joined by hyphens (`cohort-roster`). */
export const exportNamePattern = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const tables = new Map<string, ExportSpec>();

export function defineExport<P extends z.ZodType>(name: string, spec: ExportSpec<P>): () => void {
  if (!exportNamePattern.test(name) || name.length > 60) {
    throw new Error(`Export name "${name}" must be lower-case words joined by hyphens (at most 60 characters)`);
  }
  const stored = spec as unknown as ExportSpec;
  tables.set(name, stored);
  return () => {
    if (tables.get(name) === stored) tables.delete(name);
  };
}

/** The registered table of this name, or undefined. */
export function exportTable(name: string): ExportSpec | undefined {
  return tables.get(name);
}

/** The names registered, for documentation (the API's enum is open: features add tables). */
export function exportNames(): string[] {
  return [...tables.keys()].sort();
}

/** Rows up to which a table is streamed straight into the download; beyond, it is made in the background. */
export const directExportLimit = 5000;

/**
 * What views/partials/exportLinks.ejs needs under a table: spread into the page's locals,
 * `...exportLinks('cohort-roster', { cohort: id }, rows.length)`. `count`, when the page knows it,
 * turns the links into buttons that start a background export when the table is long.
 */
export function exportLinks(name: string, params: Record<string, string | string[] | undefined> = {}, count?: number) {
  if (!tables.has(name)) throw new Error(`No export named "${name}" is registered`);
  return { exportName: name, exportParams: params, exportCount: count, exportDirectLimit: directExportLimit };
}
