import type mongoose from 'mongoose';
import { Cohort } from '../src/cohorts/model.js';
import type { CohortInput } from '../src/cohorts/schemas.js';
import { dayEnd, dayOf, dayStart } from '../src/cohorts/service.js';
import { Enrollment, type EnrollmentStatus, enrollmentId } from '../src/enrolment/model.js';
import { seatOf } from '../src/enrolment/seats.js';
import { User } from '../src/users/model.js';
import { randomFrom } from './curriculumText.js';
import type { SeededVersion } from './seedCurriculum.js';

/**
 * Documents of cohorts, trainees, enrolments and seats for bulk inserts, built through the
 * Mongoose models (defaults, casts) plus what `Model.create()` adds (timestamps, `__v`), as
 * curriculumDocs.ts does for programs. seedLearning checks them against documents the services
 * wrote for one sample trainee.
 */

type Id = mongoose.Types.ObjectId;
const dayMs = 86_400_000;

/** The curriculum's seeded generator: every run seeds the same data, so runs compare. */
export const randomSource = randomFrom;
type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const between = (random: Random, low: number, high: number) => low + Math.floor(random() * (high - low + 1));

const created = <T extends object>(doc: T, at: Date) => ({ ...doc, createdAt: at, updatedAt: at, __v: 0 });

const firstNames = (
  'Andi Budi Citra Dewi Eko Fitri Gilang Hana Indra Joko Kartika Lestari Made Nur Oktavia Putu Rizky Sari Teguh ' +
  'Umar Wahyu Yanti Yohanes Zahra Agus Bayu Dian Fajar Ketut Rina Siti Wayan'
).split(' ');
const lastNames = (
  'Pratama Santoso Lestari Hidayat Nugroho Wibowo Saputra Kurniawan Rahmawati Setiawan Wijaya Siregar Simanjuntak ' +
  'Nasution Harahap Kambu Manurung Putri Susanti Gunawan Halim Marlina Sari Purnomo'
).split(' ');

/** The n-th seeded trainee's account fields (the password is the shared demo one). */
export function traineeFields(n: number, institution: { _id: Id; province: string }) {
  const random = randomSource(n * 7919 + 17);
  return {
    name: `${pick(random, firstNames)} ${pick(random, lastNames)}`,
    email: `bench.peserta${String(n).padStart(6, '0')}@kompeten.test`,
    phone: `+62812${String(30_000_000 + n)}`,
    province: institution.province,
    role: 'trainee' as const,
    institution: institution._id,
  };
}

/** An account as createUser stores it (User.create), with the shared precomputed hash. */
export const userDoc = (fields: ReturnType<typeof traineeFields>, passwordHash: string, createdBy: Id, at: Date) =>
  created(new User({ ...fields, passwordHash, createdBy }).toObject(), at);

const schedules = [
  { days: [2, 4], start: '19:00', end: '21:00' },
  { days: [1, 3, 5], start: '08:00', end: '12:00' },
  { days: [6], start: '09:00', end: '15:00' },
  { days: [1, 3], start: '13:00', end: '16:00' },
  { days: [2, 4, 6], start: '19:30', end: '21:30' },
] as const;

/**
 * The c-th cohort, as the cohort form sends it: a running cohort of a program's first version,
 * started one to eleven weeks ago, three to four months long, 25 to 30 places, a weekly slot.
 */
export function cohortInput(c: number, version: SeededVersion, wave: number, now: Date) {
  const random = randomSource(c * 104_729 + 3);
  const started = between(random, 7, 77);
  const length = between(random, 84, 120);
  const day = (offset: number) => dayOf(new Date(now.getTime() + offset * dayMs));
  const schedule = pick(random, schedules);
  return {
    name: `${version.code} angkatan ${wave + 1}`,
    program: String(version.program),
    version: version.version,
    startsOn: day(-started),
    endsOn: day(length - started),
    enrolmentOpens: day(-started - 30),
    // Some cohorts take late applications for two weeks after they start.
    enrolmentCloses: day(random() < 0.3 ? 14 - started : -started - 1),
    capacity: between(random, 25, 30),
    mode: random() < 0.3 ? ('blended' as const) : ('online' as const),
    instructors: version.instructors,
    scheduleDays: [...schedule.days],
    scheduleStart: schedule.start,
    scheduleEnd: schedule.end,
    status: 'running' as const,
    institution: String(version.institution),
  };
}

/** The cohort as createCohort stores it (its cohortFields, then Cohort.create). */
export const cohortDoc = (input: CohortInput, version: SeededVersion, createdBy: Id, at: Date) =>
  created(
    new Cohort({
      name: input.name,
      program: input.program,
      version: input.version,
      programCode: version.code,
      programTitle: version.title,
      startsOn: dayStart(input.startsOn),
      endsOn: dayEnd(input.endsOn),
      enrolmentOpens: dayStart(input.enrolmentOpens),
      enrolmentCloses: dayEnd(input.enrolmentCloses),
      capacity: input.capacity,
      mode: input.mode,
      instructors: [...new Set(input.instructors)],
      schedule: { days: [...new Set(input.scheduleDays)].sort(), start: input.scheduleStart, end: input.scheduleEnd },
      status: input.status,
      autoApprove: input.autoApprove,
      institution: version.institution,
      createdBy,
    }).toObject(),
    at,
  );

export type CohortPlan = {
  _id: Id;
  institution: Id;
  startsOn: Date;
  endsOn: Date;
  enrolmentOpens: Date;
  capacity: number;
  createdBy: Id;
  lessons: string[];
};

export type Member = {
  trainee: Id;
  status: EnrollmentStatus;
  /** Lessons completed, from the first of the version on (trainees mostly go in order). */
  done: number;
  /** The place taken, 1..capacity, for seated members (0: none); the cohort's `seats` lists them. */
  seat: number;
};

const withdrawReasons = ['Diterima bekerja', 'Pindah domisili', 'Jadwal bentrok dengan pekerjaan', 'Alasan keluarga'];

/**
 * Who is in the cohort, in order of application: a few withdrew or wait for a decision, the others
 * are enrolled while places last (a few already completed the program) and wait-listed after.
 * `forced` members (the sample and the demo trainee) are enrolled first, with their own progress.
 */
export function planMembers(
  cohort: CohortPlan,
  trainees: Id[],
  forced: { trainee: Id; done: number }[],
  random: Random,
  now: Date,
): Member[] {
  const members: Member[] = forced.map((member, index) => ({ ...member, status: 'enrolled', seat: index + 1 }));
  let seated = members.length;
  // How far the cohort is, 0 at its start and 1 at its end: progress follows it, unevenly.
  const elapsed = (now.getTime() - cohort.startsOn.getTime()) / (cohort.endsOn.getTime() - cohort.startsOn.getTime());
  const total = cohort.lessons.length;
  for (const trainee of trainees) {
    const roll = random();
    if (roll < 0.04) {
      members.push({ trainee, status: 'withdrawn', done: Math.floor(random() * 4), seat: 0 });
    } else if (roll < 0.08) {
      members.push({ trainee, status: 'applied', done: 0, seat: 0 });
    } else if (seated < cohort.capacity) {
      seated += 1;
      const finished = roll > 0.97;
      const pace = random() < 0.08 ? 0 : random() * 1.8;
      const done = finished ? total : Math.min(total, Math.floor(total * elapsed * pace));
      members.push({ trainee, status: finished ? 'completed' : 'enrolled', done, seat: seated });
    } else {
      members.push({ trainee, status: 'waitlisted', done: 0, seat: 0 });
    }
  }
  return members;
}

const sources = ['application', 'application', 'application', 'import', 'staff'] as const;

/** A member's enrolment as the services leave it after their application, decision and studies. */
export function enrollmentDoc(cohort: CohortPlan, member: Member, random: Random, now: Date, activityAt?: Date) {
  const appliedAt = new Date(
    cohort.enrolmentOpens.getTime() + random() * Math.max(dayMs, cohort.startsOn.getTime() - cohort.enrolmentOpens.getTime()),
  );
  const decidedAt = new Date(Math.min(now.getTime(), appliedAt.getTime() + between(random, 1, 3) * dayMs));
  const seated = member.status === 'enrolled' || member.status === 'completed';
  const studied = seated || member.status === 'withdrawn';
  const since = Math.max(decidedAt.getTime(), cohort.startsOn.getTime());
  // Most trainees were active in the last days, some weeks ago; one who never started has no activity.
  const lastActivityAt =
    activityAt ?? (studied && member.done > 0 ? new Date(Math.max(since, now.getTime() - random() ** 2 * 28 * dayMs)) : null);
  const completedAt =
    member.status === 'completed' ? new Date(Math.min(now.getTime(), (lastActivityAt ?? now).getTime() + dayMs)) : null;
  const withdrawnAt =
    member.status === 'withdrawn' ? new Date(Math.max(decidedAt.getTime(), lastActivityAt?.getTime() ?? 0)) : null;
  const lastLesson = lastActivityAt ? (cohort.lessons[Math.min(member.done, cohort.lessons.length - 1)] ?? '') : '';
  const doc = new Enrollment({
    _id: enrollmentId(cohort._id, member.trainee),
    cohort: cohort._id,
    trainee: member.trainee,
    institution: cohort.institution,
    status: member.status,
    source: pick(random, sources),
    appliedAt,
    waitlistedAt: member.status === 'waitlisted' ? decidedAt : null,
    enrolledAt: studied ? decidedAt : null,
    completedAt,
    withdrawnAt,
    reason: withdrawnAt ? pick(random, withdrawReasons) : '',
    decidedBy: member.status === 'applied' ? null : cohort.createdBy,
    progress: {
      completed: cohort.lessons.slice(0, member.done),
      files: [],
      lastLesson,
      // A fraction of the text scrolled, as the lesson page reports it.
      position: lastActivityAt ? Math.round(random() * 90) / 100 : 0,
      positionAt: lastActivityAt,
      lastActivityAt,
    },
  }).toObject();
  const changedAt = [appliedAt, decidedAt, lastActivityAt, completedAt, withdrawnAt].reduce<Date>(
    (latest, date) => (date && date > latest ? date : latest),
    appliedAt,
  );
  return { ...doc, createdAt: appliedAt, updatedAt: changedAt, __v: 0 };
}

/** A seated member's entry in the cohort's `seats`, as takeSeats adds it. */
export const seatEntry = (enrollment: { _id: string; appliedAt: Date }) =>
  seatOf({ id: enrollment._id, appliedAt: enrollment.appliedAt });
