import mongoose from 'mongoose';
import { cohortRef, findCohort } from '../../cohorts/service.js';
import { cohortEnrollments, enrollmentOf } from '../../enrolment/service.js';
import { ForbiddenError, ValidationError } from '../../platform/errors.js';
import { type Actor, authorize, can } from '../../platform/permissions.js';
import { Assignment, type AssignmentDoc, Submission, type SubmissionDoc, type SubmissionStatus, submissionId } from './model.js';
import {
  type AssignmentView,
  cohortUnits,
  criteriaTexts,
  managedAssignment,
  maySubmit,
  ownDueAt,
  submissionsOf,
  toAssignmentView,
  toSubmissionView,
} from './service.js';

/** The assignments of a cohort for its staff and its trainees, and each trainee's state. */

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
