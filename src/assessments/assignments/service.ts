import mongoose from 'mongoose';
import { type CohortView, cohortRef, findCohort } from '../../cohorts/service.js';
import { enrollmentOf } from '../../enrolment/service.js';
import type { StoredFileRecord } from '../../files/index.js';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  isDuplicateKeyError,
  NotFoundError,
  ValidationError,
} from '../../platform/errors.js';
import { publish } from '../../platform/events.js';
import { type Actor, authorize, runsOwnProgram } from '../../platform/permissions.js';
import { versionSnapshot } from '../../programs/publishing.js';
import { CompetencyUnit } from '../../units/model.js';
import { unitOfRef, unitRef } from '../../units/refs.js';
import { forgetEvidence } from '../results/record.js';
import { Assignment, type AssignmentDoc, Submission, type SubmissionDoc, type SubmissionStatus, submissionId } from './model.js';
import { type AssignmentInput, wibText } from './schemas.js';

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

export async function findAssignment(id: string): Promise<AssignmentDoc> {
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
export const submissionsOf = (assignmentId: string) =>
  Submission.find({ assignment: assignmentId }).limit(5000).lean<SubmissionDoc[]>();

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
export async function studiedAssignment(actor: Actor | null, id: string) {
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
    // A first hand-in or a new round is news; a file added to a waiting submission is not.
    if (status !== 'submitted') {
      const cohort = await findCohort(assignment.cohort);
      await publish('assessment.submitted', {
        trainee: actor!.id,
        cohort: cohort.id,
        institution: cohort.institution,
        kind: 'assignment',
        assessment: id,
        title: assignment.title,
        at: now,
      });
    }
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
