import { finishJob, reportProgress, startJob } from '../src/platform/jobs.js';
import type { Actor } from '../src/platform/permissions.js';
import { importUnits, parseUnitsCsv } from '../src/units/import.js';
import { codeOf, unitRows, unitsCsv } from '../test/units/fixtures.js';

export type ImportTiming = {
  name: string;
  units: number;
  rows: number;
  bytes: number;
  parseSeconds: number;
  totalSeconds: number;
  unitsPerSecond: number;
  counts: { created: number; updated: number; unchanged: number; rejected: number };
};

/** Codes from J.620150 on: none of the seeded units have them, so the first import creates every unit. */
const firstCode = 50_000;

/**
 * Times a CSV import as the import page runs it (parse, then importUnits reporting its progress to a
 * job record), for `unitCount` units of four lines each (two elements of two criteria), then the
 * same file again, which changes nothing.
 */
export async function timeImports(actor: Actor, unitCount: number): Promise<ImportTiming[]> {
  const rows = Array.from({ length: unitCount }, (_unused, index) => unitRows(codeOf(firstCode + index))).flat();
  const text = unitsCsv(rows);
  const timings: ImportTiming[] = [];
  for (const [name, expected] of [
    ['import', 'created'],
    ['re-import (unchanged)', 'unchanged'],
  ] as const) {
    process.stdout.write(`${name} of ${rows.length} CSV rows (${unitCount} units)...\n`);
    const start = performance.now();
    const parsed = parseUnitsCsv(text);
    const parseSeconds = (performance.now() - start) / 1000;
    if (parsed.units.length !== unitCount || parsed.problems.length) {
      throw new Error(`The CSV parsed into ${parsed.units.length} units with ${parsed.problems.length} problems`);
    }
    const jobId = await startJob('units', 'bench-units.csv', actor.id);
    const result = await importUnits(actor, parsed, (progress) => reportProgress(jobId, progress));
    await finishJob(jobId);
    const totalSeconds = (performance.now() - start) / 1000;
    if (result.counts[expected] !== unitCount) {
      throw new Error(`${name}: expected ${unitCount} ${expected}, got ${JSON.stringify(result.counts)}`);
    }
    timings.push({
      name,
      units: unitCount,
      rows: rows.length,
      bytes: Buffer.byteLength(text),
      parseSeconds,
      totalSeconds,
      unitsPerSecond: unitCount / totalSeconds,
      counts: result.counts,
    });
  }
  return timings;
}
