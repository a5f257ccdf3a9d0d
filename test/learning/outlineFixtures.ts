import { createCohort } from '../../src/cohorts/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { cohortFields } from '../support/cohorts.js';
import { makeInstitution, makeUser } from '../support/factories.js';

export const unitA = 'J.620100.004.02';
export const unitB = 'J.620100.005.02';

/**
 * A cohort of a published program with two competency units: "Modul Struktur" (lessons Larik,
 * Antrian) covers unit A, "Modul Basis Data" (lessons Tabel, Relasi; `lessonsInB` of them) covers both.
 */
export async function cohortWithUnits({ code = 'PRG-OUT', lessonsInB = 1 }: { code?: string; lessonsInB?: number } = {}) {
  const institution = (await makeInstitution()).id;
  const coordinator: Actor = { id: (await makeUser('coordinator', institution)).id, role: 'coordinator', institution };
  await saveUnits(
    coordinator,
    [unitA, unitB].map((unit, index) =>
      unitInput.parse({
        code: unit,
        title: { id: `Unit ${index + 1} bahasa`, en: `Unit ${index + 1} English` },
        elements: [{ no: 1, title: 'Elemen', criteria: [{ no: '1.1', text: 'K' }] }],
      }),
    ),
  );
  const program = await createProgram(
    coordinator,
    programSchema.parse({ code, title: 'Pemrograman Web Dasar', level: 2, units: [unitA, unitB] }),
  );
  const moduleA = await createModule(
    coordinator,
    program,
    moduleSchema.parse({ title: 'Modul Struktur', hours: 4, units: [unitA] }),
  );
  const moduleB = await createModule(
    coordinator,
    program,
    moduleSchema.parse({ title: 'Modul Basis Data', hours: 4, units: [unitA, unitB] }),
  );
  const lesson = (module: string, title: string, extra: object = {}) =>
    createLesson(coordinator, module, lessonSchema.parse({ title, body: `Isi ${title}.`, ...extra }));
  const lessons = [
    await lesson(moduleA, 'Larik', { estimatedMinutes: 12 }),
    await lesson(moduleA, 'Antrian'),
    await lesson(moduleB, 'Tabel'),
  ];
  if (lessonsInB > 1) lessons.push(await lesson(moduleB, 'Relasi'));
  await publishProgram(coordinator, program);
  const cohort = await createCohort(coordinator, cohortFields(program, { name: 'Angkatan Outline' }));
  return { institution, coordinator, cohort, modules: [moduleA, moduleB], lessons };
}
