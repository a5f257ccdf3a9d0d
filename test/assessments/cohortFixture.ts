import { createCohort } from '../../src/cohorts/service.js';
import { Intake } from '../../src/counselling/model.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { type Agent, type buildTestApp, loggedInAgent } from '../support/app.js';
import { cohortFields } from '../support/cohorts.js';
import { makeInstitution, makeUser } from '../support/factories.js';

/** The two units of the assessment fixtures, with their criteria as qualified references. */
export const unit = 'J.620100.004.02';
export const otherUnit = 'J.620100.005.02';
export const c11 = `${unit}#1.1`;
export const c12 = `${unit}#1.2`;
export const o11 = `${otherUnit}#1.1`;

/** A calendar day `offsetDays` from today, as a form's date field takes it. */
export const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** The text of a page as a reader sees it (tags dropped, quotes unescaped, spaces collapsed). */
export const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

export type AssessmentCohort = Awaited<ReturnType<typeof assessmentCohort>>;

/**
 * A published two-unit program (one module, one lesson) run by two cohorts of one institution:
 * `cohort` taught by `instructor` with trainees Ani and Budi, `otherCohort` taught by
 * `otherInstructor` with trainee Citra (the outsider). Agents are logged in on `app`.
 */
export async function assessmentCohort(app: ReturnType<typeof buildTestApp>) {
  const institution = (await makeInstitution()).id;
  const coordinatorUser = await makeUser('coordinator', institution);
  const coordinator: Actor = { id: coordinatorUser.id, role: 'coordinator', institution };
  await saveUnits(coordinator, [
    unitInput.parse({
      code: unit,
      title: { id: 'Menggunakan Struktur Data' },
      elements: [
        {
          no: 1,
          title: 'Mengidentifikasi struktur data',
          criteria: [
            { no: '1.1', text: 'Konsep data diidentifikasi' },
            { no: '1.2', text: 'Struktur data dibandingkan' },
          ],
        },
      ],
    }),
    unitInput.parse({
      code: otherUnit,
      title: { id: 'Antarmuka' },
      elements: [{ no: 1, title: 'Rancangan', criteria: [{ no: '1.1', text: 'Mock-up dibuat' }] }],
    }),
  ]);
  const program = await createProgram(
    coordinator,
    programSchema.parse({ code: 'PRG-TGS', title: 'Pemrograman', level: 2, units: [unit, otherUnit] }),
  );
  const module = await createModule(
    coordinator,
    program,
    moduleSchema.parse({ title: 'Modul', hours: 4, units: [unit, otherUnit] }),
  );
  await createLesson(coordinator, module, lessonSchema.parse({ title: 'Materi', body: 'Isi' }));
  await publishProgram(coordinator, program);
  const teacher = await makeUser('instructor', institution);
  const otherTeacher = await makeUser('instructor', institution);
  const cohort = await createCohort(coordinator, cohortFields(program, { instructors: [teacher.id] }));
  const otherCohort = await createCohort(coordinator, cohortFields(program, { instructors: [otherTeacher.id] }));
  const trainee = async (target: string, name: string) => {
    const user = await makeUser('trainee', institution, { name });
    await Intake.create({ _id: user.id, institution, education: 'smk' });
    await applyOnBehalf(coordinator, target, user.id, { source: 'staff', enrolNow: true });
    return user;
  };
  const aniUser = await trainee(cohort, 'Ani Lestari');
  const budiUser = await trainee(cohort, 'Budi Santoso');
  const outsiderUser = await trainee(otherCohort, 'Citra Luar');
  return {
    institution,
    program,
    module,
    coordinator,
    coordinatorUser,
    cohort,
    otherCohort,
    teacherActor: { id: teacher.id, role: 'instructor', institution } as Actor,
    /** Ani's login, for a second device or a restarted server. */
    aniLogin: { email: aniUser.email, password: aniUser.password },
    aniId: aniUser.id,
    budiId: budiUser.id,
    outsiderId: outsiderUser.id,
    instructor: await loggedInAgent(app, teacher.email, teacher.password),
    otherInstructor: await loggedInAgent(app, otherTeacher.email, otherTeacher.password),
    coordinatorAgent: await loggedInAgent(app, coordinatorUser.email, coordinatorUser.password),
    ani: await loggedInAgent(app, aniUser.email, aniUser.password),
    budi: await loggedInAgent(app, budiUser.email, budiUser.password),
    outsider: await loggedInAgent(app, outsiderUser.email, outsiderUser.password),
  } satisfies Record<string, unknown> & { ani: Agent };
}
