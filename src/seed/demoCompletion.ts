import mongoose from 'mongoose';
import { observationBody } from '../assessments/observations/schemas.js';
import { createObservation } from '../assessments/observations/service.js';
import { cohortAssessments } from '../assessments/results/summaries.js';
import { decideVerdict, unitDrillDown } from '../assessments/results/verdicts.js';
import { Cohort } from '../cohorts/model.js';
import { cohortSchema } from '../cohorts/schemas.js';
import { dayEnd, dayOf, dayStart, findCohort, updateCohort } from '../cohorts/service.js';
import { approveCompletion, revokeCompletion } from '../completion/service.js';
import { Enrollment, type EnrollmentDoc } from '../enrolment/model.js';
import { applyOnBehalf } from '../enrolment/service.js';
import { cohortSnapshot, recordProgress } from '../learning/service.js';
import { LiveSession } from '../live/model.js';
import { summariseSession } from '../live/reports/service.js';
import { LiveAttendance, LiveRoom } from '../live/room/model.js';
import type { Actor } from '../platform/permissions.js';
import { Program } from '../programs/model.js';
import { getVersion } from '../programs/publishing.js';
import { User } from '../users/model.js';
import { toActor } from '../users/service.js';
import { seedDemoHandoff } from './demoHandoff.js';

const dayMs = 86_400_000;
const hourMs = 3_600_000;
export const demoFinishedCohortName = 'JWP Dasar angkatan 0';

/** The graduates of the finished cohort, by the demo trainee each one is (src/seed/demo.ts). */
export const demoGraduates = {
  /** Completed by the rules; gave her certification data; certified; working, and said so in her survey. */
  certified: 'peserta6@kompeten.test',
  /** Completed by the rules; gave his data; not certified on one unit and routed back; has not answered his survey. */
  notCertified: 'peserta7@kompeten.test',
  /** Completed by the rules; her record was revoked (an assessor's note mistyped) and reissued; gave no data yet. */
  reissued: 'peserta8@kompeten.test',
  /** Completed by hand: one unit was assessed at his workplace, not in Kompeten; gave no data; has not answered. */
  byHand: 'peserta9@kompeten.test',
} as const;

/** The unit assessed at the by-hand graduate's workplace: he has no verdict on it in Kompeten. */
const workplaceUnit = 'J.620100.025.02';

/** K verdicts on units whose standard lists no criteria to observe: given on the final practical test, with what was shown. */
const demonstrated: Record<string, string> = {
  'J.620100.011.01':
    'Uji praktik akhir: memasang editor kode, Node.js dan Git di komputer bengkel, lalu menjalankan program contoh tanpa bantuan.',
  'J.620100.025.02':
    'Uji praktik akhir: tiga galat pada program kasir ditemukan lewat pesan galat dan console.log, lalu diperbaiki dan diuji ulang.',
};
/** The unit whose note was first mistyped for the reissued graduate, and the note as typed: the typo her record was corrected for. */
const mistypedUnit = 'J.620100.011.01';
const mistypedNote =
  'Uji praktik akhir: memasang editor kode, Node.js dan Git di komputer bengkel, lalu menjalankan program contho tanpa bantuan.';

/**
 * A finished earlier cohort of the demo program, "JWP Dasar angkatan 0" (it ran five to four months
 * before the seeding), with four graduates and what issue 12 adds after a cohort: completion
 * records (one by hand, one revoked and reissued), certification data, a batch handed to an LSP
 * and its results, and the employment surveys (demoHandoff.ts). Everything goes through the
 * services the pages use, with the past moment each step happened at (`now`); a direct write only
 * where a service takes no past date or needs a file, said where it is. Skipped when the cohort
 * exists, so a second run adds nothing.
 */
export async function seedDemoCompletion(now = Date.now()): Promise<number> {
  const [coordinatorUser, instructorUser, adminUser] = await Promise.all(
    ['koordinator', 'instruktur1', 'admin'].map((name) => User.findOne({ email: `${name}@kompeten.test` }).lean()),
  );
  if (!coordinatorUser?.institution || !instructorUser || !adminUser) return 0;
  const program = await Program.findOne({ institution: coordinatorUser.institution, code: 'JWP-DASAR' }).lean();
  if (!program?.publishedVersion) return 0;
  if (await Cohort.exists({ program: program._id, name: demoFinishedCohortName })) return 0;
  const graduateUsers = await User.find({ email: { $in: Object.values(demoGraduates) } }).lean();
  if (graduateUsers.length !== Object.keys(demoGraduates).length) return 0;
  const actorOf = (user: typeof coordinatorUser): Actor =>
    toActor({
      id: String(user._id),
      role: user.role as Actor['role'],
      institution: user.institution ? String(user.institution) : null,
    });
  const coordinator = actorOf(coordinatorUser);
  const instructor = actorOf(instructorUser);
  const graduate = Object.fromEntries(
    Object.entries(demoGraduates).map(([key, email]) => [key, actorOf(graduateUsers.find((user) => user.email === email)!)]),
  ) as Record<keyof typeof demoGraduates, Actor>;
  /** A moment `days` before the seeding, at `hour`:`minute` on the institution's clock (WIB). */
  const at = (days: number, hour = 10, minute = 0) =>
    new Date(dayStart(dayOf(new Date(now - days * dayMs))).getTime() + hour * hourMs + minute * 60_000);
  const dayAgo = (days: number) => dayOf(new Date(now - days * dayMs));
  let created = 0;

  // --- the cohort ----------------------------------------------------------------------------------
  // createCohort refuses a cohort whose last day has passed (a mistyped year, most often), so the
  // finished cohort is written here with the fields it would store, checked by the form's schema;
  // updateCohort below (which keeps past dates that do not move) marks it finished.
  const input = cohortSchema.parse({
    name: demoFinishedCohortName,
    program: String(program._id),
    startsOn: dayAgo(160),
    endsOn: dayAgo(118),
    enrolmentOpens: dayAgo(185),
    enrolmentCloses: dayAgo(162),
    capacity: 16,
    mode: 'blended',
    status: 'running',
    instructors: [instructor.id],
    // Practice in the workshop on weekdays; the live class online on Wednesday evenings.
    scheduleDays: [3],
    scheduleStart: '19:00',
    scheduleEnd: '21:00',
  });
  const version = await getVersion(String(program._id), program.publishedVersion);
  const cohortDoc = await Cohort.create({
    institution: coordinatorUser.institution,
    program: program._id,
    version: program.publishedVersion,
    programCode: version.snapshot.code,
    programTitle: version.snapshot.title,
    name: input.name,
    startsOn: dayStart(input.startsOn),
    endsOn: dayEnd(input.endsOn),
    enrolmentOpens: dayStart(input.enrolmentOpens),
    enrolmentCloses: dayEnd(input.enrolmentCloses),
    capacity: input.capacity,
    mode: input.mode,
    instructors: input.instructors,
    schedule: { days: input.scheduleDays, start: input.scheduleStart, end: input.scheduleEnd },
    status: input.status,
    autoApprove: false,
    createdBy: coordinator.id,
    createdAt: at(190),
  });
  const cohortId = String(cohortDoc._id);
  created += 1;

  // --- enrolment, lessons, verdicts ---------------------------------------------------------------------
  const order = ['certified', 'notCertified', 'reissued', 'byHand'] as const;
  const enrollments: Record<string, string> = {};
  for (const key of order) {
    const enrollment = await applyOnBehalf(coordinator, cohortId, graduate[key].id, { source: 'staff', enrolNow: true });
    enrollments[key] = enrollment.id;
    created += 1;
  }
  const snapshot = await cohortSnapshot(await findCohort(cohortId));
  const lessons = snapshot.modules.flatMap((module) => module.lessons.map((lesson) => lesson.id));
  for (const [index, key] of order.entries()) {
    const trainee = graduate[key];
    // Every lesson read while the cohort ran, the last a fortnight before the end.
    await recordProgress(
      trainee,
      lessons.map((lesson, n) => ({
        id: `demo-angkatan0-${n}`,
        account: trainee.id,
        cohort: cohortId,
        lesson,
        kind: 'complete' as const,
        via: 'text' as const,
        at: at(158 - n * 4 - index, 20),
      })),
      { now: at(130 - index, 21) },
    );
  }

  created += await seedPastLiveClasses(cohortId, instructorUser, graduate, at, dayAgo);

  // The final practical test in the last week: observed against each criterion where the unit
  // lists them (the evidence proposes K, which the instructor confirms), else K with what was shown.
  const units = (await cohortAssessments(cohortId)).units;
  for (const [index, key] of order.entries()) {
    const trainee = graduate[key];
    for (const [unitIndex, unit] of units.entries()) {
      if (key === 'byHand' && unit.code === workplaceUnit) continue;
      const when = at(124 - unitIndex, 9 + index);
      if (unit.criteria.length) {
        await createObservation(
          instructor,
          cohortId,
          observationBody.parse({
            trainee: trainee.id,
            unit: unit.code,
            observedAt: when.toISOString(),
            activity: 'Uji praktik akhir di bengkel TIK',
            note: 'Semua kriteria unjuk kerja ditunjukkan tanpa bantuan.',
            criteria: unit.criteria.map((criterion) => ({ ref: criterion.ref, met: true, comment: '' })),
          }),
        );
        created += 1;
      }
      const note = key === 'reissued' && unit.code === mistypedUnit ? mistypedNote : (demonstrated[unit.code] ?? '');
      const reason = unit.criteria.length ? '' : note;
      await verdict(instructor, { cohortId, traineeId: trainee.id, unit: unit.code }, reason, new Date(when.getTime() + hourMs));
      created += 1;
    }
  }

  // --- completion: approved a week after the end, one by hand ----------------------------------------
  const approvedAt = at(112, 13);
  const records: Record<string, string> = {};
  for (const key of order) {
    const reason =
      key === 'byHand'
        ? `Unit ${workplaceUnit} (Melakukan Debugging) diases di tempat kerja selama pemagangan di PT Sinar Data Nusantara, Cikarang; laporan pembimbing industri menyatakan kompeten dan disimpan di berkas peserta.`
        : undefined;
    records[key] = (await approveCompletion(coordinator, enrollments[key]!, reason ? { reason } : {}, approvedAt)).id;
    created += 1;
  }
  // A typo in one of the reissued graduate's assessor notes, corrected by the instructor a few days
  // later; the coordinator revokes her record with the reason and reissues it at once.
  const mistyped = { cohortId, traineeId: graduate.reissued.id, unit: mistypedUnit };
  await verdict(instructor, mistyped, demonstrated[mistypedUnit]!, at(107, 9));
  const { issued } = await revokeCompletion(
    coordinator,
    records.reissued!,
    {
      reason:
        'Catatan asesor unit J.620100.011.01 salah ketik ("contho"); diperbaiki instruktur, catatan kelulusan diterbitkan ulang.',
      reissue: true,
    },
    at(106, 10),
  );
  records.reissued = issued?.id ?? records.reissued!;
  created += 2;

  for (const [index, key] of order.entries()) {
    await backdateEnrollment(enrollments[key]!, {
      applied: at(172 - index, 9 + index),
      enrolled: at(165, 14),
      completed: approvedAt,
    });
  }
  await updateCohort(coordinator, cohortId, { ...input, status: 'finished' });

  created += await seedDemoHandoff({
    now,
    at,
    dayAgo,
    admin: actorOf(adminUser),
    coordinator,
    cohort: cohortId,
    institution: String(coordinatorUser.institution),
    graduates: graduate,
    enrollments: enrollments as Record<keyof typeof demoGraduates, string>,
    records: records as Record<keyof typeof demoGraduates, string>,
    units: units.map((unit) => unit.code),
  });
  return created;
}

/** Gives a verdict of K as the instructor at `when`: confirming the proposal, or with what was shown. */
/** Minutes of each weekly live class (of 120) each graduate was in: every one reaches the 80% rule. */
const liveMinutes: Record<keyof typeof demoGraduates, number[]> = {
  certified: [120, 120, 120, 120],
  notCertified: [120, 100, 75, 120],
  reissued: [120, 120, 120, 110],
  byHand: [120, 120, 120, 90],
};
const liveTitles = [
  'Orientasi dan pengenalan alat pemrograman',
  'Struktur data: larik dan objek',
  'Menulis kode yang rapi',
  'Persiapan uji praktik dan debugging',
];

/**
 * The cohort's four Wednesday-evening live classes, as the room would have recorded them (joins,
 * leaves, the room ended on time), then summarised as a report does: scheduling refuses a class
 * in the past, so the sessions are written here, like the demo's class of two days ago (demoLive.ts).
 */
async function seedPastLiveClasses(
  cohortId: string,
  instructor: { _id: mongoose.Types.ObjectId; name: string },
  graduates: Record<keyof typeof demoGraduates, Actor>,
  at: (days: number, hour?: number, minute?: number) => Date,
  dayAgo: (days: number) => string,
): Promise<number> {
  // The first Wednesday of the cohort's second week, then weekly.
  let first = 153;
  while (new Date(`${dayAgo(first)}T00:00:00Z`).getUTCDay() !== 3) first -= 1;
  const names = new Map(
    (await User.find({ _id: { $in: Object.values(graduates).map((g) => g.id) } }, { name: 1 }).lean()).map((u) => [
      String(u._id),
      u.name,
    ]),
  );
  for (const [index, title] of liveTitles.entries()) {
    const startsAt = at(first - index * 7, 19);
    const end = startsAt.getTime() + 120 * 60_000;
    const [session] = await LiveSession.insertMany([
      {
        cohort: cohortId,
        title,
        startsAt,
        durationMinutes: 120,
        meetingUrl: 'https://meet.jit.si/kompeten-demo-jwp-0',
        createdBy: instructor._id,
      },
    ]);
    const id = session!._id;
    const stay = (user: string, userName: string, role: string, from: number, minutes: number) => {
      const base = { session: id, user, userName, role, connection: new mongoose.Types.ObjectId().toHexString() };
      const joined = startsAt.getTime() + from * 60_000;
      return [
        { ...base, kind: 'join', at: new Date(joined) },
        { ...base, kind: 'leave', at: new Date(Math.min(joined + minutes * 60_000, end)) },
      ];
    };
    await LiveAttendance.insertMany([
      ...stay(String(instructor._id), instructor.name, 'instructor', -5, 125),
      ...(Object.keys(graduates) as (keyof typeof demoGraduates)[]).flatMap((key) => {
        const minutes = liveMinutes[key][index]!;
        return stay(graduates[key].id, names.get(graduates[key].id) ?? '', 'trainee', 120 - minutes, minutes);
      }),
    ]);
    await LiveRoom.create({ _id: id, endedAt: new Date(end), endedBy: instructor._id });
    await summariseSession(String(id), new Date(end + 60_000));
  }
  return liveTitles.length;
}

async function verdict(
  instructor: Actor,
  target: { cohortId: string; traineeId: string; unit: string },
  reason: string,
  when: Date,
) {
  const { result } = await unitDrillDown(instructor, target);
  await decideVerdict(instructor, target, { status: 'K', reason, revision: result.verdictRevision }, when);
}

/**
 * The enrolment's dates as they were: the services stamp an application, a place and the
 * completion's decision with the moment of the call (they take no date but the completion's own),
 * so the seed moves them back to when the cohort enrolled and completed. Written past Mongoose,
 * which keeps `createdAt` as first stamped.
 */
async function backdateEnrollment(id: string, dates: { applied: Date; enrolled: Date; completed: Date }): Promise<void> {
  const doc = await Enrollment.findById(id).lean<EnrollmentDoc>();
  if (!doc) return;
  const when = (action: string) => (action === 'complete' ? dates.completed : dates.enrolled);
  const history = (doc.history ?? []).map((entry) => ({ ...entry, at: when(entry.action) }));
  const lastChange = doc.lastChange ? { ...doc.lastChange, at: when(doc.lastChange.action) } : null;
  await Enrollment.collection.updateOne(
    { _id: id as never },
    {
      $set: {
        appliedAt: dates.applied,
        enrolledAt: dates.enrolled,
        history,
        lastChange,
        createdAt: dates.applied,
        updatedAt: dates.completed,
      },
    },
  );
}
