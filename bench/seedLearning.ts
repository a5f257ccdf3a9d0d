import mongoose from 'mongoose';
import { hashPassword } from '../src/auth/passwords.js';
import { Cohort } from '../src/cohorts/model.js';
import { cohortSchema } from '../src/cohorts/schemas.js';
import { createCohort } from '../src/cohorts/service.js';
import { Enrollment } from '../src/enrolment/model.js';
import { applyOnBehalf } from '../src/enrolment/service.js';
import { Institution } from '../src/institutions/model.js';
import { recordProgress } from '../src/learning/service.js';
import type { Actor } from '../src/platform/permissions.js';
import { demoPassword } from '../src/seed/demo.js';
import { User } from '../src/users/model.js';
import { createUserSchema } from '../src/users/schemas.js';
import { createUser } from '../src/users/service.js';
import { shapeDifferences } from './curriculumDocs.js';
import {
  type CohortPlan,
  cohortDoc,
  cohortInput,
  enrollmentDoc,
  type Member,
  planMembers,
  randomSource,
  seatEntry,
  traineeFields,
  userDoc,
} from './learningDocs.js';
import type { CurriculumSeed, SeededVersion } from './seedCurriculum.js';

/**
 * Seeds cohorts, trainees, enrolments with progress, and seats at scale (1 = 2,000 running
 * cohorts of the seeded programs, 50,000 trainees, one enrolment each), after seedCurriculum.
 *
 * One trainee goes through the services first (createUser, createCohort, applyOnBehalf with a
 * place, recordProgress), and the bulk documents must have the shapes of theirs; the rest is
 * inserted through the driver in batches, since the services would take hours on FerretDB (each
 * application reads every enrolment of the collection). Every account shares one argon2 hash of
 * the demo password, made once: hashing 50,000 times would take an hour.
 *
 * The demo trainee (peserta1) is enrolled in three of these cohorts, at their first places, with
 * some progress, so "My learning" shows real cards among 50,000 enrolments.
 */

type Id = mongoose.Types.ObjectId;
type Doc = Record<string, unknown>;
const insertBatch = 1000;
/** Enrolments per cohort on average; each cohort gets 18 to 32 applicants for its 25 to 30 places. */
const perCohort = 25;
/** Trainees the completion benchmark writes for, each in another cohort (see progressLoad.ts). */
const progressTraineeCount = 20;
const hourMs = 3_600_000;

export type LearningSeed = {
  counts: { cohorts: number; trainees: number; enrollments: number; seats: number; byStatus: Record<string, number> };
  timings: { name: string; seconds: number }[];
  /** The demo trainee's seeded cohorts: what their cards and lessons must show. */
  demo: {
    cohort: string;
    programTitle: string;
    done: number;
    total: number;
    next: { id: string; title: string; position: number };
  }[];
  /** Enrolled trainees with most lessons still to do, and those lessons, for the completion benchmark. */
  progressTrainees: { email: string; enrollment: string; cohort: string; remaining: string[] }[];
};

const elapsed = (start: number) => (performance.now() - start) / 1000;

export const learningSize = (scale: number) => {
  const cohorts = Math.max(20, Math.round(2000 * scale));
  return { cohorts, trainees: cohorts * perCohort };
};

/** Applicants per cohort, 18 to 32, adding up to `total`: pairs of cohorts trade a few. */
function cohortSizes(count: number, random: () => number): number[] {
  const sizes = Array.from({ length: count }, () => perCohort);
  for (let c = 0; c + 1 < count; c += 2) {
    const shift = Math.floor(random() * 8);
    sizes[c]! += shift;
    sizes[c + 1]! -= shift;
  }
  return sizes;
}

async function loadContext(demoEmail: string) {
  const admin = await User.findOne({ email: 'admin@kompeten.test' }).lean();
  const demo = await User.findOne({ email: demoEmail }).lean();
  if (!admin || !demo?.institution) throw new Error(`Seed the demo data first: no admin or ${demoEmail} with an institution`);
  const coordinators = new Map<string, Id>();
  for (const user of await User.find({ role: 'coordinator' }, { institution: 1 }).lean()) {
    if (user.institution) coordinators.set(String(user.institution), user._id);
  }
  const provinces = new Map((await Institution.find({}, { province: 1 }).lean()).map((row) => [String(row._id), row.province]));
  const adminActor: Actor = { id: String(admin._id), role: 'admin', institution: null };
  return { admin: admin._id, adminActor, demo, coordinators, provinces };
}

/** The sample trainee through the services: account, cohort, enrolment with a place, progress. */
async function seedSample(
  adminActor: Actor,
  fields: ReturnType<typeof traineeFields>,
  input: ReturnType<typeof cohortInput>,
  lessons: string[],
  done: number,
) {
  const user = await createUser(
    adminActor,
    createUserSchema.parse({ ...fields, institution: String(fields.institution), password: demoPassword }),
  );
  const cohortId = await createCohort(adminActor, cohortSchema.parse(input));
  await applyOnBehalf(adminActor, cohortId, user.id, { source: 'staff', enrolNow: true });
  const trainee: Actor = { id: user.id, role: 'trainee', institution: user.institution };
  const at = new Date(Date.now() - hourMs);
  await recordProgress(trainee, [
    ...lessons
      .slice(0, done)
      .map((lesson, n) => ({ id: `s${n}`, account: user.id, cohort: cohortId, lesson, kind: 'complete' as const, at })),
    { id: 'p', account: user.id, cohort: cohortId, lesson: lessons[done]!, kind: 'position', position: 0.4, at },
  ]);
  const [userStored, cohortStored, enrollmentStored] = await Promise.all([
    User.collection.findOne({ _id: new mongoose.Types.ObjectId(user.id) }),
    Cohort.collection.findOne({ _id: new mongoose.Types.ObjectId(cohortId) }),
    Enrollment.collection.findOne({ trainee: new mongoose.Types.ObjectId(user.id) }),
  ]);
  if (!userStored || !cohortStored || !enrollmentStored || (cohortStored.seats as string[]).length !== 1) {
    throw new Error('The sample trainee was not stored');
  }
  return { user: userStored, cohort: cohortStored, enrollment: enrollmentStored };
}

type Stored = Awaited<ReturnType<typeof seedSample>>;

/** Refuses to go on unless bulk documents have the shapes of those the services stored. */
function checkShapes(sample: Stored, bulk: Record<keyof Stored, unknown>): void {
  const problems = (Object.keys(sample) as (keyof Stored)[]).flatMap((name) =>
    shapeDifferences(sample[name], bulk[name]).map((line) => `${name} ${line}`),
  );
  if (problems.length) throw new Error(`Bulk documents differ from the services' ones:\n  ${problems.slice(0, 20).join('\n  ')}`);
}

async function insertAll(name: string, collection: mongoose.mongo.Collection, docs: Doc[], log: (line: string) => void) {
  const start = performance.now();
  for (let first = 0; first < docs.length; first += insertBatch) {
    await collection.insertMany(docs.slice(first, first + insertBatch) as never[], { ordered: false });
    const done = Math.min(docs.length, first + insertBatch);
    if (Math.floor(done / 10_000) > Math.floor(first / 10_000) || done === docs.length) {
      log(`  ${name}: ${done} of ${docs.length} (${elapsed(start).toFixed(0)} s)`);
    }
  }
  return { name: `insert ${docs.length} ${name}`, seconds: elapsed(start) };
}

export async function seedLearning(
  scale: number,
  curriculum: CurriculumSeed,
  demoEmail: string,
  log: (line: string) => void,
): Promise<LearningSeed> {
  const size = learningSize(scale);
  const timings: LearningSeed['timings'] = [];
  const now = new Date();
  const random = randomSource(2024);
  const context = await loadContext(demoEmail);
  const versions = curriculum.versions;
  const versionOf = (c: number) => versions[c % versions.length]!;
  const creatorOf = (institution: Id) => context.coordinators.get(String(institution)) ?? context.admin;
  const institutionOf = (version: SeededVersion) => ({
    _id: version.institution,
    province: context.provinces.get(String(version.institution)) ?? '',
  });

  let start = performance.now();
  const sampleVersion = versionOf(0);
  const sampleDone = 3;
  const sample = await seedSample(
    context.adminActor,
    traineeFields(0, institutionOf(sampleVersion)),
    cohortInput(0, sampleVersion, 0, now),
    sampleVersion.lessons.map((lesson) => lesson.id),
    sampleDone,
  );
  timings.push({ name: 'one trainee through the services (account, cohort, enrolment, progress)', seconds: elapsed(start) });

  start = performance.now();
  const passwordHash = await hashPassword(demoPassword);
  // The demo trainee's cohorts: three at their institution from the middle of the list on, so
  // their enrolments lie mid-collection, where FerretDB's scans find a typical trainee's.
  const demoCohorts = new Map<number, number>();
  for (let c = Math.floor(size.cohorts / 2); c < size.cohorts && demoCohorts.size < 3; c += 1) {
    if (String(versionOf(c).institution) === String(context.demo.institution)) {
      demoCohorts.set(c, [0.24, 0.54, 0.08][demoCohorts.size]!);
    }
  }
  const sizes = cohortSizes(size.cohorts, random);
  const cohorts: Doc[] = [];
  const users: Doc[] = [];
  const enrollments: Doc[] = [];
  // Places of seated members, kept in their cohort's `seats`; the sample cohort's are added once it has members.
  const sampleSeats: string[] = [];
  let seatCount = 0;
  const demo: LearningSeed['demo'] = [];
  const candidates: { member: Member; cohort: CohortPlan; enrollment: string; email: string }[] = [];
  let trainee = 1;
  for (let c = 0; c < size.cohorts; c += 1) {
    const version = versionOf(c);
    const input = cohortSchema.parse(cohortInput(c, version, Math.floor(c / versions.length), now));
    const createdBy = creatorOf(version.institution);
    const doc = c === 0 ? sample.cohort : cohortDoc(input, version, createdBy, new Date(now.getTime() - 60 * 86_400_000));
    if (c > 0) cohorts.push(doc as Doc);
    const plan: CohortPlan = {
      _id: doc._id as Id,
      institution: version.institution,
      startsOn: doc.startsOn as Date,
      endsOn: doc.endsOn as Date,
      enrolmentOpens: doc.enrolmentOpens as Date,
      capacity: doc.capacity as number,
      createdBy,
      lessons: version.lessons.map((lesson) => lesson.id),
    };
    const demoShare = demoCohorts.get(c);
    const demoDone = demoShare === undefined ? 0 : Math.round(plan.lessons.length * demoShare);
    const forced = [
      ...(c === 0 ? [{ trainee: sample.user._id, done: sampleDone }] : []),
      ...(demoShare === undefined ? [] : [{ trainee: context.demo._id, done: demoDone }]),
    ];
    const newcomers: Id[] = [];
    const emails = new Map<string, string>();
    const seats: string[] = [];
    for (let n = c === 0 ? 1 : 0; n < sizes[c]!; n += 1) {
      const fields = traineeFields(trainee, institutionOf(version));
      trainee += 1;
      const user = userDoc(fields, passwordHash, createdBy, new Date(now.getTime() - 90 * 86_400_000));
      users.push(user as Doc);
      newcomers.push(user._id);
      emails.set(String(user._id), fields.email);
    }
    for (const member of planMembers(plan, newcomers, forced, random, now)) {
      const isDemo = member.trainee.equals(context.demo._id);
      if (member.trainee.equals(sample.user._id)) continue;
      const enrollment = enrollmentDoc(plan, member, random, now, isDemo ? new Date(now.getTime() - 5 * hourMs) : undefined);
      enrollments.push(enrollment as Doc);
      if (member.seat) seats.push(seatEntry(enrollment));
      if (isDemo) {
        const next = version.lessons[member.done]!;
        demo.push({
          cohort: String(plan._id),
          programTitle: version.title,
          done: member.done,
          total: plan.lessons.length,
          next: { id: next.id, title: next.title, position: member.done + 1 },
        });
      } else if (member.status === 'enrolled' && member.done <= 10 && candidates.at(-1)?.cohort !== plan) {
        candidates.push({ member, cohort: plan, enrollment: enrollment._id, email: emails.get(String(member.trainee))! });
      }
    }
    if (c === 0) sampleSeats.push(...seats);
    else doc.seats = seats;
    seatCount += seats.length;
  }
  timings.push({ name: `write ${size.cohorts} cohorts, ${users.length + 1} trainees in memory`, seconds: elapsed(start) });

  const enrolledWithProgress = enrollments.find(
    (doc) => doc.status === 'enrolled' && (doc.progress as { completed: string[] }).completed.length > 0,
  );
  checkShapes(sample, { user: users[0], cohort: cohorts[0], enrollment: enrolledWithProgress });
  if (demo.length < 3) throw new Error(`Only ${demo.length} cohorts at ${demoEmail}'s institution`);

  log(`Inserting ${cohorts.length} cohorts, ${users.length} trainees, ${enrollments.length} enrolments, ${seatCount} places...`);
  timings.push(await insertAll('cohorts', Cohort.collection, cohorts, log));
  timings.push(await insertAll('trainees', User.collection, users, log));
  timings.push(await insertAll('enrolments', Enrollment.collection, enrollments, log));
  await Cohort.updateOne({ _id: sample.cohort._id }, { $addToSet: { seats: { $each: sampleSeats } } });

  // Candidates are one per cohort; these are spread over the whole collection. FerretDB finds an
  // enrolment by scanning up to it, so the list starts mid-collection: the first (checked and
  // timed alone) cost what a typical trainee's do, not what the very first enrolments cost.
  const stride = Math.max(1, Math.floor(candidates.length / progressTraineeCount));
  const spread = candidates.filter((_candidate, index) => index % stride === 0).slice(0, progressTraineeCount);
  const half = Math.floor(spread.length / 2);
  const progressTrainees = [...spread.slice(half), ...spread.slice(0, half)].map(({ member, cohort, enrollment, email }) => ({
    email,
    enrollment: String(enrollment),
    cohort: String(cohort._id),
    remaining: cohort.lessons.slice(member.done),
  }));
  const byStatus: Record<string, number> = { enrolled: 1 };
  for (const doc of enrollments) byStatus[String(doc.status)] = (byStatus[String(doc.status)] ?? 0) + 1;
  return {
    counts: {
      cohorts: size.cohorts,
      trainees: users.length + 1,
      enrollments: enrollments.length + 1,
      seats: seatCount + 1,
      byStatus,
    },
    timings,
    demo,
    progressTrainees,
  };
}
