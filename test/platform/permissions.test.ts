import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import { createCohort } from '../../src/cohorts/service.js';
import { Intake } from '../../src/counselling/model.js';
import { startEnrolmentImport } from '../../src/enrolment/import.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { createLogger } from '../../src/platform/logger.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { startUnitImport } from '../../src/units/import.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { buildTestApp, buildTestServer, loggedInAgent, submitForm } from '../support/app.js';
import { cohortFields } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

/**
 * The permission matrix: every page and API route of the platform, asked by every kind of
 * actor, with the answer each must get. A coordinator is tried for their own institution (A)
 * and for another one (B).
 */
const actors = ['anonymous', 'trainee', 'instructor', 'coordinatorA', 'coordinatorB', 'admin'] as const;
type ActorName = (typeof actors)[number];
type Expected = Record<ActorName, number>;

const everyone = (status: number, anonymous = status): Expected => ({
  anonymous,
  trainee: status,
  instructor: status,
  coordinatorA: status,
  coordinatorB: status,
  admin: status,
});
const page = { loggedIn: everyone(200, 302) };

type Fixtures = {
  institutionA: string;
  traineeA: string;
  traineeB: string;
  promotable: string;
  credentials: { email: string; password: string };
  /** An approved unit, a code no unit has yet, and a proposal to approve. */
  unitCode: string;
  newUnitCode: string;
  proposedCode: string;
  /** A unit import started by coordinator A. */
  importJob: string;
  /** A published program of institution A, owned by the instructor, and one of its lessons. */
  program: string;
  lesson: string;
  owner: string;
  /** An open cohort of the program at institution A: the instructor teaches it, the trainee studies in it. */
  cohort: string;
  /** Enrolments of other trainees of the cohort, one per decision, so each row starts from a state that allows it. */
  toApprove: string;
  toReject: string;
  toComplete: string;
  toWithdraw: string;
  /** The matrix's trainee, who has an intake at institution A. */
  applicant: string;
  /** A bulk enrolment into the cohort, started by coordinator A. */
  enrolmentImport: string;
};
/** Stands in for the fixtures where only the shape of a path is wanted: each value is its name. */
const named = (wrap: (name: string) => string) =>
  new Proxy({}, { get: (_target, name) => wrap(String(name)) }) as unknown as Fixtures;
const unique = () => randomBytes(3).toString('hex');

type Row = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: (f: Fixtures) => string;
  body?: (f: Fixtures) => Record<string, unknown>;
  expected: Expected;
};

const webRows: Row[] = [
  { method: 'get', path: () => '/', expected: everyone(200) },
  { method: 'get', path: () => '/api/docs', expected: everyone(200) },
  { method: 'get', path: () => '/dashboard', expected: page.loggedIn },
  { method: 'get', path: () => '/profile', expected: page.loggedIn },
  {
    method: 'post',
    path: () => '/profile',
    body: () => ({ name: 'Nama Diubah', phone: '', province: '', language: 'id' }),
    expected: everyone(303, 302),
  },
  {
    method: 'get',
    path: () => '/users',
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 200, coordinatorB: 200, admin: 200 },
  },
  {
    method: 'get',
    path: () => '/users/new',
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 200, coordinatorB: 200, admin: 200 },
  },
  {
    method: 'post',
    path: () => '/users',
    body: (f) => ({
      name: 'Peserta Baru',
      email: `baru-${unique()}@example.test`,
      role: 'trainee',
      institution: f.institutionA,
      password: 'rahasia-123',
    }),
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 303, admin: 303 },
  },
  {
    method: 'get',
    path: (f) => `/users/${f.traineeA}`,
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 200, admin: 200 },
  },
  {
    method: 'get',
    path: (f) => `/users/${f.traineeB}`,
    expected: { ...everyone(403), anonymous: 302, coordinatorB: 200, admin: 200 },
  },
  {
    method: 'post',
    path: (f) => `/users/${f.traineeA}`,
    body: (f) => ({ name: 'Peserta A', role: 'trainee', institution: f.institutionA, active: ['false', 'true'] }),
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 303, admin: 303 },
  },
  {
    method: 'post',
    path: (f) => `/users/${f.promotable}`,
    body: (f) => ({ name: 'Peserta A', role: 'coordinator', institution: f.institutionA, active: ['false', 'true'] }),
    expected: { ...everyone(403), anonymous: 302, admin: 303 },
  },
  { method: 'get', path: () => '/institutions', expected: { ...everyone(403), anonymous: 302, admin: 200 } },
  { method: 'get', path: () => '/institutions/new', expected: { ...everyone(403), anonymous: 302, admin: 200 } },
  { method: 'get', path: (f) => `/institutions/${f.institutionA}`, expected: { ...everyone(403), anonymous: 302, admin: 200 } },
  {
    method: 'post',
    path: () => '/institutions',
    body: () => ({ name: `BLK ${unique()}`, type: 'uptd', province: '11', city: 'Banda Aceh' }),
    expected: { ...everyone(403), anonymous: 302, admin: 303 },
  },
  {
    method: 'post',
    path: (f) => `/institutions/${f.institutionA}`,
    body: () => ({ name: 'BLK A', type: 'uptd', province: '32', active: ['false', 'true'] }),
    expected: { ...everyone(403), anonymous: 302, admin: 303 },
  },
  { method: 'get', path: () => '/sectors', expected: { ...everyone(403), anonymous: 302, admin: 200 } },
  {
    method: 'post',
    path: () => '/sectors',
    body: () => ({ code: `s-${unique()}`, nameId: 'Perikanan', nameEn: 'Fisheries' }),
    expected: { ...everyone(403), anonymous: 302, admin: 303 },
  },
];

const staffPage = { ...everyone(200), anonymous: 302, trainee: 403 };
const programEditors = { ...everyone(403), anonymous: 302, instructor: 200, coordinatorA: 200, admin: 200 };
/** Published lessons outside a cohort: the institution's staff (here all of them edit it) and admins; never trainees. */
const programReaders = programEditors;
/** The cohort's instructor, its institution's coordinators and admins. */
const cohortStaff = { ...everyone(403), anonymous: 302, instructor: 200, coordinatorA: 200, admin: 200 };
const traineePage = { ...everyone(403), anonymous: 302, trainee: 200 };
const api = (expected: Partial<Expected>, others = 403): Expected => ({ ...everyone(others), anonymous: 401, ...expected });
webRows.push(
  { method: 'get', path: () => '/units', expected: page.loggedIn },
  { method: 'get', path: () => '/units/new', expected: staffPage },
  { method: 'get', path: () => '/units/import', expected: staffPage },
  { method: 'get', path: (f) => `/units/${f.unitCode}`, expected: page.loggedIn },
  { method: 'get', path: (f) => `/units/${f.unitCode}/edit`, expected: staffPage },
  { method: 'get', path: () => '/units/export.csv', expected: page.loggedIn },
  {
    method: 'get',
    path: (f) => `/units/imports/${f.importJob}`,
    expected: { ...everyone(404), anonymous: 302, coordinatorA: 200, coordinatorB: 200, admin: 200 },
  },
  { method: 'get', path: () => '/programs', expected: staffPage },
  { method: 'get', path: () => '/programs/new', expected: staffPage },
  { method: 'get', path: (f) => `/programs/${f.program}`, expected: programEditors },
  { method: 'get', path: (f) => `/programs/${f.program}/edit`, expected: programEditors },
  { method: 'get', path: (f) => `/programs/${f.program}/changes`, expected: programEditors },
  { method: 'get', path: (f) => `/programs/${f.program}/modules/new`, expected: programEditors },
  { method: 'get', path: (f) => `/lessons/${f.lesson}/edit`, expected: programEditors },
  { method: 'get', path: (f) => `/programs/${f.program}/preview/lessons/${f.lesson}`, expected: programEditors },
  { method: 'get', path: (f) => `/programs/${f.program}/v/1/lessons/${f.lesson}`, expected: programReaders },
  { method: 'get', path: () => '/cohorts', expected: { ...staffPage } },
  { method: 'get', path: () => '/cohorts/new', expected: { ...staffPage, instructor: 403 } },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}`, expected: cohortStaff },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/roster`, expected: cohortStaff },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/edit`, expected: { ...cohortStaff, instructor: 403 } },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/apply`, expected: traineePage },
  { method: 'get', path: () => '/learning', expected: traineePage },
  { method: 'get', path: () => '/intake', expected: traineePage },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/enrolments/import`, expected: { ...cohortStaff, instructor: 403 } },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/enrolments/template.csv`, expected: { ...cohortStaff, instructor: 403 } },
  {
    method: 'get',
    path: (f) => `/cohorts/${f.cohort}/enrolments/imports/${f.enrolmentImport}`,
    expected: { ...cohortStaff, instructor: 403 },
  },
  {
    method: 'get',
    path: () => '/counselling',
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 200, coordinatorB: 200, admin: 200 },
  },
  { method: 'get', path: (f) => `/counselling/${f.applicant}`, expected: { ...cohortStaff, instructor: 403 } },
  { method: 'get', path: (f) => `/learn/${f.cohort}/lessons/${f.lesson}`, expected: traineePage },
  {
    method: 'post',
    path: (f) => `/enrolments/${f.toApprove}/approve`,
    body: () => ({}),
    expected: { ...cohortStaff, instructor: 403, coordinatorA: 303, admin: 303 },
  },
  { method: 'get', path: () => '/catalogue', expected: everyone(200) },
  { method: 'get', path: (f) => `/catalogue/${f.program}`, expected: everyone(200) },
  {
    method: 'post',
    path: (f) => `/programs/${f.program}`,
    body: (f) => ({ code: 'PRG-A', title: 'Program A', level: '2', units: 'J.620100.004.02', instructors: f.owner }),
    expected: { ...programEditors, instructor: 303, coordinatorA: 303, admin: 303 },
  },
  {
    method: 'post',
    path: (f) => `/units/${f.proposedCode}/approve`,
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 303, coordinatorB: 303, admin: 303 },
  },
);

const apiRows: Row[] = [
  {
    method: 'get',
    path: () => '/api/v1/cohorts',
    expected: api({ instructor: 200, coordinatorA: 200, coordinatorB: 200, admin: 200 }),
  },
  {
    method: 'post',
    path: () => '/api/v1/cohorts',
    body: (f) => cohortBody(f),
    expected: api({ coordinatorA: 201, coordinatorB: 201, admin: 201 }),
  },
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}`,
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/roster`,
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  { method: 'post', path: (f) => `/api/v1/cohorts/${f.cohort}/applications`, expected: api({ trainee: 201 }) },
  { method: 'post', path: (f) => `/api/v1/enrolments/${f.toApprove}/approve`, expected: api({ coordinatorA: 200, admin: 200 }) },
  {
    method: 'post',
    path: (f) => `/api/v1/enrolments/${f.toReject}/reject`,
    body: () => ({}),
    expected: api({ coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/enrolments/${f.toComplete}/complete`,
    expected: api({ coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/enrolments/${f.toWithdraw}/withdraw`,
    body: () => ({}),
    expected: api({ coordinatorA: 200, admin: 200 }),
  },
  { method: 'get', path: () => '/api/v1/learning', expected: api({ trainee: 200 }) },
  { method: 'get', path: () => '/api/v1/intake', expected: api({ trainee: 200 }) },
  {
    method: 'post',
    path: (f) => `/api/v1/cohorts/${f.cohort}/enrolment-imports`,
    body: () => ({ csv: 'name,email\nPeserta Matriks,matriks@example.id\n', fileName: 'matriks.csv' }),
    expected: api({ coordinatorA: 202, admin: 202 }),
  },
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/enrolment-imports/${f.enrolmentImport}`,
    expected: api({ coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'put',
    path: (f) => `/api/v1/cohorts/${f.cohort}`,
    body: (f) => ({ ...cohortBody(f), status: 'open', capacity: 12, instructors: [f.owner] }),
    expected: api({ coordinatorA: 204, admin: 204 }),
  },
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/enrolments`,
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'put',
    path: () => '/api/v1/intake',
    body: (f) => ({ institution: f.institutionA, education: 'smk', schedule: ['weekend'] }),
    expected: api({ trainee: 200 }),
  },
  { method: 'get', path: () => '/api/v1/counselling/queue', expected: api({ coordinatorA: 200, coordinatorB: 200, admin: 200 }) },
  {
    method: 'post',
    path: (f) => `/api/v1/counselling/${f.applicant}/sessions`,
    body: () => ({ outcome: 'placement' }),
    expected: api({ coordinatorA: 201, admin: 201 }),
  },
  {
    method: 'post',
    path: () => '/api/v1/progress',
    body: (f) => ({
      events: [{ id: 'matrix', cohort: f.cohort, lesson: f.lesson, kind: 'complete', at: new Date().toISOString() }],
    }),
    expected: api({ trainee: 200 }),
  },
  { method: 'get', path: () => '/api/v1/units', expected: everyone(200, 401) },
  { method: 'get', path: (f) => `/api/v1/units/${f.unitCode}`, expected: everyone(200, 401) },
  {
    method: 'put',
    path: (f) => `/api/v1/units/${f.newUnitCode}`,
    body: (f) => ({ code: f.newUnitCode, title: { id: 'Unit dari API' } }),
    expected: { ...everyone(200), anonymous: 401, trainee: 403 },
  },
  {
    method: 'post',
    path: (f) => `/api/v1/units/${f.unitCode}/approve`,
    expected: { ...everyone(403), anonymous: 401, coordinatorA: 204, coordinatorB: 204, admin: 204 },
  },
  {
    method: 'get',
    path: (f) => `/api/v1/units/imports/${f.importJob}`,
    expected: { ...everyone(404), anonymous: 401, coordinatorA: 200, coordinatorB: 200, admin: 200 },
  },
  { method: 'get', path: () => '/api/v1/catalogue', expected: everyone(200) },
  { method: 'get', path: (f) => `/api/v1/catalogue/${f.program}`, expected: everyone(200) },
  {
    method: 'post',
    path: (f) => `/api/v1/programs/${f.program}/publish`,
    expected: { ...everyone(403), anonymous: 401, instructor: 201, coordinatorA: 201, admin: 201 },
  },
  { method: 'get', path: () => '/api/v1/openapi.json', expected: everyone(200) },
  {
    method: 'post',
    path: () => '/api/v1/auth/token',
    body: (f) => ({ ...f.credentials, name: 'matriks' }),
    expected: everyone(201),
  },
  { method: 'get', path: () => '/api/v1/me', expected: everyone(200, 401) },
  { method: 'put', path: () => '/api/v1/me', body: () => ({}), expected: everyone(404) },
  {
    method: 'patch',
    path: () => '/api/v1/me',
    body: () => ({ name: 'Nama Lewat API', language: 'id' }),
    expected: everyone(200, 401),
  },
  {
    method: 'get',
    path: () => '/api/v1/users',
    expected: { ...everyone(403), anonymous: 401, coordinatorA: 200, coordinatorB: 200, admin: 200 },
  },
  {
    method: 'post',
    path: () => '/api/v1/users',
    body: (f) => ({
      name: 'Instruktur Baru',
      email: `i-${unique()}@example.test`,
      role: 'instructor',
      institution: f.institutionA,
      password: 'rahasia-123',
    }),
    expected: { ...everyone(403), anonymous: 401, coordinatorA: 201, admin: 201 },
  },
  {
    method: 'post',
    path: () => '/api/v1/users',
    body: (f) => ({
      name: 'Koordinator Baru',
      email: `k-${unique()}@example.test`,
      role: 'coordinator',
      institution: f.institutionA,
      password: 'rahasia-123',
    }),
    expected: { ...everyone(403), anonymous: 401, admin: 201 },
  },
  {
    method: 'get',
    path: (f) => `/api/v1/users/${f.traineeA}`,
    expected: { ...everyone(403), anonymous: 401, coordinatorA: 200, admin: 200 },
  },
  {
    method: 'put',
    path: (f) => `/api/v1/users/${f.traineeA}`,
    body: (f) => ({ name: 'Peserta A', role: 'trainee', institution: f.institutionA, active: true }),
    expected: { ...everyone(403), anonymous: 401, coordinatorA: 200, admin: 200 },
  },
  {
    method: 'get',
    path: (f) => `/api/v1/users/${f.traineeA}/tokens`,
    expected: { ...everyone(403), anonymous: 401, admin: 200 },
  },
  { method: 'get', path: () => '/api/v1/auth/tokens', expected: everyone(200, 401) },
  { method: 'delete', path: () => '/api/v1/auth/tokens/000000000000000000000000', expected: everyone(404, 401) },
  {
    method: 'get',
    path: () => '/api/v1/institutions',
    expected: everyone(200, 401),
  },
  {
    method: 'get',
    path: (f) => `/api/v1/institutions/${f.institutionA}`,
    expected: { ...everyone(403), anonymous: 401, trainee: 200, instructor: 200, coordinatorA: 200, admin: 200 },
  },
  {
    method: 'post',
    path: () => '/api/v1/institutions',
    body: () => ({ name: `LPK ${unique()}`, type: 'private_lpk', province: '51' }),
    expected: { ...everyone(403), anonymous: 401, admin: 201 },
  },
  {
    method: 'put',
    path: (f) => `/api/v1/institutions/${f.institutionA}`,
    body: () => ({ name: 'BLK A', type: 'uptd', province: '32', active: true }),
    expected: { ...everyone(403), anonymous: 401, admin: 200 },
  },
  { method: 'get', path: () => '/api/v1/sectors', expected: everyone(200, 401) },
  {
    method: 'post',
    path: () => '/api/v1/sectors',
    body: () => ({ code: `api-${unique()}`, nameId: 'Perikanan', nameEn: 'Fisheries' }),
    expected: { ...everyone(403), anonymous: 401, admin: 201 },
  },
];

/** A new cohort of the matrix's program, as the API takes it (admins name the institution). */
function cohortBody(f: Fixtures) {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return {
    name: `Angkatan API ${unique()}`,
    program: f.program,
    startsOn: day(10),
    endsOn: day(40),
    enrolmentOpens: day(0),
    enrolmentCloses: day(9),
    capacity: 20,
    institution: f.institutionA,
  };
}

/** A cohort of the program with the matrix's trainee enrolled, and one enrolment per decision to try. */
async function cohortFixtures(
  program: string,
  institution: string,
  coordinatorId: string,
  instructorId: string,
  traineeId: string,
) {
  const coordinator: Actor = { id: coordinatorId, role: 'coordinator', institution };
  const cohort = await createCohort(coordinator, cohortFields(program, { instructors: [instructorId], capacity: 10 }));
  await Intake.create({ _id: traineeId, institution, education: 'smk' });
  await applyOnBehalf(coordinator, cohort, traineeId, { source: 'staff', enrolNow: true });
  const enrolment = async (enrolNow: boolean) =>
    (await applyOnBehalf(coordinator, cohort, (await makeUser('trainee', institution)).id, { source: 'staff', enrolNow })).id;
  return {
    cohort,
    toApprove: await enrolment(false),
    toReject: await enrolment(false),
    toComplete: await enrolment(true),
    toWithdraw: await enrolment(true),
    applicant: traineeId,
    enrolmentImport: await startEnrolmentImport(
      coordinator,
      cohort,
      { name: 'satu.csv', content: 'name,email\nPeserta Satu,satu@peserta.id\n' },
      createLogger('silent'),
    ),
  };
}

/** Units, an import and a published program, made through the services as their users would. */
async function contentFixtures(institution: string, instructorId: string, coordinatorId: string) {
  const coordinator: Actor = { id: coordinatorId, role: 'coordinator', institution };
  const instructor: Actor = { id: instructorId, role: 'instructor', institution };
  const unitCode = 'J.620100.004.02';
  await saveUnits(coordinator, [
    unitInput.parse({
      code: unitCode,
      title: { id: 'Menggunakan Struktur Data' },
      elements: [{ no: 1, title: 'E', criteria: [] }],
    }),
  ]);
  const proposedCode = 'J.620100.099.01';
  await saveUnits(instructor, [unitInput.parse({ code: proposedCode, title: { id: 'Usulan instruktur' } })]);
  const importJob = await startUnitImport(coordinator, 'kosong.json', '[]', createLogger('silent'));
  const program = await createProgram(
    instructor,
    programSchema.parse({ code: 'PRG-A', title: 'Program A', level: 2, units: [unitCode] }),
  );
  const module = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul 1', hours: 8, units: [unitCode] }));
  const lesson = await createLesson(instructor, module, lessonSchema.parse({ title: 'Materi 1', body: 'Isi' }));
  await publishProgram(instructor, program);
  return { unitCode, newUnitCode: 'J.620100.098.01', proposedCode, importJob, program, lesson, owner: instructorId };
}

describe('permission matrix', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let fixtures: Fixtures;
  const agents = {} as Record<ActorName, ReturnType<typeof supertest.agent>>;
  const tokens = {} as Record<ActorName, string | null>;

  before(async () => {
    app = buildTestApp();
    const institutionA = (await makeInstitution({ name: 'BLK A' })).id;
    const institutionB = (await makeInstitution({ name: 'BLK B' })).id;
    const accounts = {
      trainee: await makeUser('trainee', institutionA),
      instructor: await makeUser('instructor', institutionA),
      coordinatorA: await makeUser('coordinator', institutionA),
      coordinatorB: await makeUser('coordinator', institutionB),
      admin: await makeUser('admin'),
    };
    const base = {
      institutionA,
      traineeA: (await makeUser('trainee', institutionA)).id,
      traineeB: (await makeUser('trainee', institutionB)).id,
      promotable: (await makeUser('trainee', institutionA)).id,
      credentials: await makeUser('instructor', institutionB),
      ...(await contentFixtures(institutionA, accounts.instructor.id, accounts.coordinatorA.id)),
    };
    fixtures = {
      ...base,
      ...(await cohortFixtures(
        base.program,
        institutionA,
        accounts.coordinatorA.id,
        accounts.instructor.id,
        accounts.trainee.id,
      )),
    };
    agents.anonymous = supertest.agent(app);
    tokens.anonymous = null;
    for (const [name, account] of Object.entries(accounts) as [ActorName, { email: string; password: string }][]) {
      agents[name] = await loggedInAgent(app, account.email, account.password);
      const issued = await supertest(app).post('/api/v1/auth/token').send({ email: account.email, password: account.password });
      tokens[name] = issued.body.token;
    }
  });

  for (const row of webRows) {
    describe(`${row.method.toUpperCase()} ${row.path(named((name) => `:${name}`))}`, () => {
      for (const actor of actors) {
        it(`${actor} → ${row.expected[actor]}`, async () => {
          const path = row.path(fixtures);
          const response =
            row.method === 'get'
              ? await agents[actor].get(path)
              : await submitForm(agents[actor], path, row.body?.(fixtures) as never);
          expect(response.status, response.text.slice(0, 300)).to.equal(row.expected[actor]);
          if (response.status === 302) expect(response.headers.location).to.match(/^\/login\?next=/);
        });
      }
    });
  }

  for (const row of apiRows) {
    describe(`API ${row.method.toUpperCase()} ${row.path(named((name) => `{${name}}`))}`, () => {
      for (const actor of actors) {
        it(`${actor} → ${row.expected[actor]}`, async () => {
          let request = supertest(app)[row.method](row.path(fixtures));
          if (tokens[actor]) request = request.set('Authorization', `Bearer ${tokens[actor]}`);
          const response = row.body ? await request.send(row.body(fixtures)) : await request;
          expect(response.status, JSON.stringify(response.body)).to.equal(row.expected[actor]);
          if (response.status >= 400) expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
        });
      }
    });
  }

  it('covers every declared API endpoint', () => {
    const declared = buildTestServer().api.endpoints.map(
      (endpoint) => `${endpoint.method} /api/v1${endpoint.path.replace(/\{\w+\}/g, '{id}')}`,
    );
    expect(declared).to.have.length.greaterThan(10);
    const covered = new Set(
      apiRows.map((row) => `${row.method} ${row.path(named(() => '{id}')).replace(/[0-9a-f]{24}/, '{id}')}`),
    );
    for (const endpoint of declared) expect(covered, `no matrix row for ${endpoint}`).to.include(endpoint);
  });
});
