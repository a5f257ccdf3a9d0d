import { cohortSchema } from '../src/cohorts/schemas.js';
import { createCohort } from '../src/cohorts/service.js';
import type { Actor } from '../src/platform/permissions.js';
import { createLesson, createModule } from '../src/programs/content.js';
import { publishProgram } from '../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../src/programs/schemas.js';
import { createProgram } from '../src/programs/service.js';
import { User, type UserDoc } from '../src/users/model.js';

/**
 * What the exam and live-room benchmarks start from: a one-unit program published through the
 * services and an online cohort of it open for enrolment, made by the demo's staff as they would.
 */

/** A real SKKNI unit of the demo data. */
export const benchUnit = 'J.620100.004.02';
/** A WIB-less calendar day `offsetDays` from today, as the cohort form takes it. */
export const benchDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
export const elapsedSeconds = (start: number) => (performance.now() - start) / 1000;

type Id = { toString(): string };

/** A demo account (seeded first) as an actor of the services. */
export async function demoActor(email: string): Promise<Actor> {
  const user = await User.findOne({ email }).lean<UserDoc & { _id: Id }>();
  if (!user) throw new Error(`Seed the demo data first: no ${email}`);
  return { id: String(user._id), role: user.role, institution: user.institution ? String(user.institution) : null };
}

export async function seedBenchCohort(
  names: { code: string; program: string; module: string; cohort: string },
  capacity: number,
) {
  const admin = await demoActor('admin@kompeten.test');
  const coordinator = await demoActor('koordinator@kompeten.test');
  const instructor = await demoActor('instruktur1@kompeten.test');
  const program = await createProgram(
    coordinator,
    programSchema.parse({ code: names.code, title: names.program, level: 2, units: [benchUnit] }),
  );
  const module = await createModule(
    coordinator,
    program,
    moduleSchema.parse({ title: names.module, hours: 4, units: [benchUnit] }),
  );
  await createLesson(coordinator, module, lessonSchema.parse({ title: 'Materi', body: 'Isi materi.' }));
  await publishProgram(coordinator, program);
  const cohort = await createCohort(
    coordinator,
    cohortSchema.parse({
      name: names.cohort,
      program,
      startsOn: benchDay(-7),
      endsOn: benchDay(60),
      enrolmentOpens: benchDay(-30),
      enrolmentCloses: benchDay(-8),
      capacity,
      mode: 'online',
      status: 'open',
      instructors: [instructor.id],
    }),
  );
  return { admin, coordinator, instructor, program, cohort };
}
