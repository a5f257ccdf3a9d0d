import mongoose from 'mongoose';
import { Cohort } from '../src/cohorts/model.js';
import { cohortSchema } from '../src/cohorts/schemas.js';
import { createCohort } from '../src/cohorts/service.js';
import { Enrollment, enrollmentId } from '../src/enrolment/model.js';
import { applyOnBehalf } from '../src/enrolment/service.js';
import type { Actor } from '../src/platform/permissions.js';
import { createLesson, createModule } from '../src/programs/content.js';
import { publishProgram } from '../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../src/programs/schemas.js';
import { createProgram } from '../src/programs/service.js';
import { User, type UserDoc } from '../src/users/model.js';
import { createUserSchema } from '../src/users/schemas.js';
import { createUser } from '../src/users/service.js';
import { shapeDifferences } from './curriculumDocs.js';
import { seatEntry } from './learningDocs.js';

/**
 * What the exam and live-room benchmarks start from: a one-unit program published through the
 * services and an online cohort of it open for enrolment, made by the demo's staff as they would.
 */

/** A real SKKNI unit of the demo data. */
export const benchUnit = 'J.620100.004.02';
/** A WIB-less calendar day `offsetDays` from today, as the cohort form takes it. */
export const benchDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
/** Copies go in this many at a time. */
const insertBatch = 500;
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

/**
 * `count` enrolled trainees of `cohort`: the first through the services (an account, then
 * enrolled by the coordinator), the rest copies of its two documents inserted in bulk, refused if
 * a copy would differ in shape from what the services write or still name the first trainee.
 */
export async function enrolCopiedTrainees(
  staff: { admin: Actor; coordinator: Actor },
  cohort: string,
  count: number,
  person: { email: (n: number) => string; name: (n: number) => string; password: string },
) {
  const sampleView = await createUser(
    staff.admin,
    createUserSchema.parse({
      name: person.name(1),
      email: person.email(1),
      role: 'trainee',
      institution: staff.coordinator.institution,
      password: person.password,
    }),
  );
  await applyOnBehalf(staff.coordinator, cohort, sampleView.id, { source: 'staff', enrolNow: true });
  const sampleUser = await User.collection.findOne({ _id: new mongoose.Types.ObjectId(sampleView.id) });
  const sampleEnrollment = await Enrollment.collection.findOne({ _id: enrollmentId(cohort, sampleView.id) as never });
  if (!sampleUser || sampleEnrollment?.status !== 'enrolled') throw new Error('The sample trainee was not enrolled');
  const users: Record<string, unknown>[] = [];
  const enrollments: Record<string, unknown>[] = [];
  for (let n = 2; n <= count; n += 1) {
    const _id = new mongoose.Types.ObjectId();
    users.push({ ...sampleUser, _id, email: person.email(n), name: person.name(n) });
    enrollments.push({ ...sampleEnrollment, _id: enrollmentId(cohort, _id), trainee: _id });
  }
  // The copies may differ from the services' documents only in their values.
  const problems = [
    ...shapeDifferences(sampleUser, users[0] ?? sampleUser).map((line) => `user ${line}`),
    ...shapeDifferences(sampleEnrollment, enrollments[0] ?? sampleEnrollment).map((line) => `enrolment ${line}`),
  ];
  if (problems.length) throw new Error(`Copied documents differ from the services' ones:\n  ${problems.join('\n  ')}`);
  // A field naming the trainee that the copies leave as it is would tie every copy to the sample.
  const named = [
    ...Object.entries(sampleUser).filter(([field]) => field !== '_id'),
    ...Object.entries(sampleEnrollment).filter(([field]) => field !== '_id' && field !== 'trainee'),
  ].filter(([, value]) => JSON.stringify(value)?.includes(sampleView.id));
  if (named.length) throw new Error(`The sample names its trainee in ${named.map(([field]) => field).join(', ')}`);
  await insertInBatches(User.collection, users);
  await insertInBatches(Enrollment.collection, enrollments);
  const seats = enrollments.map((doc) => seatEntry(doc as { _id: string; appliedAt: Date }));
  await Cohort.updateOne({ _id: cohort }, { $addToSet: { seats: { $each: seats } } });
  return { sampleView, sampleUser, users };
}

/** Inserts documents made in bulk, `insertBatch` at a time (a batch the driver sends as one command). */
export async function insertInBatches(collection: mongoose.mongo.Collection, docs: Record<string, unknown>[]) {
  for (let first = 0; first < docs.length; first += insertBatch)
    await collection.insertMany(docs.slice(first, first + insertBatch) as never[], { ordered: false });
}
