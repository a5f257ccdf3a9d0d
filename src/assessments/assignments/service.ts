import mongoose from 'mongoose';
import { type CohortView, cohortRef, findCohort } from '../../cohorts/service.js';
import { cohortEnrollments, enrollmentOf } from '../../enrolment/service.js';
import type { StoredFileRecord } from '../../files/index.js';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  isDuplicateKeyError,
  NotFoundError,
  ValidationError,
} from '../../platform/errors.js';
import { type Actor, authorize, can, runsOwnProgram } from '../../platform/permissions.js';
import { versionSnapshot } from '../../programs/publishing.js';
import { CompetencyUnit } from '../../units/model.js';
import { unitOfRef, unitRef } from '../../units/refs.js';
import { namesOfUsers } from '../../users/directory.js';
import { forgetEvidence, recordEvidence } from '../results/record.js';
import { Assignment, type AssignmentDoc, Submission, type SubmissionDoc, type SubmissionStatus, submissionId } from './model.js';
import { type AssignmentInput, type ExtensionInput, type GradeInput, wibText } from './schemas.js';

/**
 * Assignments (portfolio evidence): staff teaching a cohort set them for criteria of one of its
 * program's units (`assignment.manage`); the cohort's trainees submit text and files before their
 * own due date, the server's clock deciding (`assignment.submit`); staff grade each criterion met
 * or not yet met and accept or ask for a resubmission.
 */

export type AssignmentView = {
  id: string;
  cohort: string;
  unit: string;
  criteria: string[];
  title: string;
  instructions: string;
  dueAt: Date;
  kinds: ('video' | 'document' | 'image')[];
  maxFiles: number;
  revision: number;
};

export const toAssignmentView = (doc: AssignmentDoc): AssignmentView => ({
  id: String(doc._id),
  cohort: String(doc.cohort),
  unit: doc.unit,
  criteria: [...doc.criteria],
  title: doc.title,
  instructions: doc.instructions ?? '',
  dueAt: doc.dueAt,
  kinds: [...doc.kinds] as AssignmentView['kinds'],
  maxFiles: doc.maxFiles,
  revision: doc.revision ?? 1,
});

/** The units of the cohort's program with their criteria (the national standard's current text). */
export async function cohortUnits(cohort: CohortView) {
  const snapshot = await versionSnapshot(cohort.program, cohort.version);
  if (!runsOwnProgram({ cohort, program: { institution: snapshot.institution.id } })) throw new ForbiddenError();
  const codes = snapshot.units.map((unit) => unit.code);
  const units = codes.length
    ? await CompetencyUnit.find({ code: { $in: codes } }, { code: 1, title: 1, elements: 1 }).lean()
    : [];
  const byCode = new Map(units.map((unit) => [unit.code, unit]));
  return codes
    .map((code) => byCode.get(code))
    .filter((unit) => unit !== undefined)
    .map((unit) => ({
      code: unit.code,
      title: { id: unit.title?.id ?? '', en: unit.title?.en ?? '' },
      criteria: unit.elements.flatMap((element) =>
        element.criteria.map((criterion) => ({ ref: unitRef(unit.code, criterion.no), no: criterion.no, text: criterion.text })),
      ),
    }));
}
export type CohortUnit = Awaited<ReturnType<typeof cohortUnits>>[number];

/** The cohort, if the actor teaches it (its instructors, its institution's coordinators, admins). */
export async function taughtCohort(actor: Actor | null, cohortId: string): Promise<CohortView> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'assignment.manage', cohortRef(cohort));
  return cohort;
}

async function findAssignment(id: string): Promise<AssignmentDoc> {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const doc = await Assignment.findById(id).lean<AssignmentDoc>();
  if (!doc) throw new NotFoundError();
  return doc;
}

/** The assignment and its cohort, if the actor teaches the cohort. */
export async function managedAssignment(actor: Actor | null, id: string) {
  const doc = await findAssignment(id);
  const cohort = await taughtCohort(actor, String(doc.cohort));
  return { assignment: toAssignmentView(doc), cohort };
}

/** The input checked against the cohort's program: a unit it covers, criteria of that unit, a kind of file when files are asked. */
async function checkInput(cohort: CohortView, input: AssignmentInput) {
  const units = await cohortUnits(cohort);
  const unit = units.find((candidate) => candidate.code === input.unit);
  if (!unit) throw new ValidationError([{ field: 'unit', key: 'assessments.assignments.errors.unit' }]);
  const known = new Set(unit.criteria.map((criterion) => criterion.ref));
  const foreign = input.criteria.filter((ref) => !known.has(ref) || unitOfRef(ref) !== unit.code);
  if (foreign.length)
    throw new ValidationError([
      { field: 'criteria', key: 'assessments.assignments.errors.criteria', params: { refs: foreign.join(', ') } },
    ]);
  if (input.maxFiles > 0 && input.kinds.length === 0)
    throw new ValidationError([{ field: 'kinds', key: 'assessments.assignments.errors.kinds' }]);
  // In the order of the unit, each once: the rubric reads as the standard does.
  return unit.criteria.map((criterion) => criterion.ref).filter((ref) => input.criteria.includes(ref));
}

/** What an assignment stores from its form: file kinds only where files are taken at all. */
function storedFields(input: AssignmentInput, criteria: string[]) {
  return {
    unit: input.unit,
    criteria,
    title: input.title,
    instructions: input.instructions,
    dueAt: input.dueAt,
    kinds: input.maxFiles > 0 ? [...new Set(input.kinds)] : [],
    maxFiles: input.maxFiles,
  };
}

export async function createAssignment(actor: Actor | null, cohortId: string, input: AssignmentInput, now = new Date()) {
  const cohort = await taughtCohort(actor, cohortId);
  const criteria = await checkInput(cohort, input);
  if (input.dueAt <= now) throw new ValidationError([{ field: 'dueDay', key: 'assessments.assignments.errors.duePast' }]);
  const created = await Assignment.create({ cohort: cohort.id, ...storedFields(input, criteria), createdBy: actor!.id });
  return toAssignmentView(created.toObject() as AssignmentDoc);
}

/** Changes an assignment; an edit from a form opened before another's save is refused (409). */
export async function updateAssignment(actor: Actor | null, id: string, input: AssignmentInput, now = new Date()) {
  const { assignment, cohort } = await managedAssignment(actor, id);
  const criteria = await checkInput(cohort, input);
  // A due date already past may stay as it is (the assignment is closed); a new one must be ahead.
  if (input.dueAt.getTime() !== assignment.dueAt.getTime() && input.dueAt <= now)
    throw new ValidationError([{ field: 'dueDay', key: 'assessments.assignments.errors.duePast' }]);
  const revision = input.revision ?? assignment.revision;
  const result = await Assignment.updateOne(
    { _id: id, revision },
    {
      $set: storedFields(input, criteria),
      $inc: { revision: 1 },
    },
  );
  if (result.matchedCount === 0) throw new ConflictError('assessments.assignments.errors.changedMeanwhile');
  return toAssignmentView(await findAssignment(id));
}

/** Every submission document of an assignment (one per trainee at most; a cohort is bounded). */
const submissionsOf = (assignmentId: string) => Submission.find({ assignment: assignmentId }).limit(5000).lean<SubmissionDoc[]>();

/**
 * Deletes an assignment nobody has submitted to (evidence is not thrown away by a click); what is
 * left of it (extensions) goes with it.
 */
export async function deleteAssignment(actor: Actor | null, id: string): Promise<string> {
  const { assignment } = await managedAssignment(actor, id);
  const submissions = await submissionsOf(id);
  const submitted = submissions.filter((submission) => submission.status !== 'none');
  if (submitted.length) throw new AppError(409, 'assessments.assignments.errors.hasSubmissions', { count: submitted.length });
  for (const submission of submissions)
    await forgetEvidence({
      cohort: assignment.cohort,
      trainee: String(submission.trainee),
      unit: assignment.unit,
      source: 'assignment',
      id: String(submission._id),
    });
  await Assignment.deleteOne({ _id: id });
  await Submission.deleteMany({ assignment: id });
  return assignment.cohort;
}

// --- due dates ------------------------------------------------------------------------------------

/** Whether the submission is in a round after the first (a resubmission was asked). */
const resubmitting = (submission: Pick<SubmissionDoc, 'status' | 'round'> | null) =>
  Boolean(submission && (submission.status === 'resubmit' || submission.round > 1));

/**
 * The trainee's own due date: the resubmission's once one was asked, else their extension, else
 * the assignment's. The server holds every submission to it.
 */
export function ownDueAt(assignment: Pick<AssignmentView, 'dueAt'>, submission: SubmissionDoc | null): Date {
  const base = submission?.extension?.dueAt ?? assignment.dueAt;
  if (resubmitting(submission) && submission?.resubmitDueAt) return submission.resubmitDueAt;
  return base;
}

/** Whether the trainee may submit now: not accepted yet, and before their own due date. */
export function maySubmit(assignment: Pick<AssignmentView, 'dueAt'>, submission: SubmissionDoc | null, now = new Date()) {
  return (submission?.status ?? 'none') !== 'accepted' && now <= ownDueAt(assignment, submission);
}

// --- the trainee's side -------------------------------------------------------------------------

/** The assignment and the actor's enrolment in its cohort, if they may submit to it. */
async function studiedAssignment(actor: Actor | null, id: string) {
  const doc = await findAssignment(id);
  if (!actor) throw new ForbiddenError();
  const enrollment = await enrollmentOf(actor.id, String(doc.cohort));
  authorize(actor, 'assignment.submit', { trainee: enrollment?.trainee ?? '', status: enrollment?.status ?? '' });
  return toAssignmentView(doc);
}

export type SubmissionView = {
  assignment: string;
  trainee: string;
  status: SubmissionStatus;
  round: number;
  text: string;
  files: { id: string; name: string; size: number; mimeType: string }[];
  submittedAt: Date | null;
  late: boolean;
  dueAt: Date;
  grade: {
    criteria: { ref: string; met: boolean; comment: string }[];
    comment: string;
    decision: 'accepted' | 'resubmit';
    by: string;
    byName: string;
    at: Date;
  } | null;
  history: { round: number; text: string; submittedAt: Date | null; grade: SubmissionView['grade'] }[];
  extension: { dueAt: Date; reason: string } | null;
  revision: number;
};

function toGrade(grade: SubmissionDoc['grade']): SubmissionView['grade'] {
  if (!grade) return null;
  return {
    criteria: grade.criteria.map((item) => ({ ref: item.ref, met: item.met, comment: item.comment ?? '' })),
    comment: grade.comment ?? '',
    decision: grade.decision as 'accepted' | 'resubmit',
    by: String(grade.by),
    byName: grade.byName ?? '',
    at: grade.at,
  };
}

export function toSubmissionView(assignment: AssignmentView, trainee: string, doc: SubmissionDoc | null): SubmissionView {
  return {
    assignment: assignment.id,
    trainee,
    status: (doc?.status ?? 'none') as SubmissionStatus,
    round: doc?.round ?? 1,
    text: doc?.text ?? '',
    files: (doc?.files ?? []).map((file) => ({ id: file.id, name: file.name, size: file.size, mimeType: file.mimeType })),
    submittedAt: doc?.submittedAt ?? null,
    late: doc?.late ?? false,
    dueAt: ownDueAt(assignment, doc),
    grade: toGrade(doc?.grade ?? null),
    history: (doc?.history ?? []).map((round) => ({
      round: round.round,
      text: round.text ?? '',
      submittedAt: round.submittedAt ?? null,
      grade: toGrade(round.grade ?? null),
    })),
    extension: doc?.extension ? { dueAt: doc.extension.dueAt, reason: doc.extension.reason } : null,
    revision: doc?.revision ?? 0,
  };
}

/** What the trainee sees of an assignment: its text, their own due date and submission, and the result. */
export async function traineeAssignment(actor: Actor | null, id: string, now = new Date()) {
  const assignment = await studiedAssignment(actor, id);
  const [doc, cohort] = await Promise.all([
    Submission.findById(submissionId(id, actor!.id)).lean<SubmissionDoc>(),
    findCohort(assignment.cohort),
  ]);
  const units = await cohortUnits(cohort);
  return {
    assignment,
    cohort,
    criteriaText: criteriaTexts(units),
    submission: toSubmissionView(assignment, actor!.id, doc),
    open: maySubmit(assignment, doc, now),
  };
}

/** Each criterion's reference with its text, for rubrics and pages. */
export function criteriaTexts(units: CohortUnit[]): Record<string, string> {
  return Object.fromEntries(units.flatMap((unit) => unit.criteria.map((criterion) => [criterion.ref, criterion.text])));
}

const attempts = 5;

/**
 * Submits (or adds to) the trainee's evidence: the text replaces the one before, a file joins the
 * ones before (the same file twice is kept once, so a double submit changes nothing). After a
 * resubmission was asked, the first submit opens the next round and keeps the graded one in the
 * history. Refused after the trainee's own due date and once accepted. Returns the submission and
 * the uploaded file when it was not kept (already there), for the caller to remove.
 */
export async function submitEvidence(
  actor: Actor | null,
  id: string,
  input: { text: string; file?: StoredFileRecord },
  now = new Date(),
): Promise<{ submission: SubmissionView; unusedFile: StoredFileRecord | null }> {
  const assignment = await studiedAssignment(actor, id);
  const key = submissionId(id, actor!.id);
  const { file } = input;
  if (file && !assignment.kinds.includes(file.kind))
    throw new ValidationError([{ field: 'file', key: 'assessments.assignments.errors.fileKind' }]);
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const current = await Submission.findById(key).lean<SubmissionDoc>();
    const status = (current?.status ?? 'none') as SubmissionStatus;
    if (status === 'accepted') throw new ConflictError('assessments.assignments.errors.accepted');
    const due = ownDueAt(assignment, current);
    if (now > due) throw new AppError(422, 'assessments.assignments.errors.tooLate', { due: wibText(due) });
    type Kept = { id: string; name: string; size: number; mimeType: string; sha256: string };
    const files: Kept[] = (current?.files ?? []).map((kept) => ({
      id: kept.id,
      name: kept.name,
      size: kept.size,
      mimeType: kept.mimeType,
      sha256: kept.sha256,
    }));
    const duplicate = file ? files.some((kept) => kept.sha256 === file.sha256) : false;
    if (file && !duplicate) {
      if (files.length >= assignment.maxFiles)
        throw new ValidationError([
          { field: 'file', key: 'assessments.assignments.errors.tooManyFiles', params: { max: assignment.maxFiles } },
        ]);
      files.push({ id: file.id, name: file.originalName, size: file.size, mimeType: file.mimeType, sha256: file.sha256 });
    }
    if (!input.text.trim() && files.length === 0)
      throw new ValidationError([{ field: 'text', key: 'assessments.assignments.errors.empty' }]);
    const opensRound = status === 'resubmit';
    const round = opensRound ? (current?.round ?? 1) + 1 : (current?.round ?? 1);
    const set = {
      status: 'submitted' as const,
      round,
      text: input.text,
      files,
      submittedAt: now,
      // After the cohort's due date, within an extension; a resubmission keeps its own date.
      late: round === 1 && now > assignment.dueAt,
      ...(opensRound ? { grade: null } : {}),
    };
    if (!current) {
      try {
        await Submission.create({ _id: key, assignment: id, cohort: assignment.cohort, trainee: actor!.id, ...set, revision: 1 });
      } catch (error) {
        if (isDuplicateKeyError(error)) continue; // the other tab's submit came first: add to it
        throw error;
      }
    } else {
      const update: Record<string, unknown> = { $set: set, $inc: { revision: 1 } };
      if (opensRound)
        update.$push = {
          history: {
            round: current.round,
            text: current.text,
            files: current.files,
            submittedAt: current.submittedAt,
            grade: current.grade,
          },
        };
      const result = await Submission.updateOne({ _id: key, revision: current.revision }, update);
      if (result.matchedCount === 0) continue; // changed since read (a grade, another tab): read again
    }
    const stored = await Submission.findById(key).lean<SubmissionDoc>();
    return { submission: toSubmissionView(assignment, actor!.id, stored), unusedFile: duplicate ? file! : null };
  }
  throw new ConflictError('assessments.assignments.errors.changedMeanwhile');
}

/** Takes a file out of the trainee's submission while it waits for grading (or a resubmission); returns it for removal. */
export async function removeEvidenceFile(actor: Actor | null, id: string, fileId: string, now = new Date()) {
  const assignment = await studiedAssignment(actor, id);
  const key = submissionId(id, actor!.id);
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const current = await Submission.findById(key).lean<SubmissionDoc>();
    const file = current?.files.find((kept) => kept.id === fileId);
    if (!current || !file) throw new NotFoundError();
    if (current.status !== 'submitted' || !maySubmit(assignment, current, now))
      throw new ConflictError('assessments.assignments.errors.locked');
    const files = current.files.filter((kept) => kept.id !== fileId);
    if (!files.length && !current.text.trim())
      throw new ValidationError([{ field: 'file', key: 'assessments.assignments.errors.lastFile' }]);
    const result = await Submission.updateOne(
      { _id: key, revision: current.revision },
      { $set: { files }, $inc: { revision: 1 } },
    );
    if (result.matchedCount === 1) {
      // Still part of an earlier round's evidence: keep its bytes.
      const inHistory = current.history.some((round) => round.files.some((kept) => kept.id === fileId));
      return inHistory ? null : fileId;
    }
  }
  throw new ConflictError('assessments.assignments.errors.changedMeanwhile');
}

// --- the staff's side ---------------------------------------------------------------------------

/** The cohort's enrolled (and graduated) trainees with names, in name order. */
export async function cohortTrainees(actor: Actor | null, cohortId: string) {
  const [enrolled, completed] = await Promise.all([
    cohortEnrollments(actor, cohortId, 'enrolled'),
    cohortEnrollments(actor, cohortId, 'completed'),
  ]);
  return [...enrolled, ...completed]
    .map((enrollment) => ({ id: enrollment.trainee, name: enrollment.name, email: enrollment.email }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export type RowState = SubmissionStatus;

/** The assignment with each trainee's state, for staff: not submitted, submitted (late?), resubmission asked, accepted. */
export async function assignmentOverview(actor: Actor | null, id: string, now = new Date()) {
  const { assignment, cohort } = await managedAssignment(actor, id);
  const [trainees, docs, units] = await Promise.all([cohortTrainees(actor, cohort.id), submissionsOf(id), cohortUnits(cohort)]);
  const byTrainee = new Map(docs.map((doc) => [String(doc.trainee), doc]));
  const rows = trainees.map((trainee) => {
    const doc = byTrainee.get(trainee.id) ?? null;
    return { ...trainee, submission: toSubmissionView(assignment, trainee.id, doc), open: maySubmit(assignment, doc, now) };
  });
  const counts: Record<RowState, number> = { none: 0, submitted: 0, resubmit: 0, accepted: 0 };
  for (const row of rows) counts[row.submission.status] += 1;
  return { assignment, cohort, rows, counts, criteriaText: criteriaTexts(units), units };
}

/** A cohort's assignments, due first; for staff with counts, for a trainee with their own state. */
export async function cohortAssignments(actor: Actor | null, cohortId: string) {
  const cohort = await findCohort(cohortId);
  const docs = await Assignment.find({ cohort: cohort.id }).sort({ dueAt: 1, _id: 1 }).limit(500).lean<AssignmentDoc[]>();
  const assignments = docs.map(toAssignmentView);
  if (can(actor, 'assignment.manage', cohortRef(cohort))) {
    const trainees = new Set((await cohortTrainees(actor, cohort.id)).map((trainee) => trainee.id));
    const counts = await Promise.all(
      assignments.map(async (assignment) => {
        // Every trainee of the cohort counts, with or without a submission document.
        const states: Record<RowState, number> = { none: 0, submitted: 0, resubmit: 0, accepted: 0 };
        for (const doc of await submissionsOf(assignment.id)) {
          if (trainees.has(String(doc.trainee)) && doc.status !== 'none') states[doc.status as RowState] += 1;
        }
        states.none = trainees.size - states.submitted - states.resubmit - states.accepted;
        return states;
      }),
    );
    return { cohort, staff: true, items: assignments.map((assignment, index) => ({ ...assignment, counts: counts[index]! })) };
  }
  if (!actor) throw new ForbiddenError();
  const enrollment = await enrollmentOf(actor.id, cohort.id);
  authorize(actor, 'assignment.submit', { trainee: enrollment?.trainee ?? '', status: enrollment?.status ?? '' });
  return { cohort, staff: false, items: await traineeStates(actor.id, assignments) };
}

/** Each assignment with the trainee's state and own due date (one indexed read per assignment, by `_id`). */
export async function traineeStates(traineeId: string, assignments: AssignmentView[]) {
  const docs = assignments.length
    ? await Submission.find({ _id: { $in: assignments.map((assignment) => submissionId(assignment.id, traineeId)) } }).lean<
        SubmissionDoc[]
      >()
    : [];
  const byId = new Map(docs.map((doc) => [doc._id, doc]));
  return assignments.map((assignment) => {
    const doc = byId.get(submissionId(assignment.id, traineeId)) ?? null;
    return { ...assignment, state: (doc?.status ?? 'none') as SubmissionStatus, ownDueAt: ownDueAt(assignment, doc) };
  });
}

/** The assignments of a cohort with the trainee's states, for the course outline (the caller checked enrolment). */
export async function outlineAssignments(cohortId: string, traineeId: string) {
  const docs = await Assignment.find({ cohort: cohortId }).sort({ dueAt: 1, _id: 1 }).limit(500).lean<AssignmentDoc[]>();
  return traineeStates(traineeId, docs.map(toAssignmentView));
}

/** The trainee must be one of the cohort's (enrolled or graduated). */
export async function cohortTrainee(cohortId: string, traineeId: string) {
  const enrollment = mongoose.isValidObjectId(traineeId) ? await enrollmentOf(traineeId, cohortId) : null;
  if (!enrollment || (enrollment.status !== 'enrolled' && enrollment.status !== 'completed'))
    throw new ValidationError([{ field: 'trainee', key: 'assessments.assignments.errors.notTrainee' }]);
}

/** Gives one trainee a later due date (with a reason); giving another replaces it. */
export async function grantExtension(
  actor: Actor | null,
  id: string,
  traineeId: string,
  input: ExtensionInput,
  now = new Date(),
) {
  const { assignment } = await managedAssignment(actor, id);
  await cohortTrainee(assignment.cohort, traineeId);
  if (input.dueAt <= assignment.dueAt)
    throw new ValidationError([{ field: 'dueDay', key: 'assessments.assignments.errors.extensionEarlier' }]);
  const extension = { dueAt: input.dueAt, reason: input.reason, by: actor!.id, at: now };
  const key = submissionId(id, traineeId);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await Submission.updateOne(
        { _id: key },
        {
          $set: { extension },
          $setOnInsert: { assignment: id, cohort: assignment.cohort, trainee: traineeId, status: 'none', round: 1, revision: 0 },
        },
        { upsert: true },
      );
      break;
    } catch (error) {
      // Two upserts at once: one inserts, the other finds it on the second try.
      if (!isDuplicateKeyError(error) || attempt > 0) throw error;
    }
  }
  return toSubmissionView(assignment, traineeId, await Submission.findById(key).lean<SubmissionDoc>());
}

/** One trainee's submission, for staff grading it. */
export async function submissionForStaff(actor: Actor | null, id: string, traineeId: string) {
  const overview = await managedAssignment(actor, id);
  const doc = mongoose.isValidObjectId(traineeId)
    ? await Submission.findById(submissionId(id, traineeId)).lean<SubmissionDoc>()
    : null;
  if (!doc) throw new NotFoundError();
  const [names, units] = await Promise.all([namesOfUsers([traineeId]), cohortUnits(overview.cohort)]);
  return {
    ...overview,
    trainee: { id: traineeId, name: names.get(traineeId) ?? '' },
    submission: toSubmissionView(overview.assignment, traineeId, doc),
    criteriaText: criteriaTexts(units),
  };
}

/**
 * Grades a submission with the rubric: every criterion of the assignment met or not yet met, with
 * comments, and the decision. Accepting needs every criterion met; asking for a resubmission needs
 * its due date, ahead. The grade applies only to the submission as the grader saw it (`revision`):
 * a second grader, or a trainee's new submit meanwhile, makes it a 409 instead of an overwrite.
 */
export async function gradeSubmission(actor: Actor | null, id: string, traineeId: string, input: GradeInput, now = new Date()) {
  const { assignment } = await managedAssignment(actor, id);
  const key = submissionId(id, traineeId);
  const current = mongoose.isValidObjectId(traineeId) ? await Submission.findById(key).lean<SubmissionDoc>() : null;
  if (!current || current.status === 'none') throw new NotFoundError();
  if (current.revision !== input.revision || current.status !== 'submitted')
    throw new ConflictError('assessments.assignments.errors.gradedMeanwhile');
  const given = new Map(input.criteria.map((item) => [item.ref, item]));
  const missing = assignment.criteria.filter((ref) => !given.has(ref));
  if (missing.length || given.size !== assignment.criteria.length)
    throw new ValidationError([
      { field: 'criteria', key: 'assessments.assignments.errors.rubric', params: { refs: missing.join(', ') } },
    ]);
  const criteria = assignment.criteria.map((ref) => given.get(ref)!);
  if (input.decision === 'accepted' && criteria.some((item) => !item.met))
    throw new ValidationError([{ field: 'decision', key: 'assessments.assignments.errors.acceptUnmet' }]);
  if (input.decision === 'resubmit' && (!input.resubmitDueAt || input.resubmitDueAt <= now))
    throw new ValidationError([{ field: 'resubmitDay', key: 'assessments.assignments.errors.resubmitDue' }]);
  const byName = (await namesOfUsers([actor!.id])).get(actor!.id) ?? '';
  const grade = { criteria, comment: input.comment, decision: input.decision, by: actor!.id, byName, at: now };
  const result = await Submission.updateOne(
    { _id: key, revision: input.revision, status: 'submitted' },
    {
      $set: {
        grade,
        status: input.decision,
        resubmitDueAt: input.decision === 'resubmit' ? input.resubmitDueAt : current.resubmitDueAt,
      },
      $inc: { revision: 1 },
    },
  );
  if (result.matchedCount === 0) throw new ConflictError('assessments.assignments.errors.gradedMeanwhile');
  // The unit's result learns what this evidence showed (replacing an earlier round's grade).
  await recordEvidence({
    cohort: assignment.cohort,
    trainee: traineeId,
    unit: assignment.unit,
    source: 'assignment',
    id: key,
    title: assignment.title,
    criteria: criteria.map((item) => ({ ref: item.ref, met: item.met })),
    by: actor!.id,
    at: now,
  });
  return toSubmissionView(assignment, traineeId, await Submission.findById(key).lean<SubmissionDoc>());
}

/** The stored file of a submission, for the trainee themself or staff of the cohort. */
export async function submissionFile(actor: Actor | null, id: string, traineeId: string, fileId: string) {
  const doc = await findAssignment(id);
  if (!actor) throw new ForbiddenError();
  if (actor.id !== traineeId) await taughtCohort(actor, String(doc.cohort));
  else await studiedAssignment(actor, id);
  const submission = mongoose.isValidObjectId(traineeId)
    ? await Submission.findById(submissionId(id, traineeId)).lean<SubmissionDoc>()
    : null;
  const all = [...(submission?.files ?? []), ...(submission?.history ?? []).flatMap((round) => round.files)];
  if (!all.some((file) => file.id === fileId)) throw new NotFoundError();
  return fileId;
}

// --- download all -------------------------------------------------------------------------------

export type ArchiveEntry = {
  assignment: AssignmentView;
  trainee: { id: string; name: string; email: string };
  submission: SubmissionView;
  /** The stored files' ids, in the order of `submission.files`. */
  fileIds: string[];
};

/**
 * What an archive of submissions holds: one assignment's, or every assignment's of a cohort. Only
 * the cohort's staff; submissions of trainees no longer in the cohort are left out.
 */
export async function archiveContents(actor: Actor | null, target: { assignment: string } | { cohort: string }) {
  let cohort: CohortView;
  let assignments: AssignmentView[];
  if ('assignment' in target) {
    const found = await managedAssignment(actor, target.assignment);
    cohort = found.cohort;
    assignments = [found.assignment];
  } else {
    cohort = await taughtCohort(actor, target.cohort);
    assignments = (
      await Assignment.find({ cohort: cohort.id }).sort({ dueAt: 1, _id: 1 }).limit(500).lean<AssignmentDoc[]>()
    ).map(toAssignmentView);
  }
  const [trainees, units] = await Promise.all([cohortTrainees(actor, cohort.id), cohortUnits(cohort)]);
  const entries: ArchiveEntry[] = [];
  for (const assignment of assignments) {
    const docs = await submissionsOf(assignment.id);
    const byTrainee = new Map(docs.map((doc) => [String(doc.trainee), doc]));
    for (const trainee of trainees) {
      const doc = byTrainee.get(trainee.id);
      if (!doc || doc.status === 'none') continue;
      entries.push({
        assignment,
        trainee,
        submission: toSubmissionView(assignment, trainee.id, doc),
        fileIds: doc.files.map((file) => file.id),
      });
    }
  }
  return { cohort, assignments, entries, criteriaText: criteriaTexts(units) };
}
