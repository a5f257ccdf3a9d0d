import mongoose from 'mongoose';
import { firstLoginToken } from '../auth/firstLogin.js';
import { isPasswordUnset, unusablePasswordHash } from '../auth/passwords.js';
import { type CohortView, manageableCohort } from '../cohorts/service.js';
import { AppError, ConflictError, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { type Language, translator } from '../platform/i18n.js';
import {
  type Counts,
  findJob,
  type JobView,
  type Problem,
  type Progress,
  reportProgress,
  runInBackground,
  startJob,
} from '../platform/jobs.js';
import type { Logger } from '../platform/logger.js';
import { type Actor, can } from '../platform/permissions.js';
import { User, type UserDoc } from '../users/model.js';
import { type EnrolmentRow, type ParsedEnrolments, parseEnrolmentCsv, UnreadableFile } from './importCsv.js';
import { Enrollment, type EnrollmentDoc, enrollmentId } from './model.js';
import { holdsSeat, reconcileSeat } from './seats.js';
import { type EnrollmentView, enrolMany } from './service.js';

/**
 * Bulk enrolment of trainees into a cohort from a CSV file (read in importCsv.ts). Each good row
 * finds the trainee's account by email, or creates one without a password (its owner sets one
 * through a first-login link, see auth/firstLogin.ts), and enrols them, or puts them on the
 * waiting list when the cohort is full. Running the same file again creates nothing twice: the
 * unique email and (cohort, trainee) indexes decide, also when two imports race.
 */
export const enrolmentJobKind = 'enrolments';
/** Rows looked up together: one query for their accounts, one for their enrolments. */
export const enrolmentBatchSize = 100;

export type EnrolmentCounts = Required<Counts>;
export type EnrolmentImportResult = { counts: EnrolmentCounts; problems: Problem[]; notes: Problem[]; users: string[] };

type Account = Pick<UserDoc, '_id' | 'name' | 'email' | 'role' | 'active'>;

/**
 * The accounts of the rows' emails, creating those that do not exist (as trainees of the
 * cohort's institution, without a password). Returns them by email, and the accounts this call
 * created with their marker hash, so a row that fails can take its new account back.
 */
async function accountsFor(actor: Actor, cohort: CohortView, rows: EnrolmentRow[]) {
  const emails = rows.map((row) => row.email);
  const projection = { name: 1, email: 1, role: 1, active: 1 };
  const byEmail = new Map<string, Account>();
  for (const account of await User.find({ email: { $in: emails } }, projection).lean<Account[]>()) {
    byEmail.set(account.email, account);
  }
  const created = new Map<string, string>();
  const missing = rows.filter((row) => !byEmail.has(row.email));
  if (!missing.length) return { byEmail, created };
  const docs = missing.map((row) => ({
    _id: new mongoose.Types.ObjectId(),
    name: row.name,
    email: row.email,
    phone: row.phone,
    role: 'trainee' as const,
    institution: cohort.institution,
    language: 'id' as Language,
    createdBy: actor.id,
    passwordHash: unusablePasswordHash(),
  }));
  try {
    await User.insertMany(docs, { ordered: false });
  } catch (error) {
    // Another import (or a registration) took some of these emails since we looked.
    if (!isDuplicateKeyError(error)) throw error;
  }
  const mine = new Map(docs.map((doc) => [doc.email, doc]));
  for (const account of await User.find({ email: { $in: missing.map((row) => row.email) } }, projection).lean<Account[]>()) {
    byEmail.set(account.email, account);
    const doc = mine.get(account.email);
    if (doc && String(doc._id) === String(account._id)) created.set(String(account._id), doc.passwordHash);
  }
  return { byEmail, created };
}

/**
 * Takes back what a row that failed half-way made: an application the import opened but could
 * not decide (no place yet), and an account it created that nothing else uses yet.
 */
async function undoRow(cohort: CohortView, traineeId: string, hadEnrolment: boolean, createdHash: string | undefined) {
  if (!hadEnrolment) {
    const left = await Enrollment.findById(enrollmentId(cohort.id, traineeId), { status: 1, source: 1 }).lean();
    if (left?.status === 'applied' && left.source === 'import' && !(await holdsSeat(cohort.id, String(left._id)))) {
      const { deletedCount } = await Enrollment.deleteOne({ _id: left._id, status: 'applied' });
      // A place taken in the moment between: hand it on.
      if (deletedCount) await reconcileSeat(cohort.id, String(left._id));
    }
  }
  if (createdHash && !(await Enrollment.exists({ trainee: traineeId }))) {
    await User.deleteOne({ _id: traineeId, passwordHash: createdHash });
  }
}

type RowToEnrol = {
  row: EnrolmentRow;
  id: string;
  createdHash: string | undefined;
  hadEnrolment: boolean;
  reject: (key: string) => void;
};

/**
 * Enrols a batch's good rows in one go (enrolMany: the first rows get the free places) and counts
 * each row's outcome in file order. If the batch fails as a whole (the cohort finished meanwhile),
 * each of its rows is reported and what the import made for it is taken back.
 */
async function enrolRows(
  actor: Actor | null,
  cohort: CohortView,
  rows: RowToEnrol[],
  counts: EnrolmentCounts,
  notes: Problem[],
  users: string[],
): Promise<void> {
  if (!rows.length) return;
  let enrolments: Map<string, EnrollmentView>;
  try {
    enrolments = await enrolMany(
      actor,
      cohort.id,
      rows.map((entry) => entry.id),
      'import',
    );
  } catch (error) {
    for (const entry of rows) await undoRow(cohort, entry.id, entry.hadEnrolment, entry.createdHash);
    if (!(error instanceof AppError)) throw error;
    for (const entry of rows) entry.reject(rowErrorKey(error));
    return;
  }
  for (const { row, id, createdHash } of rows) {
    const enrolment = enrolments.get(id);
    if (createdHash) counts.accounts += 1;
    users.push(id);
    if (enrolment?.status === 'enrolled' || enrolment?.status === 'completed') counts.created += 1;
    else if (enrolment?.status === 'waitlisted') {
      counts.waitlisted += 1;
      notes.push({ line: row.line, key: 'enrolmentImport.notes.waitlisted' });
    } else counts.unchanged += 1;
  }
}

/** The report's reason for an error of the enrolment service. */
function rowErrorKey(error: AppError): string {
  if (error.key === 'enrolment.errors.finished') return 'enrolmentImport.errors.cohortFinished';
  if (error.key === 'enrolment.errors.notTrainee' || error.fields.some((field) => field.key === 'enrolment.errors.notTrainee')) {
    return 'enrolmentImport.errors.notTrainee';
  }
  if (error.status === 403) return 'enrolmentImport.errors.forbidden';
  return 'enrolmentImport.errors.notEnrolled';
}

const sameName = (a: string, b: string) =>
  a.trim().replace(/\s+/g, ' ').toLocaleLowerCase('id') === b.trim().replace(/\s+/g, ' ').toLocaleLowerCase('id');

/**
 * Enrols the good rows of a parsed file into the cohort, in file order (so the first rows get
 * the free places), reporting progress after each batch.
 */
export async function importEnrolments(
  actor: Actor | null,
  cohortId: string,
  parsed: ParsedEnrolments,
  onProgress: (progress: Progress) => Promise<void>,
): Promise<EnrolmentImportResult> {
  const cohort = await manageableCohort(actor, cohortId);
  const counts: EnrolmentCounts = {
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: parsed.rejected,
    waitlisted: 0,
    accounts: 0,
  };
  const problems = [...parsed.problems];
  const notes: Problem[] = [];
  const users: string[] = [];
  const { headers } = parsed;
  let processed = parsed.rejected;
  const report = () => onProgress({ total: parsed.total, processed, counts, problems, notes, users });
  await report();

  for (let start = 0; start < parsed.rows.length; start += enrolmentBatchSize) {
    const batch = parsed.rows.slice(start, start + enrolmentBatchSize);
    const { byEmail, created } = await accountsFor(actor!, cohort, batch);
    const ids = [...byEmail.values()].map((account) => account._id);
    const enrolments = new Map(
      (
        await Enrollment.find({ cohort: cohort.id, trainee: { $in: ids } }, { trainee: 1, status: 1 }).lean<EnrollmentDoc[]>()
      ).map((enrolment) => [String(enrolment.trainee), enrolment.status]),
    );
    const toEnrol: RowToEnrol[] = [];
    for (const row of batch) {
      processed += 1;
      const reject = (key: string, field = '', params: Record<string, unknown> = {}) => {
        problems.push({ line: row.line, key, params, field });
        counts.rejected += 1;
      };
      const account = byEmail.get(row.email);
      if (!account) {
        reject('enrolmentImport.errors.notEnrolled');
        continue;
      }
      const id = String(account._id);
      if (account.role !== 'trainee') {
        reject('enrolmentImport.errors.staffEmail', headers.email, { role: account.role });
        continue;
      }
      if (!account.active) {
        reject('enrolmentImport.errors.inactive', headers.email);
        continue;
      }
      const createdHash = created.get(id);
      if (!createdHash && !sameName(account.name, row.name)) {
        notes.push({
          line: row.line,
          key: 'enrolmentImport.notes.nameDiffers',
          params: { account: account.name },
          field: headers.name,
        });
      }
      const before = enrolments.get(id);
      if (before === 'withdrawn' || before === 'rejected') {
        reject(`enrolmentImport.errors.${before}`);
        continue;
      }
      if (before === 'enrolled' || before === 'completed' || before === 'waitlisted') {
        counts.unchanged += 1;
        if (before === 'waitlisted') notes.push({ line: row.line, key: 'enrolmentImport.notes.stillWaitlisted' });
        users.push(id);
        continue;
      }
      toEnrol.push({ row, id, createdHash, hadEnrolment: before !== undefined, reject });
    }
    await enrolRows(actor, cohort, toEnrol, counts, notes, users);
    await report();
  }
  problems.sort((a, b) => a.line - b.line);
  notes.sort((a, b) => a.line - b.line);
  await report();
  return { counts, problems, notes, users };
}

/**
 * Starts a bulk enrolment and returns its job id at once; the rows are enrolled in the background
 * of this process. A file that cannot be read at all, or a finished cohort, is refused here.
 * `field` names the input the file came in (the form's `file`, the API's `csv`).
 */
export async function startEnrolmentImport(
  actor: Actor | null,
  cohortId: string,
  file: { name: string; content: string },
  log: Logger,
  field = 'file',
): Promise<string> {
  const cohort = await manageableCohort(actor, cohortId);
  if (cohort.status === 'finished') throw new ConflictError('enrolmentImport.errors.cohortFinished', field);
  if (file.name && !/\.(csv|txt)$/i.test(file.name)) {
    throw new ValidationError([{ field, key: 'enrolmentImport.errors.notCsv' }]);
  }
  let parsed: ParsedEnrolments;
  try {
    parsed = parseEnrolmentCsv(file.content);
  } catch (error) {
    if (error instanceof UnreadableFile) throw new ValidationError([{ field, ...error.issue }]);
    throw error;
  }
  const jobId = await startJob(enrolmentJobKind, file.name, actor!.id, cohort.id);
  runInBackground(
    jobId,
    async () => {
      await importEnrolments(actor, cohort.id, parsed, (progress) => reportProgress(jobId, progress));
    },
    log,
  );
  return jobId;
}

/** A bulk enrolment of the cohort, for whoever manages the cohort; 404 for any other job. */
export async function enrolmentImportJob(
  actor: Actor | null,
  cohortId: string,
  jobId: string,
): Promise<{ cohort: CohortView; job: JobView }> {
  const cohort = await manageableCohort(actor, cohortId);
  const job = await findJob(jobId);
  if (job?.kind !== enrolmentJobKind || job.subject !== cohort.id) throw new NotFoundError();
  return { cohort, job };
}

export type FirstLoginLink = { id: string; name: string; email: string; phone: string; link: string; whatsapp: string };

/**
 * The trainees of an import who have not chosen a password yet, with a first-login link each
 * (made now, never stored) and a WhatsApp link with a message in the trainee's language. Only
 * accounts the actor manages: a coordinator never gets a link to another institution's account.
 */
export async function firstLoginLinks(
  actor: Actor,
  cohort: CohortView,
  job: JobView,
  secret: string,
  origin: string,
): Promise<FirstLoginLink[]> {
  if (!job.users.length) return [];
  const accounts = await User.find({ _id: { $in: job.users }, role: 'trainee', active: true })
    .select('+passwordHash')
    .lean<UserDoc[]>();
  const order = new Map(job.users.map((id, index) => [id, index]));
  return accounts
    .filter((account) => isPasswordUnset(account.passwordHash))
    .filter((account) => {
      const ref = {
        id: String(account._id),
        role: 'trainee' as const,
        institution: account.institution ? String(account.institution) : null,
      };
      return can(actor, 'user.update', { before: ref, after: ref });
    })
    .sort((a, b) => (order.get(String(a._id)) ?? 0) - (order.get(String(b._id)) ?? 0))
    .map((account) => {
      const id = String(account._id);
      const link = `${origin}/welcome/${firstLoginToken(secret, { id, passwordHash: account.passwordHash })}`;
      const phone = account.phone ?? '';
      const message = translator(account.language as Language)('enrolmentImport.links.message', {
        name: account.name,
        cohort: cohort.name,
        program: cohort.programTitle,
        link,
      });
      const whatsapp = phone ? `https://wa.me/${phone.replace(/^\+/, '')}?text=${encodeURIComponent(message)}` : '';
      return { id, name: account.name, email: account.email, phone, link, whatsapp };
    });
}
