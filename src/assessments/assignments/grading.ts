import mongoose from 'mongoose';
import type { CohortView } from '../../cohorts/service.js';
import { ConflictError, ForbiddenError, isDuplicateKeyError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { publish } from '../../platform/events.js';
import type { Actor } from '../../platform/permissions.js';
import { namesOfUsers } from '../../users/directory.js';
import { recordEvidence } from '../results/record.js';
import { cohortTrainee, cohortTrainees } from './listing.js';
import { Assignment, type AssignmentDoc, Submission, type SubmissionDoc, submissionId } from './model.js';
import type { ExtensionInput, GradeInput } from './schemas.js';
import {
  type AssignmentView,
  cohortUnits,
  criteriaTexts,
  findAssignment,
  managedAssignment,
  type SubmissionView,
  studiedAssignment,
  submissionsOf,
  taughtCohort,
  toAssignmentView,
  toSubmissionView,
} from './service.js';

/** The staff's side of submissions: extensions, the rubric grade, their files, and all of them for download. */

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
  const { assignment, cohort } = await managedAssignment(actor, id);
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
  await publish('assessment.graded', {
    actor: actor!.id,
    trainee: traineeId,
    cohort: cohort.id,
    institution: cohort.institution,
    kind: 'assignment',
    assessment: id,
    title: assignment.title,
    score: criteria.filter((item) => item.met).length,
    maxScore: criteria.length,
    passed: input.decision === 'accepted',
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
