import { randomBytes } from 'node:crypto';
import { cohortSchema } from '../../src/cohorts/schemas.js';
import { createCohort } from '../../src/cohorts/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { makeInstitution, makeUser } from './factories.js';

const unique = () => randomBytes(3).toString('hex').toUpperCase();
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

export type PublishedProgram = { id: string; modules: { id: string; lessons: string[] }[]; lessons: string[] };

/**
 * A published program without competency units: `modules` lessons per module, each with a
 * short text, so tests can open, complete and count lessons.
 */
export async function makePublishedProgram(editor: Actor, shape: number[] = [2, 1]): Promise<PublishedProgram> {
  const code = `PRG-${unique()}`;
  const id = await createProgram(editor, programSchema.parse({ code, title: `Program ${code}`, level: 2 }));
  const modules: PublishedProgram['modules'] = [];
  for (const [index, count] of shape.entries()) {
    const module = await createModule(editor, id, moduleSchema.parse({ title: `Modul ${index + 1}`, hours: 4 }));
    const lessons: string[] = [];
    for (let n = 1; n <= count; n += 1) {
      lessons.push(
        await createLesson(
          editor,
          module,
          lessonSchema.parse({ title: `Materi ${index + 1}.${n}`, body: `Isi materi ${index + 1}.${n}.` }),
        ),
      );
    }
    modules.push({ id: module, lessons });
  }
  await publishProgram(editor, id);
  return { id, modules, lessons: modules.flatMap((module) => module.lessons) };
}

/** A cohort's fields as its form takes them; by default open for applications from yesterday for a month. */
export function cohortFields(program: string, overrides: Record<string, unknown> = {}) {
  return cohortSchema.parse({
    name: `Angkatan ${unique()}`,
    program,
    startsOn: day(7),
    endsOn: day(60),
    enrolmentOpens: day(-1),
    enrolmentCloses: day(6),
    capacity: 10,
    mode: 'online',
    status: 'open',
    ...overrides,
  });
}

/** A new cohort's fields as the cohort form posts them: text values, open for applications from today. */
export function cohortForm(program: string, overrides: Record<string, string | string[]> = {}) {
  return {
    name: `Angkatan ${unique()}`,
    program,
    startsOn: day(10),
    endsOn: day(40),
    enrolmentOpens: day(0),
    enrolmentCloses: day(9),
    capacity: '20',
    mode: 'online',
    status: 'open',
    ...overrides,
  };
}

/**
 * An institution with a coordinator and an instructor, a published program, and an open cohort
 * of it: what most enrolment and learning tests start from.
 */
export async function makeCohortSetup(options: { capacity?: number; autoApprove?: boolean; shape?: number[] } = {}) {
  const institution = (await makeInstitution()).id;
  const coordinatorUser = await makeUser('coordinator', institution);
  const instructorUser = await makeUser('instructor', institution);
  const coordinator: Actor = { id: coordinatorUser.id, role: 'coordinator', institution };
  const instructor: Actor = { id: instructorUser.id, role: 'instructor', institution };
  const program = await makePublishedProgram(coordinator, options.shape);
  const cohort = await createCohort(
    coordinator,
    cohortFields(program.id, {
      capacity: options.capacity ?? 10,
      autoApprove: options.autoApprove ?? false,
      instructors: [instructor.id],
    }),
  );
  return { institution, coordinator, coordinatorUser, instructor, instructorUser, program, cohort };
}
