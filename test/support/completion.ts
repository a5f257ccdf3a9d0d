import { randomBytes } from 'node:crypto';
import { decideVerdict } from '../../src/assessments/results/verdicts.js';
import { createCohort } from '../../src/cohorts/service.js';
import { approveCompletion } from '../../src/completion/service.js';
import { Intake } from '../../src/counselling/model.js';
import { enrollmentId } from '../../src/enrolment/model.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { LiveSession } from '../../src/live/model.js';
import { LiveAttendance } from '../../src/live/room/model.js';
import type { Actor } from '../../src/platform/permissions.js';
import { type CompletionRulesInput, setCompletionRules } from '../../src/programs/completionRules.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { cohortFields } from './cohorts.js';
import { makeInstitution, makeUser } from './factories.js';

/** The two SKKNI units (Junior Web Programmer scheme) of the completion fixtures, as the records name them. */
export const completionUnits = [
  { code: 'J.620100.004.02', title: 'Menggunakan Struktur Data' },
  { code: 'J.620100.009.01', title: 'Menggunakan Spesifikasi Program' },
] as const;

const unique = () => randomBytes(3).toString('hex').toUpperCase();

export type Person = { id: string; email: string; password: string; name: string; actor: Actor };
export type Graduate = Person & { enrollment: string };

async function person(role: Actor['role'], institution: string, name: string): Promise<Person> {
  const user = await makeUser(role, institution, { name });
  return { id: user.id, email: user.email, password: user.password, name, actor: { id: user.id, role, institution } };
}

/**
 * A published program of the two units (two modules: "Dasar" with two lessons, "Lanjutan" with
 * one) with the completion rules given (else the defaults; required modules named 'basics' or
 * 'advanced'), run by a cohort of a new institution,
 * taught by `instructor`, managed by `coordinator`, with `trainees` enrolled trainees.
 */
export async function completionCohort(
  options: {
    rules?: Partial<Omit<CompletionRulesInput, 'requiredModules'>> & { requiredModules?: ('basics' | 'advanced')[] };
    trainees?: number;
    institutionName?: string;
  } = {},
) {
  const institution = (await makeInstitution({ name: options.institutionName ?? `BLK Uji ${unique()}`, province: '32' })).id;
  const coordinator = await person('coordinator', institution, 'Koordinator Uji');
  const instructor = await person('instructor', institution, 'Instruktur Uji');
  await saveUnits(
    coordinator.actor,
    completionUnits.map((unit) =>
      unitInput.parse({
        code: unit.code,
        title: { id: unit.title },
        elements: [{ no: 1, title: 'Elemen pertama', criteria: [{ no: '1.1', text: 'Kriteria pertama dipenuhi' }] }],
      }),
    ),
  );
  const code = `JWP-${unique()}`;
  const program = await createProgram(
    coordinator.actor,
    programSchema.parse({ code, title: 'Junior Web Programmer', level: 2, units: completionUnits.map((unit) => unit.code) }),
  );
  const basics = await createModule(
    coordinator.actor,
    program,
    moduleSchema.parse({ title: 'Dasar', hours: 20, units: [completionUnits[0].code] }),
  );
  const advanced = await createModule(
    coordinator.actor,
    program,
    moduleSchema.parse({ title: 'Lanjutan', hours: 16, units: [completionUnits[1].code] }),
  );
  const lessons = {
    basics: [
      await createLesson(coordinator.actor, basics, lessonSchema.parse({ title: 'Pengantar', body: 'Isi' })),
      await createLesson(coordinator.actor, basics, lessonSchema.parse({ title: 'Struktur data', body: 'Isi' })),
    ],
    advanced: [await createLesson(coordinator.actor, advanced, lessonSchema.parse({ title: 'Spesifikasi', body: 'Isi' }))],
  };
  if (options.rules) {
    await setCompletionRules(coordinator.actor, program, {
      allUnitsCompetent: true,
      minAttendancePercent: 80,
      ...options.rules,
      requiredModules: (options.rules.requiredModules ?? []).map((name) => (name === 'basics' ? basics : advanced)),
    });
  }
  await publishProgram(coordinator.actor, program);
  const cohort = await createCohort(coordinator.actor, cohortFields(program, { instructors: [instructor.id], capacity: 30 }));
  const trainees: Graduate[] = [];
  for (let n = 1; n <= (options.trainees ?? 1); n += 1) {
    const trainee = await person('trainee', institution, `Peserta Uji ${n}`);
    await Intake.create({ _id: trainee.id, institution, education: 'smk' });
    await applyOnBehalf(coordinator.actor, cohort, trainee.id, { source: 'staff', enrolNow: true });
    trainees.push({ ...trainee, enrollment: enrollmentId(cohort, trainee.id) });
  }
  return { institution, coordinator, instructor, program, cohort, modules: { basics, advanced }, lessons, trainees };
}
export type CompletionCohort = Awaited<ReturnType<typeof completionCohort>>;

/** The instructor gives `status` for every unit of the fixture to the trainee (with a reason: there is no evidence). */
export async function giveVerdicts(setup: CompletionCohort, trainee: string, status: 'K' | 'BK' = 'K', now = new Date()) {
  for (const unit of completionUnits) {
    await decideVerdict(
      setup.instructor.actor,
      { cohortId: setup.cohort, traineeId: trainee, unit: unit.code },
      { status, reason: 'Diamati langsung di bengkel', revision: 0 },
      now,
    );
  }
}

/**
 * A graduate: a trainee of a new completion cohort with K in every unit, whose completion the
 * coordinator approved. The record is the frozen completion record (src/completion/).
 */
export async function makeApprovedRecord(options: { institutionName?: string } = {}) {
  const setup = await completionCohort(options);
  const trainee = setup.trainees[0]!;
  await giveVerdicts(setup, trainee.id);
  const record = await approveCompletion(setup.coordinator.actor, trainee.enrollment);
  return { ...setup, trainee, record };
}

/** A 100-minute live class of the cohort that ended an hour ago, attended by each trainee for the minutes given. */
export async function heldClass(setup: CompletionCohort, minutesByTrainee: Map<string, number>) {
  const startsAt = new Date(Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60_000);
  const session = await LiveSession.create({
    cohort: setup.cohort,
    title: 'Praktik',
    startsAt,
    durationMinutes: 100,
    createdBy: setup.instructor.id,
  });
  for (const [trainee, minutes] of minutesByTrainee) {
    const entry = { session: session._id, user: trainee, userName: 'x', role: 'trainee', connection: `c-${trainee}` };
    await LiveAttendance.insertMany([
      { ...entry, kind: 'join', at: startsAt },
      { ...entry, kind: 'leave', at: new Date(startsAt.getTime() + minutes * 60_000) },
    ]);
  }
}
