import { z } from 'zod';
import { ForbiddenError } from '../../src/platform/errors.js';
import { defineExport } from '../../src/platform/exports/index.js';
import type { Actor } from '../../src/platform/permissions.js';
import { objectIdField } from '../../src/platform/validation.js';

/** Row `index` of the test tables: Indonesian text, a number, a date, and now and then a formula-looking name. */
export const testRow = (index: number) => ({
  name: index % 10 === 3 ? `=SUM(A${index})` : `Peserta ${index} Ñoño “Dwi”`,
  score: index,
  at: new Date(Date.UTC(2025, 0, 1, 1, 0) + index * 60_000),
});

/** An institution's table, as dashboard tables are: its coordinators and admins. */
export async function institutionScope(actor: Actor, institution: string) {
  if (actor.role === 'admin' || (actor.role === 'coordinator' && actor.institution === institution)) return { institution };
  throw new ForbiddenError();
}

const params = z.object({
  institution: objectIdField,
  rows: z.coerce.number().int().min(0).max(200_000).default(3),
});

/**
 * `test-people`: `rows` generated rows. `gate`, when given, is awaited before each row after
 * `pauseAfter` with the number of the read (1 for the first export of it, 2 for the next...): a slow
 * table, to see a job half-way.
 */
export function defineTestTable(name = 'test-people', slow?: { pauseAfter: number; gate: (run: number) => Promise<void> }) {
  let runs = 0;
  return defineExport(name, {
    title: (t, p) => `${t('exports.job.title')} ${p.rows}`,
    columns: () => [
      { key: 'name', header: 'Nama' },
      { key: 'score', header: 'Nilai', type: 'number' as const },
      { key: 'at', header: 'Waktu', type: 'date' as const },
    ],
    authorize: (actor, p) => institutionScope(actor, p.institution),
    params,
    count: async (p) => p.rows,
    async *rows(p) {
      runs += 1;
      const run = runs;
      for (let index = 0; index < p.rows; index += 1) {
        if (slow && index >= slow.pauseAfter) await slow.gate(run);
        yield testRow(index);
      }
    },
  });
}
