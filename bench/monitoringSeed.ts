import mongoose from 'mongoose';
import type { CohortView } from '../src/cohorts/service.js';
import { Enrollment } from '../src/enrolment/model.js';
import { Sector } from '../src/institutions/model.js';
import { cohortSnapshot } from '../src/learning/service.js';
import { countsOf, type SummaryMeta, type TraineeFigures, unitKey } from '../src/monitoring/summaries/figures.js';
import { CohortSummary, CohortTally, CounsellingTally } from '../src/monitoring/summaries/model.js';
import { provinceCodes } from '../src/platform/provinces.js';
import { Program } from '../src/programs/model.js';
import { User } from '../src/users/model.js';

/**
 * The national-scale data of bench/monitoring.ts: enrolments, their trainees, the summaries and
 * tallies those enrolments would have produced, and counselling tallies, inserted through the driver
 * in chunks (no services, no events), and deleted again by `clean`.
 */
export const cohorts = Number(process.env.BENCH_MONITORING_COHORTS ?? 2000);
export const perCohort = 50;
export const lessonsTotal = 60;
export const lessonsDone = 50;
export const institutions = 40;
export const provincesUsed = 8;
export const months = 24;
export const counsellingTallies = 1000;
export const runs = 30;
export const warmups = 3;
/** The national scan is slow: its runs stop after this long (at least 3). */
export const scanBudgetMs = 0;
export const insertChunk = 2000;

export function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

export const oid = () => new mongoose.Types.ObjectId();
export const lessonIds = Array.from({ length: lessonsTotal }, (_, index) => `bench-lesson-${String(index).padStart(2, '0')}`);
export const assessments = {
  'quiz-bench1': { kind: 'quiz', title: 'Kuis 1' },
  'quiz-bench2': { kind: 'quiz', title: 'Kuis 2' },
  'assignment-bench3': { kind: 'assignment', title: 'Tugas praktik' },
};
export const sessionIds = ['bench-session-1', 'bench-session-2', 'bench-session-3', 'bench-session-4'];

export type Made = { cohortIds: mongoose.Types.ObjectId[]; institutionIds: mongoose.Types.ObjectId[] };
export type Seeded = {
  cohortIds: mongoose.Types.ObjectId[];
  institutionIds: mongoose.Types.ObjectId[];
  provinces: string[];
  sectors: string[];
  /** The program version the cohort page reads its units from (a demo program: kept in memory by the app). */
  version: Pick<CohortView, 'program' | 'version' | 'institution'>;
  expected: { enrolled: number; active: number; completed: number; counselled: number };
};

/** Seeds; `made` holds the ids before anything is inserted, so a failed seed is cleaned up too. */
export async function seed(say: (line: string) => void, made: Made): Promise<Seeded> {
  const published = await Program.findOne(
    { publishedVersion: { $gte: 1 } },
    { institution: 1, publishedVersion: 1 },
    {
      comment: 'scan: the benchmark picks any published program',
    },
  ).lean();
  if (!published) throw new Error('No published program (seedDemo makes some)');
  const version = {
    program: String(published._id),
    version: published.publishedVersion,
    institution: String(published.institution),
  };
  const snapshot = await cohortSnapshot(version);
  const unitCodes = [...snapshot.units.map((unit) => unit.code), ...Array.from({ length: 8 }, (_, i) => `BENCH.${i}`)].slice(
    0,
    8,
  );
  const sectorCodes = (await Sector.find({}, { code: 1 }).lean()).map((sector) => sector.code);
  const sectors = sectorCodes.length >= 2 ? sectorCodes.slice(0, 4) : ['ict', 'agri', 'tourism'];
  const provinces = provinceCodes.slice(0, provincesUsed);
  const institutionIds = Array.from({ length: institutions }, oid);
  const programs = institutionIds.map(() => [oid(), oid()]);
  const cohortIds = Array.from({ length: cohorts }, oid);
  made.institutionIds = institutionIds;
  made.cohortIds = cohortIds;
  const expected = { enrolled: 0, active: 0, completed: 0, counselled: 0 };
  const start = Date.UTC(2024, 0, 1);

  let enrollments: Record<string, unknown>[] = [];
  let users: Record<string, unknown>[] = [];
  let summaries: Record<string, unknown>[] = [];
  let tallies: Record<string, unknown>[] = [];
  const flush = async (force: boolean) => {
    if (force || enrollments.length >= insertChunk) {
      if (enrollments.length) await Enrollment.collection.insertMany(enrollments, { ordered: false });
      if (users.length) await User.collection.insertMany(users, { ordered: false });
      enrollments = [];
      users = [];
    }
    if (force || summaries.length >= 100) {
      if (summaries.length) await CohortSummary.collection.insertMany(summaries, { ordered: false });
      if (tallies.length) await CohortTally.collection.insertMany(tallies, { ordered: false });
      summaries = [];
      tallies = [];
    }
  };
  for (let c = 0; c < cohorts; c += 1) {
    const cohort = cohortIds[c]!;
    const place = c % institutions;
    const institution = institutionIds[place]!;
    const program = programs[place]![c % 2]!;
    const month = new Date(Date.UTC(2024, c % months, 1)).toISOString().slice(0, 7);
    const meta: SummaryMeta = {
      name: `Angkatan ${c + 1}`,
      institution: String(institution),
      institutionName: `LPK Bench ${place + 1}`,
      province: provinces[place % provinces.length]!,
      program: String(program),
      programTitle: `Program ${(place * 2 + (c % 2)) % 80}`,
      sector: sectors[(place + (c % 2)) % sectors.length]!,
      month,
    };
    const trainees: Record<string, TraineeFigures> = {};
    for (let t = 0; t < perCohort; t += 1) {
      const n = c * perCohort + t;
      const trainee = oid();
      const status = t % 10 === 0 ? 'withdrawn' : t % 10 <= 3 ? 'completed' : 'enrolled';
      const lastActivityAt = new Date(start + n * 300_000);
      const enrollment = `${cohort}:${trainee}`;
      enrollments.push({
        _id: enrollment,
        cohort,
        trainee,
        institution,
        status,
        source: 'application',
        counselling: null,
        appliedAt: new Date(start + n * 60_000),
        waitlistedAt: null,
        enrolledAt: new Date(start + n * 60_000),
        completedAt: status === 'completed' ? lastActivityAt : null,
        withdrawnAt: status === 'withdrawn' ? lastActivityAt : null,
        reason: '',
        decidedBy: null,
        lastChange: null,
        history: [],
        progress: {
          completed: lessonIds.slice(0, lessonsDone),
          files: [],
          lastLesson: lessonIds[lessonsDone - 1],
          position: 0,
          positionAt: null,
          lastActivityAt,
        },
        createdAt: new Date(start + n * 60_000),
        updatedAt: lastActivityAt,
      });
      users.push({
        _id: trainee,
        name: `Peserta Bench ${n}`,
        email: `bench-monitoring-${n}@contoh.id`,
        role: 'trainee',
        institution,
        passwordHash: 'not-a-hash',
      });
      trainees[String(trainee)] = {
        enrollment,
        status,
        placed: true,
        enrolledAt: null,
        done: lessonsDone,
        lastActivityAt,
        verdicts: Object.fromEntries(unitCodes.map((code, u) => [unitKey(code), (n + u) % 5 === 0 ? 'BK' : 'K'])),
        results: {
          'quiz-bench1': { percent: 40 + (n % 60), passed: n % 60 >= 20 },
          'quiz-bench2': { percent: 50 + (n % 50), passed: true },
          ...(t % 2 ? { 'assignment-bench3': { percent: 75, passed: t % 3 !== 0 } } : {}),
        },
        attended: Object.fromEntries(sessionIds.filter((_, s) => (n + s) % 4 !== 0).map((session) => [session, 60 + (n % 30)])),
        certified: status === 'completed' ? t % 2 === 0 : null,
        employed: status === 'completed' ? { '6': t % 3 !== 0 } : {},
      };
    }
    const counts = countsOf(trainees);
    expected.enrolled += counts.enrolled;
    expected.active += counts.active;
    expected.completed += counts.completed;
    const sessions = Object.fromEntries(
      sessionIds.map((session, s) => [
        session,
        { title: `Kelas ${s + 1}`, heldMinutes: 90, at: new Date(start + s * 86_400_000) },
      ]),
    );
    summaries.push({ _id: String(cohort), meta, lessonsTotal, trainees, assessments, sessions, revision: 1, rebuiltAt: null });
    tallies.push({ _id: String(cohort), ...meta, counts, revision: 1 });
    await flush(false);
    if ((c + 1) % 500 === 0) say(`  seeded ${c + 1} of ${cohorts} cohorts`);
  }
  await flush(true);
  const counselling: Record<string, unknown>[] = Array.from(
    { length: Math.min(counsellingTallies, institutions * (months + 1)) },
    (_, index) => {
      const place = index % institutions;
      const month = new Date(Date.UTC(2024, Math.floor(index / institutions), 1)).toISOString().slice(0, 7);
      const counselled = 20 + (index % 30);
      expected.counselled += counselled;
      return {
        _id: `${institutionIds[place]}::${month}`,
        institution: String(institutionIds[place]),
        province: provinces[place % provinces.length],
        program: '',
        sector: '',
        month,
        counselled,
      };
    },
  );
  await CounsellingTally.collection.insertMany(counselling, { ordered: false });
  return { cohortIds, institutionIds, provinces, sectors, version, expected };
}

/** Deletes what seed() inserted, by indexed equality on the institution (or by _id), a bounded set each. */
export async function clean(seeded: Made) {
  for (const institution of seeded.institutionIds) {
    await Enrollment.deleteMany({ institution });
    await User.deleteMany({ institution });
    await CohortTally.deleteMany({ institution: String(institution) });
    await CounsellingTally.deleteMany({ institution: String(institution) });
  }
  for (let index = 0; index < seeded.cohortIds.length; index += 500) {
    await CohortSummary.bulkWrite(
      seeded.cohortIds.slice(index, index + 500).map((id) => ({ deleteOne: { filter: { _id: String(id) } } })),
      { ordered: false },
    );
  }
}
