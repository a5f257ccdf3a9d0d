import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { Assignment, Submission } from '../../src/assessments/assignments/model.js';
import { questionKey } from '../../src/assessments/formats/index.js';
import { Question } from '../../src/assessments/model.js';
import { Observation } from '../../src/assessments/observations/model.js';
import { questionContentSchema } from '../../src/assessments/questions.js';
import { Quiz, QuizAttempt } from '../../src/assessments/quizzes/model.js';
import { createCohort } from '../../src/cohorts/service.js';
import { approveCompletion } from '../../src/completion/service.js';
import { Intake } from '../../src/counselling/model.js';
import { sessionSchema } from '../../src/counselling/schemas.js';
import { recordSession } from '../../src/counselling/service.js';
import { startEnrolmentImport } from '../../src/enrolment/import.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { prepareExport, requestExport } from '../../src/exports/service.js';
import { createExportWorker } from '../../src/exports/worker.js';
import { LocalDiskStorage } from '../../src/files/index.js';
import { StoredFile } from '../../src/files/model.js';
import { feedToken } from '../../src/live/calendar.js';
import { createSession } from '../../src/live/service.js';
import { uploadDeck } from '../../src/live/slides/service.js';
import { translator } from '../../src/platform/i18n.js';
import { createLogger } from '../../src/platform/logger.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { Lesson, Module } from '../../src/programs/model.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { surveyToken } from '../../src/tracer/links.js';
import { startUnitImport } from '../../src/units/import.js';
import { CompetencyUnit } from '../../src/units/model.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { User } from '../../src/users/model.js';
import { defineTestTable } from '../exports/tables.js';
import { filesWith, samples } from '../files/samples.js';
import {
  type Agent,
  buildTestApp,
  buildTestServer,
  csrfTokenOf,
  loggedInAgent,
  submitForm,
  testSessionSecret,
} from '../support/app.js';
import { cohortFields, cohortForm } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';
import { webRoutesOf } from '../support/routes.js';

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
  /** A module of the program, a file attached to its lesson (published in version 1), and a counselling session of A. */
  module: string;
  file: string;
  counsellingSession: string;
  /** A trainee of A that staff add to the cohort by email. */
  addableEmail: string;
  /**
   * Things each actor may destroy, one per actor, so a deletion allowed to one leaves the next
   * actor's row something to try: a module, a lesson, a file on the lesson, and an API token of
   * the instructor.
   */
  spareModules: PerActor;
  spareLessons: PerActor;
  spareFiles: PerActor;
  spareTokens: PerActor;
};
type PerActor = Record<ActorName, string>;
/** An actor's own spare; in a row's title (where fixtures are names) the name itself. */
const spare = (of: PerActor | string, actor: ActorName | undefined) => (typeof of === 'string' ? of : of[actor!]);
/** Stands in for the fixtures where only the shape of a path is wanted: each value is its name. */
const named = (wrap: (name: string) => string) =>
  new Proxy({}, { get: (_target, name) => wrap(String(name)) }) as unknown as Fixtures;
const unique = () => randomBytes(3).toString('hex');

type Row = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: (f: Fixtures, actor?: ActorName) => string;
  body?: (f: Fixtures) => Record<string, unknown>;
  /** How the request is made, where a urlencoded form is not it (uploads, logging in and out). */
  send?: (context: SendContext) => Promise<supertest.Response>;
  /** Sent as a new account of the actor's role and institution: the request ends the account's sessions. */
  throwaway?: boolean;
  /** Puts things in the state the request needs, before each actor's try. */
  prepare?: (f: Fixtures, actor: ActorName) => Promise<void>;
  expected: Expected;
};
type SendContext = {
  agent: Agent;
  path: string;
  actor: ActorName;
  fixtures: Fixtures;
  freshAgent: () => Promise<Agent>;
  anonymous: () => Agent;
};

/** A file sent as the upload forms send it: multipart, with the CSRF token in its header. */
const upload =
  (field: string, name: string, content: () => Buffer) =>
  async ({ agent, path }: SendContext) =>
    agent
      .post(path)
      .set('x-csrf-token', await csrfTokenOf(agent))
      .set('Accept-Language', 'id')
      .attach(field, content(), name);

/**
 * Makes the draft publishable and different from the newest version, as an editor does before
 * publishing again: an unchanged draft, or one with a module without lessons (rows before add
 * some), is refused with 422 whoever asks, which would hide what the row is about.
 */
async function changeDraft(f: Fixtures, actor: ActorName): Promise<void> {
  const editor: Actor = { id: f.owner, role: 'instructor', institution: f.institutionA };
  const [modules, lessons] = await Promise.all([
    Module.find({ program: f.program }, { _id: 1 }).lean(),
    Lesson.find({ program: f.program }, { module: 1 }).lean(),
  ]);
  const filled = new Set(lessons.map((lesson) => String(lesson.module)));
  for (const module of modules.filter((candidate) => !filled.has(String(candidate._id)))) {
    await createLesson(editor, String(module._id), lessonSchema.parse({ title: 'Materi pengisi', body: '-' }));
  }
  await createLesson(editor, f.module, lessonSchema.parse({ title: `Matriks ${actor} ${unique()}`, body: '-' }));
}

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

/** Only coordinator A and admins: the cohort's managers. */
const cohortManagers = (status: number): Expected => ({ ...everyone(403), anonymous: 302, coordinatorA: status, admin: status });
/** The program's editors: its instructor, coordinator A and admins. */
const programEditorsDo = (status: number): Expected => ({
  ...programEditors,
  instructor: status,
  coordinatorA: status,
  admin: status,
});
const traineeDoes = (status: number): Expected => ({ ...everyone(403), anonymous: 302, trainee: status });
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

// Every other page, and every form that changes something: the matrix covers all web routes
// (see "covers every web route").
webRows.push(
  // --- public pages and the account -----------------------------------------------------------
  { method: 'get', path: () => '/login', expected: everyone(200) },
  { method: 'get', path: () => '/register', expected: everyone(200) },
  { method: 'get', path: () => '/welcome/not-a-valid-link', expected: everyone(404) },
  { method: 'get', path: () => '/sw.js', expected: everyone(200) },
  { method: 'get', path: () => '/docs/competency-units', expected: everyone(200) },
  {
    method: 'post',
    path: () => '/login',
    send: async ({ path, fixtures, anonymous }) => submitForm(anonymous(), path, fixtures.credentials),
    expected: everyone(303),
  },
  {
    method: 'post',
    path: () => '/register',
    // Registering logs the browser in as the new trainee: a session of its own keeps the actor's.
    send: async ({ path, freshAgent }) =>
      submitForm(await freshAgent(), path, {
        name: 'Pendaftar Baru',
        email: `daftar-${unique()}@example.test`,
        phone: '081234567890',
        province: '32',
        password: 'rahasia-123',
        passwordConfirm: 'rahasia-123',
      }),
    expected: everyone(303),
  },
  {
    method: 'post',
    path: () => '/welcome/not-a-valid-link',
    body: () => ({ password: 'rahasia-baru-123', passwordConfirm: 'rahasia-baru-123' }),
    expected: everyone(404),
  },
  { method: 'post', path: () => '/language', body: () => ({ language: 'id' }), expected: everyone(303) },
  {
    method: 'post',
    path: () => '/logout',
    // A session of its own, so the actor's agent stays logged in for the rows after this one.
    send: async ({ path, freshAgent }) => {
      const agent = await freshAgent();
      return submitForm(agent, path, {});
    },
    expected: everyone(303),
  },
  {
    method: 'post',
    path: () => '/logout/everywhere',
    // Ends every session and token of the account: tried with an account like the actor's, made for it.
    throwaway: true,
    expected: everyone(303, 302),
  },
  {
    method: 'post',
    path: () => '/profile/password',
    // A wrong current password: reaching the check is what is allowed; nobody's password changes.
    body: () => ({
      currentPassword: 'not-the-password',
      newPassword: 'rahasia-baru-123',
      newPasswordConfirm: 'rahasia-baru-123',
    }),
    expected: everyone(422, 302),
  },
  { method: 'post', path: () => '/profile/tokens', body: () => ({ tokenName: 'matriks' }), expected: everyone(200, 302) },
  {
    method: 'post',
    path: (f, actor) => `/tokens/${spare(f.spareTokens, actor)}/revoke`,
    body: () => ({}),
    expected: { ...everyone(404), anonymous: 302, instructor: 303, admin: 303 },
  },
  // --- units ------------------------------------------------------------------------------------
  { method: 'get', path: () => '/units/export.json', expected: page.loggedIn },
  {
    method: 'post',
    path: () => '/units',
    body: () => ({
      code: `J.620100.${String(100 + Math.floor(Math.random() * 800))}.0${1 + Math.floor(Math.random() * 8)}`,
      titleId: 'Unit baru',
    }),
    expected: { ...staffPage, instructor: 303, coordinatorA: 303, coordinatorB: 303, admin: 303 },
  },
  {
    method: 'post',
    path: (f) => `/units/${f.unitCode}`,
    body: () => ({ titleId: 'Menggunakan Struktur Data', elementsText: '1. Mengidentifikasi konsep data' }),
    // An instructor may change only their own proposals: an approved unit is refused as a conflict, with its reason.
    expected: { ...staffPage, instructor: 409, coordinatorA: 303, coordinatorB: 303, admin: 303 },
  },
  {
    method: 'post',
    path: () => '/units/import',
    send: upload('file', 'kosong.json', () => Buffer.from('[]')),
    expected: { ...staffPage, instructor: 303, coordinatorA: 303, coordinatorB: 303, admin: 303 },
  },
  // --- programs, modules, lessons and their files -----------------------------------------------
  {
    method: 'post',
    path: () => '/programs',
    body: (f) => ({ code: `PRG-${unique()}`, title: 'Program Baru', level: '2', institution: f.institutionA }),
    expected: { ...staffPage, instructor: 303, coordinatorA: 303, coordinatorB: 303, admin: 303 },
  },
  {
    method: 'post',
    path: (f) => `/programs/${f.program}/modules`,
    body: () => ({ title: 'Modul Matriks', hours: '2' }),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f) => `/programs/${f.program}/publish`,
    body: () => ({}),
    prepare: changeDraft,
    expected: programEditorsDo(303),
  },
  { method: 'get', path: (f) => `/modules/${f.module}/edit`, expected: programEditors },
  { method: 'get', path: (f) => `/modules/${f.module}/lessons/new`, expected: programEditors },
  {
    method: 'post',
    path: (f) => `/modules/${f.module}`,
    body: () => ({ title: 'Modul 1', hours: '8', units: 'J.620100.004.02' }),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f) => `/modules/${f.module}/move`,
    body: () => ({ direction: 'down' }),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f, actor) => `/modules/${spare(f.spareModules, actor)}/delete`,
    body: () => ({}),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f) => `/modules/${f.module}/lessons`,
    body: () => ({ title: 'Materi Matriks', body: 'Isi' }),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f) => `/lessons/${f.lesson}`,
    body: () => ({ title: 'Materi 1', body: 'Isi yang diperbarui' }),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f) => `/lessons/${f.lesson}/move`,
    body: () => ({ direction: 'up' }),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f, actor) => `/lessons/${spare(f.spareLessons, actor)}/delete`,
    body: () => ({}),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f) => `/lessons/${f.lesson}/files`,
    send: upload('file', 'lembar-kerja.pdf', samples.pdf),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f) => `/lessons/${f.lesson}/video`,
    send: upload('video', 'demo.mp4', samples.mp4),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (f, actor) => `/lessons/${f.lesson}/files/${spare(f.spareFiles, actor)}/remove`,
    body: () => ({}),
    expected: programEditorsDo(303),
  },
  { method: 'get', path: (f) => `/programs/${f.program}/preview/files/${f.file}`, expected: programEditors },
  // A published file is not found by those who may not read its lesson.
  {
    method: 'get',
    path: (f) => `/programs/${f.program}/v/1/files/${f.file}`,
    expected: { ...programReaders, trainee: 404, coordinatorB: 404 },
  },
  { method: 'get', path: (f) => `/learn/${f.cohort}/files/${f.file}`, expected: traineePage },
  // --- cohorts and enrolment --------------------------------------------------------------------
  {
    method: 'post',
    path: () => '/cohorts',
    body: (f) => cohortFormOf(f),
    // Coordinator B may create cohorts, but not of institution A's program.
    expected: { ...cohortManagers(303), coordinatorB: 422 },
  },
  {
    method: 'post',
    path: (f) => `/cohorts/${f.cohort}`,
    // Its trainees study version 1: the version stays, whatever was published since.
    body: (f) => ({ ...cohortFormOf(f), version: '1', capacity: '12', instructors: f.owner }),
    expected: cohortManagers(303),
  },
  { method: 'post', path: (f) => `/cohorts/${f.cohort}/apply`, body: () => ({}), expected: traineeDoes(303) },
  {
    method: 'post',
    path: (f) => `/cohorts/${f.cohort}/enrolments`,
    body: (f) => ({ email: f.addableEmail }),
    expected: cohortManagers(303),
  },
  {
    method: 'post',
    path: (f) => `/cohorts/${f.cohort}/enrolments/import`,
    send: upload('file', 'peserta.csv', () => Buffer.from('name,email\nPeserta Web,peserta-web@example.id\n')),
    expected: cohortManagers(303),
  },
  {
    method: 'get',
    path: (f) => `/cohorts/${f.cohort}/enrolments/imports/${f.enrolmentImport}/links.csv`,
    expected: cohortManagers(200),
  },
  {
    method: 'post',
    path: (f) => `/enrolments/${f.toReject}/reject`,
    body: () => ({ reason: 'Kuota' }),
    expected: cohortManagers(303),
  },
  // Approved by hand (the trainee has no verdicts yet): a reason is needed.
  {
    method: 'post',
    path: (f) => `/enrolments/${f.toComplete}/complete`,
    body: () => ({ reason: 'Asesmen di tempat kerja' }),
    expected: cohortManagers(303),
  },
  {
    method: 'post',
    path: (f) => `/enrolments/${f.toWithdraw}/withdraw`,
    body: () => ({ reason: 'Pindah kota' }),
    expected: cohortManagers(303),
  },
  // --- counselling and learning -------------------------------------------------------------------
  {
    method: 'post',
    path: () => '/intake',
    body: (f) => ({ institution: f.institutionA, education: 'smk', schedule: 'weekend' }),
    expected: traineeDoes(303),
  },
  {
    method: 'post',
    path: (f) => `/counselling/${f.applicant}/sessions`,
    body: () => ({ requestId: randomUUID(), outcome: 'placement', notes: 'Matriks' }),
    expected: cohortManagers(303),
  },
  {
    method: 'post',
    path: (f) => `/counselling/sessions/${f.counsellingSession}/finish`,
    body: () => ({}),
    expected: cohortManagers(303),
  },
  {
    method: 'post',
    path: (f) => `/learn/${f.cohort}/lessons/${f.lesson}/complete`,
    body: () => ({}),
    expected: traineeDoes(303),
  },
  {
    method: 'post',
    path: (f) => `/learn/${f.cohort}/lessons/${f.lesson}/incomplete`,
    body: () => ({}),
    expected: traineeDoes(303),
  },
);

/** A new cohort of the matrix's program as its form sends it (admins name the institution). */
const cohortFormOf = (f: Fixtures) => cohortForm(f.program, { name: `Angkatan Web ${unique()}`, institution: f.institutionA });

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
    // Coordinator B may create cohorts, but not of institution A's program.
    expected: api({ coordinatorA: 201, coordinatorB: 422, admin: 201 }),
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
    body: () => ({ reason: 'Asesmen di tempat kerja' }),
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
    body: (f) => ({ ...cohortBody(f), version: 1, status: 'open', capacity: 12, instructors: [f.owner] }),
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
      events: [
        {
          id: 'matrix',
          account: f.applicant,
          cohort: f.cohort,
          lesson: f.lesson,
          kind: 'complete',
          at: new Date().toISOString(),
        },
      ],
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
    prepare: changeDraft,
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
  // Ends every session and token of the account: tried with an account like the actor's, made for it.
  { method: 'post', path: () => '/api/v1/me/logout-everywhere', throwaway: true, expected: everyone(200, 401) },
];

/** A new cohort of the matrix's program, as the API takes it (admins name the institution). */
function cohortBody(f: Fixtures) {
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
    counsellingSession: (await recordSession(coordinator, traineeId, sessionSchema.parse({ outcome: 'placement' }))).session.id,
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
  const spareModules = {} as PerActor;
  const spareLessons = {} as PerActor;
  for (const actor of actors) {
    spareModules[actor] = await createModule(instructor, program, moduleSchema.parse({ title: `Cadangan ${actor}`, hours: 1 }));
    // A module without lessons cannot be published.
    await createLesson(instructor, spareModules[actor], lessonSchema.parse({ title: `Isi cadangan ${actor}`, body: '-' }));
    spareLessons[actor] = await createLesson(instructor, module, lessonSchema.parse({ title: `Cadangan ${actor}`, body: '-' }));
  }
  return {
    unitCode,
    newUnitCode: 'J.620100.098.01',
    proposedCode,
    importJob,
    program,
    module,
    lesson,
    owner: instructorId,
    spareModules,
    spareLessons,
  };
}

/** Files on the lesson (one to publish, one per actor to remove) and tokens of the instructor, uploaded as users do. */
async function fileAndTokenFixtures(
  app: Parameters<typeof supertest>[0],
  instructorAgent: Agent,
  instructor: Actor & { email: string; password: string },
  lesson: string,
  program: string,
) {
  const attach = async (name: string) => {
    const response = await upload(
      'file',
      name,
      samples.pdf,
    )({ agent: instructorAgent, path: `/lessons/${lesson}/files` } as SendContext);
    expect(response.status, response.text.slice(0, 300)).to.equal(303);
    const stored = await Lesson.findById(lesson, { files: 1 }).lean();
    return String(stored!.files.at(-1));
  };
  const file = await attach('modul.pdf');
  await publishProgram(instructor, program);
  const spareFiles = {} as PerActor;
  const spareTokens = {} as PerActor;
  for (const actor of actors) {
    spareFiles[actor] = await attach(`cadangan-${actor}.pdf`);
    const issued = await supertest(app)
      .post('/api/v1/auth/token')
      .send({ email: instructor.email, password: instructor.password, name: `cadangan ${actor}` });
    spareTokens[actor] = issued.body.id;
  }
  return { file, spareFiles, spareTokens };
}

/** A route with a parameter covered by a row that names a real value (`/docs/competency-units`, `/units/export.csv`). */
function literalCovered(route: string, covered: Set<string>): boolean {
  const [method, path] = route.split(' ');
  const matcher = new RegExp(`^${method} ${path!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:x/g, '[^/]+')}$`);
  return [...covered].some((row) => matcher.test(row));
}

webRows.push(
  // --- issue 9: course outline (the cohort's trainee, as for its lessons) ---
  { method: 'get', path: (f) => `/learn/${f.cohort}`, expected: traineePage },
);
apiRows.push({ method: 'get', path: (f) => `/api/v1/cohorts/${f.cohort}/outline`, expected: api({ trainee: 200 }) });

apiRows.push(
  // --- issue 9: unit picker (any logged-in user may search units, as GET /api/v1/units) ---
  { method: 'get', path: () => '/api/v1/units/search', expected: everyone(200, 401) },
);

webRows.push(
  // --- issue 9: forgotten password ---
  { method: 'get', path: () => '/password/forgot', expected: everyone(200) },
  {
    method: 'post',
    path: () => '/password/forgot',
    // An address of its own per try: one address may ask only a few times (passwordResetRequests.ts).
    body: () => ({ contact: `lupa-${unique()}@contoh.test` }),
    expected: everyone(303),
  },
  { method: 'get', path: () => '/password/reset/not-a-valid-link', expected: everyone(404) },
  {
    method: 'post',
    path: () => '/password/reset/not-a-valid-link',
    body: () => ({ password: 'sandi-baru-123', passwordConfirm: 'sandi-baru-123' }),
    expected: everyone(404),
  },
  {
    method: 'get',
    path: () => '/password-resets',
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 200, coordinatorB: 200, admin: 200 },
  },
  {
    method: 'post',
    path: (f) => `/users/${f.traineeA}/password-reset-link`,
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 200, admin: 200 },
  },
);
apiRows.push({
  method: 'post',
  path: (f) => `/api/v1/users/${f.traineeA}/password-reset-link`,
  expected: api({ coordinatorA: 201, admin: 201 }),
});

webRows.push(
  // --- issue 9: safe actions (confirmation pages and undo). The matrix's own trainee stays
  // enrolled throughout: its confirmation pages open for whoever may decide, and for the trainee
  // their own withdrawal; refusing it is not possible from that state (409), nor undoing a
  // decision never made (409), but only the cohort's managers get that far. ---
  { method: 'get', path: (f) => `/enrolments/${f.cohort}:${f.applicant}/complete`, expected: cohortManagers(200) },
  { method: 'get', path: (f) => `/enrolments/${f.cohort}:${f.applicant}/reject`, expected: cohortManagers(409) },
  {
    method: 'get',
    path: (f) => `/enrolments/${f.cohort}:${f.applicant}/withdraw`,
    expected: { ...cohortManagers(200), trainee: 200 },
  },
  {
    method: 'post',
    path: (f) => `/enrolments/${f.cohort}:${f.applicant}/undo`,
    body: () => ({ change: randomUUID() }),
    expected: cohortManagers(409),
  },
);

webRows.push(
  // --- issue 9: images in lessons (the lesson's editors, as for its files; the alt text is required) ---
  {
    method: 'post',
    path: (f) => `/lessons/${f.lesson}/images`,
    send: async ({ agent, path }: SendContext) =>
      agent
        .post(path)
        .set('x-csrf-token', await csrfTokenOf(agent))
        .set('Accept-Language', 'id')
        .field('alt', 'Titik merah')
        .attach('image', samples.png(), 'titik.png'),
    expected: programEditorsDo(303),
  },
);

// --- issue 10: question bank (whoever edits the program: its instructor, coordinator A, admins).
// The questions rows open or change are made by their `prepare`, under ids fixed here, so the
// paths are known before the fixtures exist; each actor deletes a spare of its own. ---
const bankQuestion = String(new mongoose.Types.ObjectId());
const spareQuestionsOf = () =>
  Object.fromEntries(actors.map((actor) => [actor, String(new mongoose.Types.ObjectId())])) as PerActor;
const spareQuestions = { web: spareQuestionsOf(), api: spareQuestionsOf() };
/** Puts a question of the matrix's program under `id` if it is not there (an insert keyed by the id). */
const ensureQuestion = async (f: Fixtures, id: string) => {
  const content = questionContentSchema.parse({ type: 'essay', text: `Soal matriks ${id}` });
  await Question.updateOne(
    { _id: id },
    { $setOnInsert: { program: f.program, key: questionKey(content), revision: 1, content, createdBy: f.owner } },
    { upsert: true },
  );
};
const essayBody = () => ({ type: 'essay', text: `Soal matriks ${unique()}` });
webRows.push(
  { method: 'get', path: (f) => `/programs/${f.program}/questions`, expected: programEditors },
  { method: 'get', path: (f) => `/programs/${f.program}/questions/new`, expected: programEditors },
  { method: 'post', path: (f) => `/programs/${f.program}/questions`, body: essayBody, expected: programEditorsDo(303) },
  { method: 'get', path: (f) => `/programs/${f.program}/questions/import`, expected: programEditors },
  {
    method: 'post',
    path: (f) => `/programs/${f.program}/questions/import`,
    send: async ({ agent, path }: SendContext) =>
      agent
        .post(`${path}?_csrf=${encodeURIComponent(await csrfTokenOf(agent))}`)
        .set('Accept-Language', 'id')
        .field('text', `Soal impor matriks ${unique()} {}`),
    expected: programEditorsDo(303),
  },
  { method: 'get', path: (f) => `/programs/${f.program}/questions/export`, expected: programEditors },
  {
    method: 'get',
    path: () => `/questions/${bankQuestion}`,
    prepare: (f) => ensureQuestion(f, bankQuestion),
    expected: programEditors,
  },
  {
    method: 'get',
    path: () => `/questions/${bankQuestion}/edit`,
    prepare: (f) => ensureQuestion(f, bankQuestion),
    expected: programEditors,
  },
  {
    method: 'post',
    path: () => `/questions/${bankQuestion}`,
    prepare: (f) => ensureQuestion(f, bankQuestion),
    body: () => ({ type: 'essay', text: 'Soal matriks yang diubah' }),
    expected: programEditorsDo(303),
  },
  {
    method: 'post',
    path: (_f, actor) => `/questions/${actor ? spareQuestions.web[actor] : ':spareQuestion'}/delete`,
    prepare: (f, actor) => ensureQuestion(f, spareQuestions.web[actor]),
    expected: programEditorsDo(303),
  },
);
const bankApi = (status: number) => api({ instructor: status, coordinatorA: status, admin: status });
apiRows.push(
  { method: 'get', path: (f) => `/api/v1/programs/${f.program}/questions`, expected: bankApi(200) },
  {
    method: 'post',
    path: (f) => `/api/v1/programs/${f.program}/questions`,
    body: () => ({ content: essayBody() }),
    expected: bankApi(201),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/programs/${f.program}/question-imports`,
    body: () => ({ text: `Soal impor API ${unique()} {}` }),
    expected: bankApi(201),
  },
  {
    method: 'get',
    path: () => `/api/v1/questions/${bankQuestion}`,
    prepare: (f) => ensureQuestion(f, bankQuestion),
    expected: bankApi(200),
  },
  {
    method: 'put',
    path: () => `/api/v1/questions/${bankQuestion}`,
    prepare: (f) => ensureQuestion(f, bankQuestion),
    body: () => ({ content: { type: 'essay', text: 'Soal matriks yang diubah lewat API' } }),
    expected: bankApi(200),
  },
);
// API rows get no actor in their path: each actor's `prepare` names the spare its delete is tried on.
let apiSpareQuestion = spareQuestions.api.anonymous;
apiRows.push({
  method: 'delete',
  path: () => `/api/v1/questions/${apiSpareQuestion}`,
  prepare: async (f, actor) => {
    apiSpareQuestion = spareQuestions.api[actor];
    await ensureQuestion(f, apiSpareQuestion);
  },
  expected: bankApi(204),
});

// --- issue 10: question images (the bank's editors; trainees only through a quiz attempt, which
// the quizzes vouch for: without one, refused). One image of the matrix's program under an id
// fixed here, stored as the question form stores it (imports inside: this block is one edit; the
// model by name, as a second import of its module would define it again). ---
const bankImage = String(new mongoose.Types.ObjectId());
const ensureBankImage = async (f: Fixtures) => {
  const QuestionImage = mongoose.model('QuestionImage');
  if (await QuestionImage.exists({ _id: bankImage })) return;
  const { LocalDiskStorage } = await import('../../src/files/storage.js');
  const { newStorageKey } = await import('../../src/files/names.js');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const folder = `${process.env.TEST_UPLOAD_DIR}/.tmp`;
  await mkdir(folder, { recursive: true });
  const temporary = `${folder}/${bankImage}.part`;
  await writeFile(temporary, samples.png());
  const key = newStorageKey();
  await new LocalDiskStorage(process.env.TEST_UPLOAD_DIR!).save(key, temporary);
  await StoredFile.create({
    _id: bankImage,
    key,
    originalName: 'titik.png',
    mimeType: 'image/png',
    kind: 'image',
    size: samples.png().length,
    sha256: 'matrix',
    image: { width: 1, height: 1, variants: [] },
  });
  await QuestionImage.create({ _id: bankImage, program: f.program, width: 1, height: 1, widths: [] });
};
webRows.push({
  method: 'get',
  path: () => `/questions/${bankQuestion}/images/${bankImage}`,
  prepare: async (f) => {
    await ensureQuestion(f, bankQuestion);
    await ensureBankImage(f);
  },
  expected: programEditors,
});

// --- issue 10: assignments (the staff teaching the cohort: its instructor, coordinator A, admins;
// submitting: the cohort's trainee). One assignment under an id fixed here, with a submission of
// the matrix's trainee holding the lesson's file; each row's `prepare` puts them back as it needs
// them (submitted, not graded), so the order of actors does not matter. Deleting is refused (409)
// because the submission exists. ---
const matrixAssignment = String(new mongoose.Types.ObjectId());
let matrixAssignmentRevision = 1;
const ensureAssignment = async (f: Fixtures) => {
  // Assignments assess criteria: the matrix's unit gets one.
  await CompetencyUnit.updateOne(
    { code: f.unitCode, 'elements.0.criteria.0': { $exists: false } },
    { $set: { 'elements.0.criteria': [{ no: '1.1', text: 'Kriteria matriks' }] } },
  );
  await Assignment.updateOne(
    { _id: matrixAssignment },
    {
      $setOnInsert: {
        cohort: f.cohort,
        unit: f.unitCode,
        criteria: [`${f.unitCode}#1.1`],
        title: 'Tugas matriks',
        dueAt: new Date(Date.now() + 30 * 86_400_000),
        kinds: ['image', 'document'],
        maxFiles: 5,
        createdBy: f.owner,
        revision: 1,
      },
    },
    { upsert: true },
  );
  matrixAssignmentRevision = (await Assignment.findById(matrixAssignment).lean())!.revision;
  const file = (await StoredFile.findById(f.file).lean())!;
  const ref = { id: f.file, name: file.originalName, size: file.size, mimeType: file.mimeType, sha256: file.sha256 };
  await Submission.updateOne(
    { _id: `${matrixAssignment}:${f.applicant}` },
    {
      $set: { status: 'submitted', grade: null, files: [ref], text: 'Kiriman matriks', revision: 1, submittedAt: new Date() },
      $setOnInsert: { assignment: matrixAssignment, cohort: f.cohort, trainee: f.applicant, round: 1 },
    },
    { upsert: true },
  );
};
const assignmentStaff = (status: number): Expected => ({
  ...cohortStaff,
  instructor: status,
  coordinatorA: status,
  admin: status,
});
const matrixDue = () => new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
/** Later than any due date the rows above set: an extension must be. */
const matrixExtension = () => new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
const assignmentFormBody = (f: Fixtures) => ({
  title: `Tugas matriks ${unique()}`,
  unit: f.unitCode,
  criteria: `${f.unitCode}#1.1`,
  dueDay: matrixDue(),
  dueTime: '17:00',
  kinds: 'image',
  maxFiles: '2',
});
const assignmentPrepare = (f: Fixtures) => ensureAssignment(f);
webRows.push(
  {
    method: 'get',
    path: (f) => `/cohorts/${f.cohort}/assignments`,
    prepare: assignmentPrepare,
    expected: { ...cohortStaff, trainee: 200 },
  },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/assignments/new`, prepare: assignmentPrepare, expected: cohortStaff },
  {
    method: 'post',
    path: (f) => `/cohorts/${f.cohort}/assignments`,
    prepare: assignmentPrepare,
    body: assignmentFormBody,
    expected: assignmentStaff(303),
  },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/assignments/download`, prepare: assignmentPrepare, expected: cohortStaff },
  {
    method: 'get',
    path: () => `/assignments/${matrixAssignment}`,
    prepare: assignmentPrepare,
    expected: { ...cohortStaff, trainee: 200 },
  },
  { method: 'get', path: () => `/assignments/${matrixAssignment}/edit`, prepare: assignmentPrepare, expected: cohortStaff },
  {
    method: 'post',
    path: () => `/assignments/${matrixAssignment}`,
    prepare: assignmentPrepare,
    body: assignmentFormBody,
    expected: assignmentStaff(303),
  },
  {
    method: 'post',
    path: () => `/assignments/${matrixAssignment}/delete`,
    prepare: assignmentPrepare,
    expected: assignmentStaff(409),
  },
  { method: 'get', path: () => `/assignments/${matrixAssignment}/download`, prepare: assignmentPrepare, expected: cohortStaff },
  {
    method: 'post',
    path: () => `/assignments/${matrixAssignment}/submission`,
    prepare: assignmentPrepare,
    body: () => ({ text: 'Kiriman matriks' }),
    expected: { ...everyone(403), anonymous: 302, trainee: 303 },
  },
  {
    // A file the submission does not hold: its trainee is told not found, everyone else may not ask.
    method: 'post',
    path: () => `/assignments/${matrixAssignment}/submission/files/${matrixAssignment}/remove`,
    prepare: assignmentPrepare,
    expected: { ...everyone(403), anonymous: 302, trainee: 404 },
  },
  {
    method: 'get',
    path: (f) => `/assignments/${matrixAssignment}/submissions/${f.applicant}/files/${f.file}`,
    prepare: assignmentPrepare,
    expected: { ...cohortStaff, trainee: 200 },
  },
  {
    method: 'post',
    path: () => `/assignments/${matrixAssignment}/extensions`,
    prepare: assignmentPrepare,
    body: (f) => ({ trainee: f.applicant, dueDay: matrixExtension(), dueTime: '12:00', reason: 'Matriks' }),
    expected: assignmentStaff(303),
  },
  {
    method: 'get',
    path: (f) => `/assignments/${matrixAssignment}/submissions/${f.applicant}`,
    prepare: assignmentPrepare,
    expected: cohortStaff,
  },
  {
    method: 'post',
    path: (f) => `/assignments/${matrixAssignment}/submissions/${f.applicant}/grade`,
    prepare: assignmentPrepare,
    body: () => ({ revision: '1', 'met-0': 'yes', decision: 'accepted' }),
    expected: assignmentStaff(303),
  },
);
const assignmentApi = (status: number) => api({ instructor: status, coordinatorA: status, admin: status });
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/assignments`,
    prepare: assignmentPrepare,
    expected: api({ trainee: 200, instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/cohorts/${f.cohort}/assignments`,
    prepare: assignmentPrepare,
    body: (f) => ({
      title: `Tugas API ${unique()}`,
      unit: f.unitCode,
      criteria: [`${f.unitCode}#1.1`],
      dueAt: `${matrixDue()}T17:00:00+07:00`,
      kinds: ['image'],
      maxFiles: 2,
    }),
    expected: assignmentApi(201),
  },
  {
    method: 'put',
    path: () => `/api/v1/assignments/${matrixAssignment}`,
    prepare: assignmentPrepare,
    body: (f) => ({
      title: 'Tugas matriks (API)',
      unit: f.unitCode,
      criteria: [`${f.unitCode}#1.1`],
      dueAt: `${matrixDue()}T17:00:00+07:00`,
      kinds: ['image'],
      maxFiles: 2,
      revision: matrixAssignmentRevision,
    }),
    expected: assignmentApi(200),
  },
  {
    method: 'delete',
    path: () => `/api/v1/assignments/${matrixAssignment}`,
    prepare: assignmentPrepare,
    expected: assignmentApi(409),
  },
  {
    method: 'put',
    path: () => `/api/v1/assignments/${matrixAssignment}/submission`,
    prepare: assignmentPrepare,
    body: () => ({ text: 'Kiriman matriks lewat API' }),
    expected: api({ trainee: 200 }),
  },
  {
    method: 'put',
    path: (f) => `/api/v1/assignments/${matrixAssignment}/extensions/${f.applicant}`,
    prepare: assignmentPrepare,
    body: () => ({ dueAt: `${matrixExtension()}T12:00:00+07:00`, reason: 'Matriks' }),
    expected: assignmentApi(200),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/assignments/${matrixAssignment}/submissions/${f.applicant}/grade`,
    prepare: assignmentPrepare,
    body: (f) => ({ revision: 1, criteria: [{ ref: `${f.unitCode}#1.1`, met: true }], decision: 'accepted' }),
    expected: assignmentApi(200),
  },
);

// --- issue 10: practical observations (recording: the staff teaching the cohort, its instructor,
// coordinator A and admins; reading one: also the trainee it is about). One observation of the
// matrix's trainee under an id fixed here, put back at revision 1 before each try, so an edit or a
// delete allowed to one actor leaves the next the same to try. ---
const matrixObservation = String(new mongoose.Types.ObjectId());
const ensureObservation = async (f: Fixtures) => {
  // Observations assess criteria: the matrix's unit gets one.
  await CompetencyUnit.updateOne(
    { code: f.unitCode, 'elements.0.criteria.0': { $exists: false } },
    { $set: { 'elements.0.criteria': [{ no: '1.1', text: 'Kriteria matriks' }] } },
  );
  await Observation.updateOne(
    { _id: matrixObservation },
    {
      $set: { revision: 1 },
      $setOnInsert: {
        cohort: f.cohort,
        trainee: f.applicant,
        unit: f.unitCode,
        observedAt: new Date(Date.now() - 86_400_000),
        activity: 'Observasi matriks',
        criteria: [{ ref: `${f.unitCode}#1.1`, met: true, comment: '' }],
        observer: f.owner,
      },
    },
    { upsert: true },
  );
};
const observationPrepare = (f: Fixtures) => ensureObservation(f);
const observedDay = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const observationFormBody = (f: Fixtures) => ({
  trainee: f.applicant,
  unit: f.unitCode,
  observedDay: observedDay(),
  observedTime: '09:00',
  activity: `Observasi matriks ${unique()}`,
  'ref-0': `${f.unitCode}#1.1`,
  'met-0': 'yes',
  revision: '1',
});
const observationStaff = (status: number): Expected => ({
  ...cohortStaff,
  instructor: status,
  coordinatorA: status,
  admin: status,
});
webRows.push(
  {
    method: 'get',
    path: (f) => `/cohorts/${f.cohort}/observations`,
    prepare: observationPrepare,
    expected: { ...cohortStaff, trainee: 200 },
  },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/observations/new`, prepare: observationPrepare, expected: cohortStaff },
  {
    method: 'post',
    path: (f) => `/cohorts/${f.cohort}/observations`,
    prepare: observationPrepare,
    body: observationFormBody,
    expected: observationStaff(303),
  },
  {
    method: 'get',
    path: () => `/observations/${matrixObservation}`,
    prepare: observationPrepare,
    expected: { ...cohortStaff, trainee: 200 },
  },
  { method: 'get', path: () => `/observations/${matrixObservation}/edit`, prepare: observationPrepare, expected: cohortStaff },
  {
    method: 'post',
    path: () => `/observations/${matrixObservation}`,
    prepare: observationPrepare,
    body: observationFormBody,
    expected: observationStaff(303),
  },
  {
    method: 'post',
    path: () => `/observations/${matrixObservation}/delete`,
    prepare: observationPrepare,
    body: () => ({ revision: '1' }),
    expected: observationStaff(303),
  },
);
const observationApi = (status: number) => api({ instructor: status, coordinatorA: status, admin: status });
const observationApiBody = (f: Fixtures) => ({
  observedAt: `${observedDay()}T09:00:00+07:00`,
  activity: `Observasi API ${unique()}`,
  criteria: [{ ref: `${f.unitCode}#1.1`, met: false, comment: 'Matriks' }],
});
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/observations`,
    prepare: observationPrepare,
    expected: api({ trainee: 200, instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/cohorts/${f.cohort}/observations`,
    prepare: observationPrepare,
    body: (f) => ({ trainee: f.applicant, unit: f.unitCode, ...observationApiBody(f) }),
    expected: observationApi(201),
  },
  {
    method: 'get',
    path: () => `/api/v1/observations/${matrixObservation}`,
    prepare: observationPrepare,
    expected: api({ trainee: 200, instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'put',
    path: () => `/api/v1/observations/${matrixObservation}`,
    prepare: observationPrepare,
    body: (f) => ({ ...observationApiBody(f), revision: 1 }),
    expected: observationApi(200),
  },
  {
    method: 'delete',
    path: () => `/api/v1/observations/${matrixObservation}`,
    prepare: observationPrepare,
    expected: observationApi(204),
  },
);

webRows.push(
  // --- issue 10: gradebook (the cohort's staff: its instructor, coordinator A, admins) and the
  // trainee's own results (the cohort's trainee) ---
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/gradebook`, expected: cohortStaff },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/gradebook.csv`, expected: cohortStaff },
  { method: 'get', path: (f) => `/learn/${f.cohort}/results`, expected: traineePage },
);
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/gradebook`,
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  { method: 'get', path: (f) => `/api/v1/cohorts/${f.cohort}/my-results`, expected: api({ trainee: 200 }) },
);

// --- issue 10: verdicts (the drill-down: the cohort's staff; deciding and re-assessment: the
// cohort's own instructor only, coordinators and admins read). Each row's `prepare` puts the
// matrix trainee's unit result in the state the change needs and keeps its revision. ---
let matrixVerdictRevision = 0;
const verdictPrepare = (verdict: 'BK' | null) => async (f: Fixtures) => {
  await ensureAssignment(f); // the unit's criterion
  const UnitResult = mongoose.model('UnitResult'); // registered by the app (results/model.ts)
  const id = `${f.cohort}:${f.applicant}:${f.unitCode}`;
  await UnitResult.updateOne(
    { _id: id },
    {
      $set: {
        reassessment: null,
        ...(verdict
          ? { verdict: { status: verdict, proposed: null, reason: 'Matriks', evidence: [], by: f.owner, at: new Date() } }
          : {}),
      },
      $setOnInsert: { cohort: f.cohort, trainee: f.applicant, unit: f.unitCode },
    },
    { upsert: true },
  );
  matrixVerdictRevision = (await UnitResult.findById(id).lean<{ verdictRevision: number }>())!.verdictRevision;
};
const verdictPath = (f: Fixtures) => `/cohorts/${f.cohort}/trainees/${f.applicant}/units/${f.unitCode}`;
const verdictDecider = (status: number): Expected => ({ ...cohortStaff, instructor: status, coordinatorA: 403, admin: 403 });
webRows.push(
  { method: 'get', path: (f) => verdictPath(f), prepare: verdictPrepare(null), expected: cohortStaff },
  {
    method: 'post',
    path: (f) => `${verdictPath(f)}/verdict`,
    prepare: verdictPrepare(null),
    body: () => ({ status: 'K', reason: 'Matriks', revision: String(matrixVerdictRevision) }),
    expected: verdictDecider(303),
  },
  {
    method: 'post',
    path: (f) => `${verdictPath(f)}/reassessment`,
    prepare: verdictPrepare('BK'),
    body: () => ({ note: 'Ulangi', revision: String(matrixVerdictRevision) }),
    expected: verdictDecider(303),
  },
);
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1${verdictPath(f)}`,
    prepare: verdictPrepare(null),
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'put',
    path: (f) => `/api/v1${verdictPath(f)}/verdict`,
    prepare: verdictPrepare(null),
    body: () => ({ status: 'BK', reason: 'Matriks', revision: matrixVerdictRevision }),
    expected: api({ instructor: 200 }),
  },
  {
    method: 'post',
    path: (f) => `/api/v1${verdictPath(f)}/reassessment`,
    prepare: verdictPrepare('BK'),
    body: () => ({ note: 'Ulangi', revision: matrixVerdictRevision }),
    expected: api({ instructor: 200 }),
  },
);

// --- issue 10: quizzes (setting up, reviewing and marking: the staff teaching the cohort, its
// instructor, coordinator A and admins; taking: the cohort's trainee, whose attempt nobody else can
// see or answer: 404). One quiz of two bank questions (single choice, essay) and an attempt of
// the matrix's trainee, under ids fixed here; each row's `prepare` puts the attempt in the state
// it needs (open, or waiting for its essay to be marked). Deleting is refused (409): it is started. ---
const matrixQuiz = String(new mongoose.Types.ObjectId());
const quizChoice = String(new mongoose.Types.ObjectId());
const quizEssay = String(new mongoose.Types.ObjectId());
const matrixAttempt = (f: Fixtures) => `${matrixQuiz}.${f.applicant}.1`;
const matrixAttemptPath = (f: Fixtures) => encodeURIComponent(matrixAttempt(f));
const ensureQuiz = async (f: Fixtures, status: 'open' | 'needsGrading' = 'open') => {
  const choice = questionContentSchema.parse({
    type: 'single',
    text: 'Pilihan matriks',
    units: [f.unitCode],
    options: [
      { id: 'a', text: 'Ya', correct: true },
      { id: 'b', text: 'Tidak' },
    ],
  });
  const essay = questionContentSchema.parse({ type: 'essay', text: 'Esai matriks', units: [f.unitCode] });
  for (const [id, content] of [
    [quizChoice, choice],
    [quizEssay, essay],
  ] as const)
    await Question.updateOne(
      { _id: id },
      { $setOnInsert: { program: f.program, key: questionKey(content), revision: 1, content, createdBy: f.owner } },
      { upsert: true },
    );
  await Quiz.updateOne(
    { _id: matrixQuiz },
    {
      $set: { revision: 1 },
      $setOnInsert: {
        cohort: f.cohort,
        program: f.program,
        title: 'Kuis matriks',
        unit: f.unitCode,
        units: [f.unitCode],
        questions: [quizChoice, quizEssay],
        attemptsAllowed: 0,
        passMark: 50,
        createdBy: f.owner,
      },
    },
    { upsert: true },
  );
  const questions = [
    { id: quizChoice, revision: 1, content: choice, order: ['a', 'b'], points: 1 },
    { id: quizEssay, revision: 1, content: essay, order: [], points: 1 },
  ];
  await QuizAttempt.updateOne(
    { _id: matrixAttempt(f) },
    {
      $set: { status, submission: null, marks: {}, position: 0, answersShownAt: null, deadline: null, questions },
      $setOnInsert: {
        quiz: matrixQuiz,
        cohort: f.cohort,
        trainee: f.applicant,
        number: 1,
        startedAt: new Date(),
        passMark: 50,
        maxScore: 2,
      },
    },
    { upsert: true },
  );
};
const quizStaff = (status: number): Expected => ({ ...cohortStaff, instructor: status, coordinatorA: status, admin: status });
const quizTrainee = (status: number): Expected => ({ ...everyone(404), anonymous: 302, trainee: status });
const quizFormBody = (f: Fixtures) => ({
  title: `Kuis matriks ${unique()}`,
  target: `unit:${f.unitCode}`,
  mode: 'fixed',
  questions: quizChoice,
  attemptsAllowed: '1',
  passMark: '70',
  navigation: 'free',
  reviewScore: 'immediately',
  reviewAnswers: 'afterClose',
  reviewFeedback: 'immediately',
});
const quizApiBody = (f: Fixtures) => ({
  title: `Kuis API ${unique()}`,
  target: `unit:${f.unitCode}`,
  mode: 'fixed',
  questions: [quizChoice],
  timeLimit: null,
  attemptsAllowed: 1,
  passMark: 70,
  navigation: 'free',
  review: { score: 'immediately', answers: 'afterClose', feedback: 'immediately' },
});
const quizPrepare = (f: Fixtures) => ensureQuiz(f);
const markingPrepare = (f: Fixtures) => ensureQuiz(f, 'needsGrading');
webRows.push(
  {
    method: 'get',
    path: (f) => `/cohorts/${f.cohort}/quizzes`,
    prepare: quizPrepare,
    expected: { ...cohortStaff, trainee: 200 },
  },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/quizzes/new`, prepare: quizPrepare, expected: cohortStaff },
  {
    method: 'post',
    path: (f) => `/cohorts/${f.cohort}/quizzes`,
    prepare: quizPrepare,
    body: quizFormBody,
    expected: quizStaff(303),
  },
  { method: 'get', path: () => `/quizzes/${matrixQuiz}`, prepare: quizPrepare, expected: { ...cohortStaff, trainee: 200 } },
  { method: 'get', path: () => `/quizzes/${matrixQuiz}/edit`, prepare: quizPrepare, expected: cohortStaff },
  { method: 'post', path: () => `/quizzes/${matrixQuiz}`, prepare: quizPrepare, body: quizFormBody, expected: quizStaff(303) },
  { method: 'post', path: () => `/quizzes/${matrixQuiz}/delete`, prepare: quizPrepare, expected: quizStaff(409) },
  {
    method: 'post',
    path: () => `/quizzes/${matrixQuiz}/questions/${quizChoice}/regrade`,
    prepare: quizPrepare,
    expected: quizStaff(303),
  },
  {
    method: 'post',
    path: () => `/quizzes/${matrixQuiz}/attempts`,
    prepare: quizPrepare,
    expected: { ...cohortStaff, instructor: 403, coordinatorA: 403, admin: 403, trainee: 303 },
  },
  {
    method: 'get',
    path: (f) => `/quiz-attempts/${matrixAttemptPath(f)}`,
    prepare: quizPrepare,
    expected: { ...cohortStaff, trainee: 200 },
  },
  {
    method: 'post',
    path: (f) => `/quiz-attempts/${matrixAttemptPath(f)}/answers`,
    prepare: quizPrepare,
    body: () => ({ shown: quizChoice, [`q-${quizChoice}`]: 'a' }),
    expected: quizTrainee(303),
  },
  {
    method: 'post',
    path: (f) => `/quiz-attempts/${matrixAttemptPath(f)}/submit`,
    prepare: quizPrepare,
    expected: quizTrainee(303),
  },
  {
    method: 'post',
    path: (f) => `/quiz-attempts/${matrixAttemptPath(f)}/marks/${quizEssay}`,
    prepare: markingPrepare,
    body: () => ({ points: '1', comment: 'Baik', replaces: '' }),
    expected: quizStaff(303),
  },
);
const quizApi = (status: number) => api({ instructor: status, coordinatorA: status, admin: status });
const attemptApi = (status: number) => api({ trainee: status }, 404);
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/quizzes`,
    prepare: quizPrepare,
    expected: api({ trainee: 200, instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/cohorts/${f.cohort}/quizzes`,
    prepare: quizPrepare,
    body: quizApiBody,
    expected: quizApi(201),
  },
  {
    method: 'get',
    path: () => `/api/v1/quizzes/${matrixQuiz}`,
    prepare: quizPrepare,
    expected: api({ trainee: 200, instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'put',
    path: () => `/api/v1/quizzes/${matrixQuiz}`,
    prepare: quizPrepare,
    body: (f) => ({ ...quizApiBody(f), revision: 1 }),
    expected: quizApi(200),
  },
  { method: 'delete', path: () => `/api/v1/quizzes/${matrixQuiz}`, prepare: quizPrepare, expected: quizApi(409) },
  { method: 'get', path: () => `/api/v1/quizzes/${matrixQuiz}/attempts`, prepare: quizPrepare, expected: quizApi(200) },
  { method: 'post', path: () => `/api/v1/quizzes/${matrixQuiz}/attempts`, prepare: quizPrepare, expected: api({ trainee: 201 }) },
  {
    method: 'post',
    path: () => `/api/v1/quizzes/${matrixQuiz}/questions/${quizChoice}/regrade`,
    prepare: quizPrepare,
    expected: quizApi(200),
  },
  {
    method: 'get',
    path: (f) => `/api/v1/quiz-attempts/${matrixAttemptPath(f)}`,
    prepare: quizPrepare,
    expected: attemptApi(200),
  },
  {
    method: 'put',
    path: (f) => `/api/v1/quiz-attempts/${matrixAttemptPath(f)}/answers/${quizChoice}`,
    prepare: quizPrepare,
    body: () => ({ response: 'a' }),
    expected: attemptApi(200),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/quiz-attempts/${matrixAttemptPath(f)}/answers`,
    prepare: quizPrepare,
    body: () => ({ answers: [{ question: quizChoice, response: 'b' }] }),
    expected: attemptApi(200),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/quiz-attempts/${matrixAttemptPath(f)}/submission`,
    prepare: quizPrepare,
    body: () => ({}),
    expected: attemptApi(200),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/quiz-attempts/${matrixAttemptPath(f)}/marks/${quizEssay}`,
    prepare: markingPrepare,
    body: () => ({ points: 1, comment: 'Baik', replaces: null }),
    expected: quizApi(200),
  },
);

// --- issue 11: live-session scheduling (the cohort's staff schedule; its trainee sees; the feed is by token) ---
const liveSessions: Record<string, string> = {};
const liveFeed: { token?: string } = {};
/** The API rows' session of the actor being tried (their path is asked without the actor, after `prepare`). */
const liveCurrent: Record<string, string> = {};
const liveApiPrepare = (what: string) => async (f: Fixtures, actor: ActorName) => {
  await livePrepare(f);
  liveCurrent[what] = liveSessions[`${what}:${actor}`]!;
};
let liveMinutes = 0;
/** A start within the matrix cohort's dates (it opens in 7 days), a new minute each time: one session per start. */
const liveBase = Date.parse(`${new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10)}T01:00:00Z`);
const liveStart = () => {
  liveMinutes += 1;
  return new Date(liveBase + liveMinutes * 60_000);
};
const liveWib = (date: Date) => new Date(date.getTime() + 7 * 3600_000).toISOString();
/** Sessions for each actor's move and cancel (each needs one at revision 1), one to edit, and the trainee's feed. */
async function livePrepare(f: Fixtures): Promise<void> {
  const teacher: Actor = { id: f.owner, role: 'instructor', institution: f.institutionA };
  for (const key of [
    'edit',
    ...['move', 'cancel', 'put', 'delete'].flatMap((what) => actors.map((actor) => `${what}:${actor}`)),
  ]) {
    if (liveSessions[key]) continue;
    const input = { title: `Sesi ${key}`, startsAt: liveStart(), durationMinutes: 60, module: '', meetingUrl: '' };
    liveSessions[key] = (await createSession(teacher, f.cohort, input)).id;
  }
  const trainee = await mongoose
    .model('Enrollment')
    .findOne({ cohort: f.cohort, status: 'enrolled' })
    .lean<{ trainee: unknown }>();
  liveFeed.token ??= await feedToken({ id: String(trainee!.trainee), role: 'trainee', institution: f.institutionA });
}
const liveOf = (f: Fixtures, what: string, actor: ActorName | undefined) => (actor ? liveSessions[`${what}:${actor}`] : f.cohort);
const liveFormBody = () => {
  const at = liveWib(liveStart());
  return {
    title: 'Sesi matriks',
    day: at.slice(0, 10),
    time: at.slice(11, 16),
    durationMinutes: '60',
    module: '',
    meetingUrl: '',
  };
};
const liveStaff = (status: number): Expected => ({ ...cohortStaff, instructor: status, coordinatorA: status, admin: status });
webRows.push(
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/live`, prepare: livePrepare, expected: { ...cohortStaff, trainee: 200 } },
  { method: 'post', path: (f) => `/cohorts/${f.cohort}/live`, body: liveFormBody, expected: liveStaff(303) },
  {
    method: 'post',
    path: (f) => `/cohorts/${f.cohort}/live/generate`,
    body: () => ({ slotTitle: 'Mingguan', from: liveWib(liveStart()).slice(0, 10), to: liveWib(liveStart()).slice(0, 10) }),
    expected: liveStaff(422), // the matrix cohort has no weekly slot: past the permission, refused for that
  },
  { method: 'get', path: (f, actor) => `/live/${actor ? liveSessions.edit : f.cohort}/edit`, expected: cohortStaff },
  {
    method: 'post',
    path: (f, actor) => `/live/${liveOf(f, 'move', actor)}`,
    body: () => ({ ...liveFormBody(), revision: '1' }),
    expected: liveStaff(303),
  },
  {
    method: 'post',
    path: (f, actor) => `/live/${liveOf(f, 'cancel', actor)}/cancel`,
    body: () => ({ revision: '1' }),
    expected: liveStaff(303),
  },
  { method: 'get', path: (f) => `/calendar/${liveFeed.token ?? f.cohort}.ics`, expected: everyone(200) },
  { method: 'post', path: () => '/calendar/reset', expected: everyone(303, 302) },
);
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/live-sessions`,
    expected: api({ trainee: 200, instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/cohorts/${f.cohort}/live-sessions`,
    body: () => ({ title: 'Sesi API', startsAt: liveStart().toISOString(), durationMinutes: 60 }),
    expected: api({ instructor: 201, coordinatorA: 201, admin: 201 }),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/cohorts/${f.cohort}/live-sessions/generate`,
    body: () => ({ title: 'Mingguan', from: liveWib(liveStart()).slice(0, 10), to: liveWib(liveStart()).slice(0, 10) }),
    expected: api({ instructor: 422, coordinatorA: 422, admin: 422 }),
  },
  {
    method: 'put',
    path: (f) => `/api/v1/live-sessions/${liveCurrent.put ?? f.cohort}`,
    prepare: liveApiPrepare('put'),
    body: () => ({ title: 'Sesi API', startsAt: liveStart().toISOString(), durationMinutes: 45, revision: 1 }),
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'delete',
    path: (f) => `/api/v1/live-sessions/${liveCurrent.delete ? `${liveCurrent.delete}?revision=1` : f.cohort}`,
    prepare: liveApiPrepare('delete'),
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
);

webRows.push(
  // --- issue 11: live-class slides (the class's staff upload; its trainees and staff see the pages) ---
  {
    method: 'post',
    path: (f) => `/live/${f.cohort}/slides`,
    prepare: livePrepare,
    send: async (context) =>
      upload('slides', 'slide.png', () => samples.png())({ ...context, path: `/live/${liveSessions.edit}/slides` }),
    expected: liveStaff(303),
  },
  {
    method: 'get',
    path: (f) => `/live/${f.cohort}/slides/${f.file}/1`,
    prepare: livePrepare,
    send: async ({ agent, fixtures }) => agent.get(await liveSlideUrl(fixtures)),
    expected: { ...cohortStaff, trainee: 200 },
  },
);
/** A page of a deck the instructor uploaded to the matrix's session (made once, through the service). */
const liveSlide: { url?: string } = {};
async function liveSlideUrl(f: Fixtures): Promise<string> {
  if (liveSlide.url) return liveSlide.url;
  const files = filesWith(process.env.TEST_UPLOAD_DIR!);
  const temporary = `${files.temporaryFolder}/matrix-slide-${unique()}.part`;
  await mkdir(files.temporaryFolder, { recursive: true });
  await writeFile(temporary, samples.png());
  const teacher: Actor = { id: f.owner, role: 'instructor', institution: f.institutionA };
  try {
    const shown = await uploadDeck(teacher, liveSessions.edit!, [{ path: temporary, originalName: 'slide.png', size: 70 }], {
      files,
      live: { broadcast: () => {} },
    });
    liveSlide.url = shown.deck!.pages[0]!.sources[0]!.url;
    return liveSlide.url;
  } finally {
    await rm(temporary, { force: true });
  }
}

// --- issue 11: live-class attendance reports (the class's staff) and transcripts (its staff and trainees) ---
const liveReportOf = (f: Fixtures, actor: ActorName | undefined) => (actor ? liveSessions.edit : f.cohort);
webRows.push(
  { method: 'get', path: (f, actor) => `/live/${liveReportOf(f, actor)}/report`, prepare: livePrepare, expected: cohortStaff },
  {
    method: 'get',
    path: (f, actor) => `/live/${liveReportOf(f, actor)}/report.csv`,
    prepare: livePrepare,
    expected: cohortStaff,
  },
  {
    method: 'get',
    path: (f, actor) => `/live/${liveReportOf(f, actor)}/transcript`,
    prepare: livePrepare,
    expected: { ...cohortStaff, trainee: 200 },
  },
  {
    method: 'get',
    path: (f, actor) => `/live/${liveReportOf(f, actor)}/transcript.csv`,
    prepare: livePrepare,
    expected: { ...cohortStaff, trainee: 200 },
  },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/live/report`, expected: cohortStaff },
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/live/report.csv`, expected: cohortStaff },
);
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1/live-sessions/${liveSessions.edit ?? f.cohort}/report`,
    prepare: livePrepare,
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/live-report`,
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
);

// --- issue 11: the live room's page (its trainees and staff; the socket checks every event again) ---
webRows.push({
  method: 'get',
  path: (f, actor) => `/live/${liveReportOf(f, actor)}/room`,
  prepare: livePrepare,
  expected: { ...cohortStaff, trainee: 200 },
});

// --- issue 12: certification delivery (certification/delivery/, results/). An LSP's credentials:
// admins. A batch's webhook pushes and route-back: coordinator A (its institution; admins see but
// do not hand off: 403; anyone else is told it does not exist: 404). The results API takes an LSP's
// token only: every user's token is 401. A handed batch of institution A, a push of it and a "not
// certified" result under ids fixed here (models by name: this block is one edit). ---
const deliveryLsp = String(new mongoose.Types.ObjectId());
const deliveryBatch = String(new mongoose.Types.ObjectId());
const deliveryPush = String(new mongoose.Types.ObjectId());
const deliveryRecord = String(new mongoose.Types.ObjectId());
const deliveryResult = `${deliveryBatch}:${deliveryRecord}`;
const deliveryPrepare = async (f: Fixtures) => {
  const upsert = (model: string, id: string, fields: Record<string, unknown>) =>
    mongoose.model(model).updateOne({ _id: id }, { $setOnInsert: fields }, { upsert: true });
  await upsert('Lsp', deliveryLsp, {
    name: 'LSP Matriks',
    licenceNumber: `BNSP-MATRIKS-${deliveryLsp}`,
    schemes: [],
    webhookUrl: 'http://127.0.0.1:9/hook',
    active: true,
  });
  await upsert('HandoffBatch', deliveryBatch, {
    institution: f.institutionA,
    lsp: deliveryLsp,
    scheme: 'MATRIKS',
    records: [deliveryRecord],
    items: [],
    status: 'handed',
    createdBy: f.owner,
    handedAt: new Date(),
    requestKey: `matrix-${deliveryBatch}`,
  });
  // A push waiting for its next attempt (no worker runs here), so "retry now" and "send again" find it.
  await mongoose.model('WebhookDelivery').updateOne(
    { _id: deliveryPush },
    {
      $set: { status: 'pending', activeKey: deliveryBatch },
      $setOnInsert: {
        batch: deliveryBatch,
        lsp: deliveryLsp,
        institution: f.institutionA,
        url: 'http://127.0.0.1:9/hook',
        nextAttemptAt: new Date(Date.now() + 3_600_000),
        giveUpAt: new Date(Date.now() + 86_400_000),
        queuedBy: f.owner,
      },
    },
    { upsert: true },
  );
  await upsert('CertificationResult', deliveryResult, {
    batch: deliveryBatch,
    lsp: deliveryLsp,
    institution: f.institutionA,
    cohort: f.cohort,
    trainee: f.applicant,
    record: deliveryRecord,
    recordCode: 'MATRIKS00001',
    outcome: 'notCertified',
    units: [{ code: f.unitCode, title: { id: 'Unit', en: 'Unit' } }],
    at: new Date(),
  });
};
const lspAdminPage = (status: number): Expected => ({ ...everyone(403), anonymous: 302, admin: status });
const batchCoordinator = (status: number): Expected => ({ ...everyone(404), anonymous: 302, coordinatorA: status, admin: 403 });
webRows.push(
  { method: 'get', path: () => `/lsps/${deliveryLsp}/credentials`, prepare: deliveryPrepare, expected: lspAdminPage(200) },
  { method: 'post', path: () => `/lsps/${deliveryLsp}/credentials/token`, prepare: deliveryPrepare, expected: lspAdminPage(200) },
  {
    method: 'post',
    path: () => `/lsps/${deliveryLsp}/credentials/token/revoke`,
    prepare: deliveryPrepare,
    expected: lspAdminPage(303),
  },
  {
    method: 'post',
    path: () => `/lsps/${deliveryLsp}/credentials/secret`,
    prepare: deliveryPrepare,
    expected: lspAdminPage(200),
  },
  {
    method: 'post',
    path: () => `/certification/batches/${deliveryBatch}/deliveries`,
    prepare: deliveryPrepare,
    expected: batchCoordinator(303),
  },
  {
    method: 'post',
    path: () => `/certification/deliveries/${deliveryPush}/retry`,
    prepare: deliveryPrepare,
    expected: batchCoordinator(303),
  },
  {
    method: 'post',
    path: () => `/certification/results/${deliveryResult}/route-back`,
    prepare: deliveryPrepare,
    expected: batchCoordinator(303),
  },
);
apiRows.push(
  { method: 'get', path: () => '/api/v1/lsp/batches', expected: everyone(401) },
  { method: 'get', path: () => `/api/v1/lsp/batches/${deliveryBatch}`, prepare: deliveryPrepare, expected: everyone(401) },
  {
    method: 'post',
    path: () => `/api/v1/lsp/batches/${deliveryBatch}/results`,
    prepare: deliveryPrepare,
    body: () => ({ results: [{ recordCode: 'MATRIKS00001', outcome: 'notCertified', units: ['X'] }] }),
    expected: everyone(401),
  },
);

// --- issue 12: certificates (certificates/). The PDF and credential of a record: its trainee and
// its cohort's staff (the matrix trainee is another trainee: 403). The verification page, the
// issuer profile and the status list: everyone, logged in or not. A record of the matrix cohort
// under an id fixed here (models by name: this block is one edit). ---
const certificateRecord = String(new mongoose.Types.ObjectId());
const certificateCode = 'MATR1XCERT01';
const certificatePrepare = async (f: Fixtures) => {
  const day = new Date().toISOString().slice(0, 10);
  await mongoose.model('CompletionRecord').updateOne(
    { _id: certificateRecord },
    {
      $setOnInsert: {
        enrollment: `${f.cohort}:${f.traineeA}`,
        cohort: f.cohort,
        trainee: f.traineeA,
        institution: f.institutionA,
        program: f.program,
        status: 'approved',
        activeKey: `matrix-certificate-${certificateRecord}`,
        code: certificateCode,
        statusIndex: 4242,
        content: {
          schema: 1,
          trainee: { id: f.traineeA, name: 'Peserta Matriks', email: 'matriks@example.test' },
          program: { id: f.program, code: 'PRG-A', title: 'Program A', version: 1, level: 2, sector: '' },
          cohort: { id: f.cohort, name: 'Angkatan Matriks', startsOn: day, endsOn: day },
          institution: { id: f.institutionA, name: 'BLK A', province: '32' },
          units: [
            {
              code: f.unitCode,
              title: { id: 'Menggunakan Struktur Data', en: 'Using Data Structures' },
              verdict: 'K',
              at: null,
              assessor: '',
            },
          ],
          hours: 8,
          attendance: { minutes: 0, scheduledMinutes: 0, percent: null, sessionsHeld: 0, sessionsAttended: 0 },
          modules: [],
          rules: { allUnitsCompetent: true, minAttendancePercent: 0, requiredModules: [] },
          basis: 'manual',
          reason: 'Matriks izin',
          approvedBy: { id: f.owner, name: 'Koordinator' },
          approvedAt: new Date().toISOString(),
        },
        hash: 'matrix',
        approvedAt: new Date(),
        approvedBy: f.owner,
        settled: true,
      },
    },
    { upsert: true },
  );
};
/** The row's own path after `prepare` (the named form, for the route check, without an actor). */
const certificatePath = (f: Fixtures, actor: ActorName | undefined, tail: string) =>
  `/certificates/${actor ? certificateRecord : f.cohort}${tail}`;
webRows.push(
  { method: 'get', path: () => '/verify', prepare: certificatePrepare, expected: everyone(200) },
  {
    method: 'get',
    path: (f, actor) => `/verify/${actor ? certificateCode : f.unitCode}`,
    prepare: certificatePrepare,
    expected: everyone(200),
  },
  {
    method: 'post',
    path: () => '/verify/credential',
    // Multipart, as the page's form sends it: the CSRF token rides in the form's action.
    send: async ({ agent }) => {
      const action = /action="(\/verify\/credential\?_csrf=[^"]+)"/.exec((await agent.get('/verify')).text)?.[1];
      return agent.post(action ?? '/verify/credential').field('credential', '{"id": "urn:example:matrix"}');
    },
    expected: everyone(200),
  },
  { method: 'get', path: (f, actor) => certificatePath(f, actor, '.pdf'), prepare: certificatePrepare, expected: cohortStaff },
  {
    method: 'get',
    path: (f, actor) => certificatePath(f, actor, '/credential.json'),
    prepare: certificatePrepare,
    expected: cohortStaff,
  },
  // Published once the institution has signed (the credential row above made its key).
  { method: 'get', path: (f) => `/institutions/${f.institutionA}/issuer`, expected: everyone(200) },
  { method: 'get', path: (f) => `/institutions/${f.institutionA}/status/revocation`, expected: everyone(200) },
);

// --- issue 12: completion (the cohort's staff see, its managers approve and revoke; a trainee their own) ---
const completionFixture: { record?: string; enrollment?: string } = {};
/** A trainee of the matrix cohort completed by hand: their record is what the record rows open and revoke. */
async function completionPrepare(f: Fixtures): Promise<void> {
  if (completionFixture.record) return;
  const coordinator = await mongoose
    .model('User')
    .findOne({ role: 'coordinator', institution: f.institutionA })
    .lean<{ _id: unknown }>();
  const actor: Actor = { id: String(coordinator!._id), role: 'coordinator', institution: f.institutionA };
  const graduate = await makeUser('trainee', f.institutionA);
  const enrollment = await applyOnBehalf(actor, f.cohort, graduate.id, { source: 'staff', enrolNow: true });
  completionFixture.enrollment = enrollment.id;
  completionFixture.record = (await approveCompletion(actor, enrollment.id, { reason: 'Fixture matriks' })).id;
}
const recordOf = (f: Fixtures) => completionFixture.record ?? f.cohort;
webRows.push(
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/completion`, expected: cohortStaff },
  {
    method: 'post',
    path: (f) => `/cohorts/${f.cohort}/completion/approve`,
    body: (f) => ({ enrollments: `${f.cohort}:${f.applicant}` }),
    expected: cohortManagers(422), // past the permission, refused: that trainee meets no rule yet
  },
  { method: 'get', path: (f) => `/completion-records/${recordOf(f)}`, prepare: completionPrepare, expected: cohortStaff },
  {
    method: 'get',
    path: (f) => `/completion-records/${recordOf(f)}/revoke`,
    prepare: completionPrepare,
    expected: cohortManagers(200),
  },
  {
    method: 'post',
    path: (f) => `/completion-records/${recordOf(f)}/revoke`,
    prepare: completionPrepare,
    body: () => ({ reason: 'Matriks izin', reissue: 'true' }),
    expected: cohortManagers(303),
  },
  { method: 'get', path: () => '/completion', expected: traineeDoes(200) },
  { method: 'get', path: (f) => `/programs/${f.program}/completion-rules`, expected: programEditors },
  {
    method: 'post',
    path: (f) => `/programs/${f.program}/completion-rules`,
    body: () => ({ allUnitsCompetent: 'true', minAttendancePercent: '75' }),
    expected: programEditorsDo(303),
  },
);
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/completion`,
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'get',
    path: (f) => `/api/v1/completion-records/${recordOf(f)}`,
    prepare: completionPrepare,
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  {
    method: 'post',
    path: (f) => `/api/v1/completion-records/${recordOf(f)}/revoke`,
    prepare: completionPrepare,
    body: () => ({ reason: 'Matriks izin', reissue: true }),
    expected: api({ coordinatorA: 200, admin: 200 }),
  },
  { method: 'get', path: () => '/api/v1/me/completion-records', expected: api({ trainee: 200 }) },
);

// --- issue 12: employment tracer (tracer/). A graduate's survey: only its own trainee, in the app;
// through its link anyone holding it, logged in or not. The report and the reminders: an
// institution's coordinators (coordinator B sees its own, empty) and admins (who name the
// institution: the page asks, the CSV and the API refuse without one). A record and the two
// surveys of the matrix trainee in a cohort id fixed here, apart from the matrix cohort so no
// other row sees a completion (models by name; the link's token made as the app makes it). ---
const tracerCohort = String(new mongoose.Types.ObjectId());
const tracerFixture: { token?: string } = {};
const tracerSurvey = (f: Fixtures) => `${tracerCohort}:${f.applicant}:3`;
const tracerPrepare = async (f: Fixtures) => {
  const enrollment = `${tracerCohort}:${f.applicant}`;
  const day = 86_400_000;
  const startsOn = new Date(Date.now() - 200 * day);
  const approvedAt = new Date(Date.now() - 95 * day);
  await mongoose.model('CompletionRecord').updateOne(
    { activeKey: enrollment },
    {
      $setOnInsert: {
        enrollment,
        cohort: tracerCohort,
        trainee: f.applicant,
        institution: f.institutionA,
        program: f.program,
        status: 'approved',
        code: 'TRACERMATR1X',
        statusIndex: 4343,
        content: {
          schema: 1,
          trainee: { id: f.applicant, name: 'Peserta Matriks', email: 'matriks@example.test' },
          program: { id: f.program, code: 'PRG-A', title: 'Program A', version: 1, level: 2, sector: '' },
          cohort: {
            id: tracerCohort,
            name: 'Angkatan Jejak',
            startsOn: startsOn.toISOString(),
            endsOn: approvedAt.toISOString(),
          },
          institution: { id: f.institutionA, name: 'BLK A', province: '32' },
          units: [],
          hours: 8,
          attendance: { minutes: 0, scheduledMinutes: 0, percent: null, sessionsHeld: 0, sessionsAttended: 0 },
          modules: [],
          rules: { allUnitsCompetent: true, minAttendancePercent: 0, requiredModules: [] },
          basis: 'manual',
          reason: 'Matriks jejak',
          approvedBy: { id: f.owner, name: 'Koordinator' },
          approvedAt: approvedAt.toISOString(),
        },
        hash: 'matrix',
        approvedAt,
        approvedBy: f.owner,
        settled: true,
      },
    },
    { upsert: true },
  );
  for (const wave of [3, 6]) {
    await mongoose.model('TracerSurvey').updateOne(
      { _id: `${enrollment}:${wave}` },
      {
        $setOnInsert: {
          enrollment,
          wave,
          cohort: tracerCohort,
          trainee: f.applicant,
          institution: f.institutionA,
          program: f.program,
          cohortName: 'Angkatan Jejak',
          programTitle: 'Program A',
          trainingStartedOn: startsOn,
          completedAt: approvedAt,
          completionYear: approvedAt.getUTCFullYear(),
          dueAt: new Date(approvedAt.getTime() + (wave === 3 ? 91 : 182) * day),
          dueMonth: approvedAt.toISOString().slice(0, 7),
          editableUntil: new Date(approvedAt.getTime() + (wave === 3 ? 182 : 365) * day),
        },
      },
      { upsert: true },
    );
  }
  tracerFixture.token ??= await surveyToken(testSessionSecret, { _id: tracerSurvey(f), linkKey: null });
};
const today = () => new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
const tracerAnswers = () => ({ situation: 'seeking', seekingSince: today(), helpNeeded: '' });
/** The row's own path after `prepare` (the named form, for the route check, without an actor). */
const tracerSurveyPath = (f: Fixtures, actor: ActorName | undefined) => `/tracer/surveys/${actor ? tracerSurvey(f) : f.cohort}`;
const tracerLinkPath = (f: Fixtures, actor: ActorName | undefined) => `/tracer/s/${actor ? tracerFixture.token : f.cohort}`;
/** Coordinators see their own institution's (B: its own, empty); admins pick one. */
const tracerStaff = (status: number, admin = status): Expected => ({
  ...everyone(403),
  anonymous: 302,
  coordinatorA: status,
  coordinatorB: status,
  admin,
});
webRows.push(
  { method: 'get', path: () => '/tracer', prepare: tracerPrepare, expected: traineePage },
  { method: 'get', path: tracerSurveyPath, prepare: tracerPrepare, expected: traineePage },
  { method: 'post', path: tracerSurveyPath, prepare: tracerPrepare, body: tracerAnswers, expected: traineeDoes(303) },
  { method: 'get', path: tracerLinkPath, prepare: tracerPrepare, expected: everyone(200) },
  { method: 'post', path: tracerLinkPath, prepare: tracerPrepare, body: tracerAnswers, expected: everyone(303) },
  { method: 'get', path: () => '/tracer/report', prepare: tracerPrepare, expected: tracerStaff(200) },
  { method: 'get', path: () => '/tracer/report.csv', prepare: tracerPrepare, expected: tracerStaff(200, 422) },
  { method: 'get', path: () => '/tracer/reminders', prepare: tracerPrepare, expected: tracerStaff(200) },
  {
    method: 'post',
    path: (f, actor) => `/tracer/reminders/${actor ? tracerSurvey(f) : f.cohort}`,
    prepare: tracerPrepare,
    expected: cohortManagers(303),
  },
);
apiRows.push(
  { method: 'get', path: () => '/api/v1/tracer/surveys', prepare: tracerPrepare, expected: api({ trainee: 200 }) },
  {
    method: 'put',
    path: (f) => `/api/v1/tracer/surveys/${tracerSurvey(f)}`,
    prepare: tracerPrepare,
    body: tracerAnswers,
    expected: api({ trainee: 200 }),
  },
  {
    method: 'get',
    path: () => '/api/v1/tracer/report',
    prepare: tracerPrepare,
    expected: api({ coordinatorA: 200, coordinatorB: 200, admin: 422 }),
  },
);

// --- issue 12: certification hand-off (certification/). The LSP register: admins (coordinators list
// LSPs through the API). Asking for certification: a trainee (the matrix's has no approved record:
// the form is refused, 422). Batches: coordinator A makes, hands over and exports its institution's;
// admins see them (masked) but do not hand off; anyone else 403. A trainee's photo: the trainee and
// their records' coordinators (the matrix's trainee has no record and no photo). Fixed ids here. ---
const handoffLsp = String(new mongoose.Types.ObjectId());
const handoffDraft = String(new mongoose.Types.ObjectId());
const handoffHanded = String(new mongoose.Types.ObjectId());
const handoffPrepare = async (f: Fixtures) => {
  const upsert = (model: string, id: string, fields: Record<string, unknown>) =>
    mongoose.model(model).updateOne({ _id: id }, { $setOnInsert: fields }, { upsert: true });
  await upsert('Lsp', handoffLsp, {
    name: 'LSP Matriks Serah Terima',
    licenceNumber: `BNSP-HANDOFF-${handoffLsp}`,
    schemes: [{ code: 'MTX', name: 'Skema Matriks', units: [f.unitCode] }],
    webhookUrl: '',
    active: true,
  });
  const batch = {
    institution: f.institutionA,
    lsp: handoffLsp,
    scheme: 'MTX',
    schemeName: 'Skema Matriks',
    schemeUnits: [f.unitCode],
  };
  // Drafts without records: hand-over freezes nothing, cancelling drops it; each try starts from a draft.
  await mongoose.model('HandoffBatch').updateOne(
    { _id: handoffDraft },
    {
      $set: { status: 'draft', items: [] },
      $setOnInsert: { ...batch, records: [], createdBy: f.owner, requestKey: `matrix-${handoffDraft}` },
    },
    { upsert: true },
  );
  await upsert('HandoffBatch', handoffHanded, {
    ...batch,
    records: [],
    items: [],
    status: 'handed',
    createdBy: f.owner,
    handedAt: new Date(),
    requestKey: `matrix-${handoffHanded}`,
  });
};
const lspForm = (f: Fixtures) => ({
  name: 'LSP Baru Matriks',
  licenceNumber: `BNSP-FORM-${unique()}`,
  schemeCode: 'MTX',
  schemeName: 'Skema Matriks',
  schemeUnits: f.unitCode,
  webhookUrl: '',
});
const handoffStaff = (status: number, admin = 200): Expected => ({
  ...everyone(403),
  anonymous: 302,
  coordinatorA: status,
  admin,
});
webRows.push(
  { method: 'get', path: () => '/lsps', expected: lspAdminPage(200) },
  { method: 'get', path: () => '/lsps/new', expected: lspAdminPage(200) },
  { method: 'post', path: () => '/lsps', body: lspForm, expected: lspAdminPage(303) },
  { method: 'get', path: () => `/lsps/${handoffLsp}`, prepare: handoffPrepare, expected: lspAdminPage(200) },
  {
    method: 'post',
    path: () => `/lsps/${handoffLsp}`,
    prepare: handoffPrepare,
    body: (f) => ({ ...lspForm(f), licenceNumber: `BNSP-HANDOFF-${handoffLsp}` }),
    expected: lspAdminPage(303),
  },
  { method: 'get', path: () => '/certification', expected: traineePage },
  {
    method: 'post',
    path: () => '/certification/profile',
    body: () => ({ nik: '12' }),
    expected: { ...traineePage, trainee: 422 },
  },
  { method: 'post', path: () => '/certification/profile/withdraw', expected: { ...traineePage, trainee: 303 } },
  {
    method: 'get',
    path: (f) => `/certification/profiles/${f.traineeA}/photo`,
    // Trainee A has a record of institution A (certificates' rows): its coordinator may look, finds no photo.
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 404 },
  },
  { method: 'get', path: () => '/certification/batches', expected: { ...handoffStaff(200), coordinatorB: 200 } },
  { method: 'get', path: () => '/certification/batches/new', expected: { ...handoffStaff(200, 403), coordinatorB: 200 } },
  {
    method: 'post',
    path: () => '/certification/batches',
    body: () => ({ target: `${handoffLsp}:MTX`, records: [], requestKey: randomBytes(16).toString('hex') }),
    prepare: handoffPrepare,
    expected: { ...handoffStaff(422, 403), coordinatorB: 422 },
  },
  { method: 'get', path: () => `/certification/batches/${handoffDraft}`, prepare: handoffPrepare, expected: handoffStaff(200) },
  {
    method: 'post',
    path: () => `/certification/batches/${handoffDraft}/hand-over`,
    prepare: handoffPrepare,
    expected: handoffStaff(303, 403),
  },
  {
    method: 'post',
    path: () => `/certification/batches/${handoffDraft}/cancel`,
    prepare: handoffPrepare,
    expected: handoffStaff(303, 403),
  },
  {
    method: 'get',
    path: () => `/certification/batches/${handoffHanded}/assessees.xlsx`,
    prepare: handoffPrepare,
    expected: handoffStaff(200, 403),
  },
  {
    method: 'get',
    path: () => `/certification/batches/${handoffHanded}/handoff.json`,
    prepare: handoffPrepare,
    expected: handoffStaff(200, 403),
  },
  {
    method: 'get',
    path: () => `/certification/batches/${handoffHanded}/apl02.zip`,
    prepare: handoffPrepare,
    expected: handoffStaff(200, 403),
  },
  {
    method: 'get',
    path: (f) => `/certification/batches/${handoffHanded}/apl02/${f.cohort}`,
    prepare: handoffPrepare,
    // Coordinator A may, but the batch holds no such record.
    expected: handoffStaff(404, 403),
  },
);
apiRows.push(
  { method: 'get', path: () => '/api/v1/lsps', expected: api({ coordinatorA: 200, coordinatorB: 200, admin: 200 }) },
  {
    method: 'post',
    path: () => '/api/v1/lsps',
    body: () => ({ name: 'LSP API Matriks', licenceNumber: `BNSP-API-${unique()}`, schemes: [] }),
    expected: api({ admin: 201 }),
  },
  {
    method: 'put',
    path: () => `/api/v1/lsps/${handoffLsp}`,
    prepare: handoffPrepare,
    body: () => ({ name: 'LSP Matriks Serah Terima', licenceNumber: `BNSP-HANDOFF-${handoffLsp}`, schemes: [] }),
    expected: api({ admin: 200 }),
  },
  { method: 'get', path: () => '/api/v1/schemas/handoff-batch-1.json', expected: everyone(200) },
  {
    method: 'get',
    path: () => `/api/v1/handoff-batches/${handoffHanded}`,
    prepare: handoffPrepare,
    expected: api({ coordinatorA: 200 }),
  },
);

// Monitoring: a cohort's trainees at risk, for its staff.
webRows.push({ method: 'get', path: (f) => `/cohorts/${f.cohort}/at-risk`, expected: cohortStaff });
apiRows.push({
  method: 'get',
  path: (f) => `/api/v1/cohorts/${f.cohort}/at-risk`,
  expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
});

// Monitoring dashboards: a cohort's for its staff; the funnel for coordinators (their institution) and admins.
webRows.push(
  { method: 'get', path: (f) => `/cohorts/${f.cohort}/dashboard`, expected: cohortStaff },
  {
    method: 'post',
    path: (f) => `/cohorts/${f.cohort}/dashboard/rebuild`,
    expected: { ...cohortStaff, instructor: 303, coordinatorA: 303, admin: 303 },
  },
  {
    method: 'get',
    path: () => '/monitoring',
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 200, coordinatorB: 200, admin: 200 },
  },
);
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/dashboard`,
    expected: api({ instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  { method: 'get', path: () => '/api/v1/monitoring/funnel', expected: api({ coordinatorA: 200, coordinatorB: 200, admin: 200 }) },
);

// Activity and audit logs (activity/): a trainee's activity for the trainee and the cohort's staff,
// one's own activity for trainees, the audit log for admins and coordinators (their institution's).
webRows.push(
  {
    method: 'get',
    path: (f) => `/cohorts/${f.cohort}/trainees/${f.applicant}/activity`,
    expected: { ...cohortStaff, trainee: 200 },
  },
  { method: 'get', path: () => '/me/activity', expected: traineePage },
  {
    method: 'get',
    path: () => '/audit',
    expected: { ...everyone(403), anonymous: 302, coordinatorA: 200, coordinatorB: 200, admin: 200 },
  },
);
apiRows.push(
  {
    method: 'get',
    path: (f) => `/api/v1/cohorts/${f.cohort}/trainees/${f.applicant}/activity`,
    expected: api({ trainee: 200, instructor: 200, coordinatorA: 200, admin: 200 }),
  },
  { method: 'get', path: () => '/api/v1/audit', expected: api({ coordinatorA: 200, coordinatorB: 200, admin: 200 }) },
);

// Exports (exports/): a test table (test/exports/tables.ts: its institution's coordinators, admins) and a
// finished job of coordinator A: only A and admins see or download it; anyone else 404.
let exportJob = '';
// Before the job exists (the coverage checks read the paths first), an id of the right shape.
const jobId = () => exportJob || '0'.repeat(24);
const exportPrepare = async (f: Fixtures) => {
  if (exportJob) return;
  defineTestTable('matrix-people');
  // Coordinator A is the institution's first coordinator (rows with throwaway accounts add others).
  const owner = await User.findOne({ role: 'coordinator', institution: f.institutionA }, { _id: 1 }).sort({ _id: 1 }).lean();
  const actor: Actor = { id: String(owner!._id), role: 'coordinator', institution: f.institutionA };
  const prepared = await prepareExport(actor, 'matrix-people', { institution: f.institutionA, rows: '3' });
  exportJob = await requestExport(actor, prepared, 'csv', 'id', translator('id'));
  const dir = process.env.TEST_UPLOAD_DIR!;
  await createExportWorker({ storage: new LocalDiskStorage(dir), temporaryFolder: path.join(dir, '.tmp') }).tick();
};
const exportStaff = (status: number): Expected => ({ ...everyone(403), anonymous: 302, coordinatorA: status, admin: status });
const jobOwner = (status: number): Expected => ({ ...everyone(404), anonymous: 302, coordinatorA: status, admin: status });
webRows.push(
  {
    method: 'get',
    path: (f) => `/exports/matrix-people.csv?institution=${f.institutionA}&rows=3`,
    prepare: exportPrepare,
    expected: exportStaff(200),
  },
  {
    method: 'get',
    path: (f) => `/exports/matrix-people.xlsx?institution=${f.institutionA}&rows=6000`,
    prepare: exportPrepare,
    expected: exportStaff(200),
  },
  {
    method: 'post',
    path: () => '/exports',
    prepare: exportPrepare,
    body: (f) => ({ name: 'matrix-people', format: 'csv', params: `institution=${f.institutionA}&rows=3` }),
    expected: exportStaff(303),
  },
  { method: 'get', path: () => `/exports/jobs/${jobId()}`, prepare: exportPrepare, expected: jobOwner(200) },
  { method: 'get', path: () => `/exports/jobs/${jobId()}/download`, prepare: exportPrepare, expected: jobOwner(200) },
);
apiRows.push(
  {
    method: 'post',
    path: () => '/api/v1/exports',
    prepare: exportPrepare,
    body: (f) => ({ name: 'matrix-people', format: 'csv', params: { institution: f.institutionA } }),
    expected: api({ coordinatorA: 201, admin: 201 }),
  },
  {
    method: 'get',
    path: () => `/api/v1/exports/${jobId()}`,
    prepare: exportPrepare,
    expected: { ...api({ coordinatorA: 200, admin: 200 }), trainee: 404, instructor: 404, coordinatorB: 404 },
  },
);

// xAPI outbox (xapi/). Admins only: whether an LRS is configured, counts, failed statements, "kirim ulang".
const xapiAdminPage = (status: number): Expected => ({ ...everyone(403), anonymous: 302, admin: status });
webRows.push(
  { method: 'get', path: () => '/admin/xapi', expected: xapiAdminPage(200) },
  { method: 'post', path: () => '/admin/xapi/retry', expected: xapiAdminPage(303) },
);
apiRows.push({ method: 'get', path: () => '/api/v1/xapi/status', expected: api({ admin: 200 }) });

describe('permission matrix', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let fixtures: Fixtures;
  const agents = {} as Record<ActorName, ReturnType<typeof supertest.agent>>;
  const tokens = {} as Record<ActorName, string | null>;
  let credentialsOf: Record<Exclude<ActorName, 'anonymous'>, Awaited<ReturnType<typeof makeUser>>>;
  const freshAgent = (actor: ActorName) => async () =>
    actor === 'anonymous' ? supertest.agent(app) : loggedInAgent(app, credentialsOf[actor].email, credentialsOf[actor].password);
  /** A new account like the actor's, logged in, and an API token of it (none for anonymous). */
  const throwaway = async (actor: ActorName): Promise<{ agent: Agent; token: string | null }> => {
    if (actor === 'anonymous') return { agent: supertest.agent(app), token: null };
    const like = credentialsOf[actor];
    const account = await makeUser(like.role, like.institution);
    const issued = await supertest(app).post('/api/v1/auth/token').send({ email: account.email, password: account.password });
    return { agent: await loggedInAgent(app, account.email, account.password), token: issued.body.token };
  };

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
    credentialsOf = accounts;
    const content = await contentFixtures(institutionA, accounts.instructor.id, accounts.coordinatorA.id);
    const instructor = { ...accounts.instructor, role: 'instructor' as const, institution: institutionA };
    const instructorAgent = await loggedInAgent(app, accounts.instructor.email, accounts.instructor.password);
    const base = {
      institutionA,
      traineeA: (await makeUser('trainee', institutionA)).id,
      traineeB: (await makeUser('trainee', institutionB)).id,
      promotable: (await makeUser('trainee', institutionA)).id,
      credentials: await makeUser('instructor', institutionB),
      addableEmail: (await makeUser('trainee', institutionA)).email,
      ...content,
      ...(await fileAndTokenFixtures(app, instructorAgent, instructor, content.lesson, content.program)),
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
          const path = row.path(fixtures, actor);
          await row.prepare?.(fixtures, actor);
          const agent = row.throwaway ? (await throwaway(actor)).agent : agents[actor];
          const response = row.send
            ? await row.send({
                agent,
                path,
                actor,
                fixtures,
                freshAgent: freshAgent(actor),
                anonymous: () => supertest.agent(app),
              })
            : row.method === 'get'
              ? await agent.get(path)
              : await submitForm(agent, path, (row.body?.(fixtures) ?? {}) as never);
          expect(response.status, (response.text ?? '').slice(0, 300)).to.equal(row.expected[actor]);
          if (response.status === 302) expect(response.headers.location).to.match(/^\/login\?next=/);
        });
      }
    });
  }

  for (const row of apiRows) {
    describe(`API ${row.method.toUpperCase()} ${row.path(named((name) => `{${name}}`))}`, () => {
      for (const actor of actors) {
        it(`${actor} → ${row.expected[actor]}`, async () => {
          await row.prepare?.(fixtures, actor);
          let request = supertest(app)[row.method](row.path(fixtures));
          const token = row.throwaway ? (await throwaway(actor)).token : tokens[actor];
          if (token) request = request.set('Authorization', `Bearer ${token}`);
          const response = row.body ? await request.send(row.body(fixtures)) : await request;
          expect(response.status, JSON.stringify(response.body)).to.equal(row.expected[actor]);
          if (response.status >= 400) expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
        });
      }
    });
  }

  it('covers every web route', () => {
    const pattern = (path: string) => path.replace(/:\w+/g, ':x');
    const registered = webRoutesOf(buildTestServer().web).map((route) => `${route.method} ${pattern(route.path)}`);
    expect(registered).to.have.length.greaterThan(90);
    const covered = new Set(
      webRows.map((row) => {
        const path = row.path(named((name) => `:${name}`)).replace(/\/v\/1\//, '/v/:version/');
        return `${row.method.toUpperCase()} ${pattern(path)}`;
      }),
    );
    const missing = registered.filter((route) => !covered.has(route) && !literalCovered(route, covered));
    expect(missing, 'web routes without a matrix row').to.deep.equal([]);
  });

  it('covers every declared API endpoint', () => {
    const declared = buildTestServer().api.endpoints.map(
      (endpoint) => `${endpoint.method} /api/v1${endpoint.path.replace(/\{\w+\}/g, '{id}')}`,
    );
    expect(declared).to.have.length.greaterThan(10);
    const covered = new Set(
      // A path segment holding an id fixed by the rows (a quiz attempt's natural key holds two) is a parameter.
      apiRows.map((row) => `${row.method} ${row.path(named(() => '{id}')).replace(/[^/]*[0-9a-f]{24}[^/]*/g, '{id}')}`),
    );
    for (const endpoint of declared) expect(covered, `no matrix row for ${endpoint}`).to.include(endpoint);
  });
});
