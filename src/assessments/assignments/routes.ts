import type { NextFunction, Request, Response } from 'express';
import type { FeatureContext } from '../../app.js';
import { requireLogin } from '../../auth/passport.js';
import { fileKinds } from '../../files/kinds.js';
import { form, showForm } from '../../platform/http/forms.js';
import { renderMarkdown } from '../../platform/markdown.js';
import { parseInput } from '../../platform/validation.js';
import { sendArchive } from './archive.js';
import { archiveContents, gradeSubmission, grantExtension, submissionFile, submissionForStaff } from './grading.js';
import { assignmentOverview, cohortAssignments } from './listing.js';
import {
  assignmentBody,
  assignmentForm,
  assignmentLimits,
  assignmentUpdateBody,
  assignmentView,
  cohortAssignmentList,
  extensionBody,
  extensionForm,
  gradeBody,
  parseGradeForm,
  submissionBody,
  submissionForm,
  submissionView,
  wibParts,
} from './schemas.js';
import {
  type AssignmentView,
  cohortUnits,
  createAssignment,
  deleteAssignment,
  managedAssignment,
  removeEvidenceFile,
  type SubmissionView,
  submitEvidence,
  taughtCohort,
  traineeAssignment,
  updateAssignment,
} from './service.js';

const param = (req: Request, name: string) => String(req.params[name]);
const views = 'assessments/assignments';

/** The assignment as the API shows it. */
const apiAssignment = (assignment: AssignmentView) => ({ ...assignment, dueAt: assignment.dueAt.toISOString() });
const apiSubmission = (submission: SubmissionView) => ({
  assignment: submission.assignment,
  trainee: submission.trainee,
  status: submission.status,
  round: submission.round,
  text: submission.text,
  files: submission.files,
  submittedAt: submission.submittedAt?.toISOString() ?? null,
  late: submission.late,
  dueAt: submission.dueAt.toISOString(),
  grade: submission.grade
    ? {
        criteria: submission.grade.criteria,
        comment: submission.grade.comment,
        decision: submission.grade.decision,
        by: submission.grade.by,
        at: submission.grade.at.toISOString(),
      }
    : null,
  revision: submission.revision,
});

/** A stored assignment as its form's fields. */
const assignmentValues = (assignment: AssignmentView) => {
  const due = wibParts(assignment.dueAt);
  return {
    title: assignment.title,
    instructions: assignment.instructions,
    unit: assignment.unit,
    criteria: assignment.criteria,
    kinds: assignment.kinds,
    maxFiles: String(assignment.maxFiles),
    dueDay: due.day,
    dueTime: due.time,
    revision: String(assignment.revision),
  };
};

export function registerAssignmentRoutes({ web, api, files }: FeatureContext): void {
  // --- a cohort's assignments -----------------------------------------------------------------------
  web.get('/cohorts/:cohortId/assignments', requireLogin, async (req, res) => {
    const list = await cohortAssignments(req.actor!, param(req, 'cohortId'));
    res.render(`${views}/list`, { title: req.t('assessments.assignments.title'), ...list, saved: req.query.saved });
  });

  const formLocals = async (req: Request, cohortId: string, assignment: AssignmentView | null) => {
    const cohort = await taughtCohort(req.actor!, cohortId);
    return {
      title: req.t(assignment ? 'assessments.assignments.edit' : 'assessments.assignments.new'),
      cohort,
      assignment,
      units: await cohortUnits(cohort),
      kinds: fileKinds,
      limits: assignmentLimits,
    };
  };
  const newLocals = async (req: Request) => ({
    ...(await formLocals(req, param(req, 'cohortId'), null)),
    values: { maxFiles: '3', kinds: ['image', 'document'], dueTime: '23:59' },
  });
  web.get('/cohorts/:cohortId/assignments/new', requireLogin, showForm(`${views}/form`, newLocals));
  web.post('/cohorts/:cohortId/assignments', requireLogin, form(`${views}/form`, newLocals), async (req, res) => {
    await taughtCohort(req.actor!, param(req, 'cohortId')); // the permission before what is typed
    const assignment = await createAssignment(req.actor!, param(req, 'cohortId'), parseInput(assignmentForm, req.body));
    res.redirect(303, `/assignments/${assignment.id}?saved=created`);
  });

  const editLocals = async (req: Request) => {
    const { assignment } = await managedAssignment(req.actor!, param(req, 'id'));
    return { ...(await formLocals(req, assignment.cohort, assignment)), values: assignmentValues(assignment) };
  };
  web.get('/assignments/:id/edit', requireLogin, showForm(`${views}/form`, editLocals));
  web.post('/assignments/:id', requireLogin, form(`${views}/form`, editLocals), async (req, res) => {
    await managedAssignment(req.actor!, param(req, 'id'));
    await updateAssignment(req.actor!, param(req, 'id'), parseInput(assignmentForm, req.body));
    res.redirect(303, `/assignments/${param(req, 'id')}?saved=updated`);
  });
  web.post('/assignments/:id/delete', requireLogin, async (req, res) => {
    const cohort = await deleteAssignment(req.actor!, param(req, 'id'));
    res.redirect(303, `/cohorts/${cohort}/assignments?saved=deleted`);
  });

  // --- one assignment: the staff's overview, or the trainee's page ----------------------------------
  const traineeLocals = async (req: Request) => {
    const found = await traineeAssignment(req.actor!, param(req, 'id'));
    return {
      title: found.assignment.title,
      ...found,
      html: renderMarkdown(found.assignment.instructions),
      now: new Date(),
      saved: typeof req.query.saved === 'string' ? req.query.saved : null,
      values: { text: found.submission.text },
    };
  };
  web.get('/assignments/:id', requireLogin, async (req, res, next) => {
    if (req.actor!.role === 'trainee') return showForm(`${views}/trainee`, traineeLocals)(req, res).catch(next);
    const overview = await assignmentOverview(req.actor!, param(req, 'id'));
    res.render(`${views}/overview`, {
      title: overview.assignment.title,
      ...overview,
      html: renderMarkdown(overview.assignment.instructions),
      saved: req.query.saved,
      now: new Date(),
    });
  });

  /** The trainee's submit: text and, where the assignment takes files, one file per submit (sniffed, size-limited). */
  const acceptEvidenceFile = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const { assignment } = await traineeAssignment(req.actor!, param(req, 'id')); // may submit at all?
      if (!req.is('multipart/form-data')) return next();
      if (!assignment.kinds.length) return next();
      files.acceptUpload({ field: 'file', kinds: assignment.kinds, required: false })(req, res, next);
    } catch (error) {
      next(error);
    }
  };
  web.post(
    '/assignments/:id/submission',
    requireLogin,
    form(`${views}/trainee`, traineeLocals),
    acceptEvidenceFile,
    async (req: Request, res: Response) => {
      const { text } = parseInput(submissionForm, req.body ?? {});
      const outcome = await submitEvidence(req.actor!, param(req, 'id'), { text, file: req.storedFile });
      if (outcome.unusedFile) await files.removeStoredFile(outcome.unusedFile);
      res.redirect(303, `/assignments/${param(req, 'id')}?saved=submitted`);
    },
  );
  web.post('/assignments/:id/submission/files/:fileId/remove', requireLogin, async (req, res) => {
    const removed = await removeEvidenceFile(req.actor!, param(req, 'id'), param(req, 'fileId'));
    if (removed) await files.removeStoredFile(await files.findStoredFile(removed));
    res.redirect(303, `/assignments/${param(req, 'id')}?saved=fileRemoved`);
  });
  web.get('/assignments/:id/submissions/:traineeId/files/:fileId', requireLogin, async (req, res) => {
    const fileId = await submissionFile(req.actor!, param(req, 'id'), param(req, 'traineeId'), param(req, 'fileId'));
    await files.sendRequestedFile(req, res, await files.findStoredFile(fileId));
  });

  // --- extensions and grading -----------------------------------------------------------------------
  const overviewLocals = async (req: Request) => {
    const overview = await assignmentOverview(req.actor!, param(req, 'id'));
    return {
      title: overview.assignment.title,
      ...overview,
      html: renderMarkdown(overview.assignment.instructions),
      saved: undefined,
      now: new Date(),
    };
  };
  web.post('/assignments/:id/extensions', requireLogin, form(`${views}/overview`, overviewLocals), async (req, res) => {
    await managedAssignment(req.actor!, param(req, 'id'));
    const input = parseInput(extensionForm, req.body);
    await grantExtension(req.actor!, param(req, 'id'), input.trainee, input);
    res.redirect(303, `/assignments/${param(req, 'id')}?saved=extended`);
  });

  const gradeLocals = async (req: Request) => {
    const found = await submissionForStaff(req.actor!, param(req, 'id'), param(req, 'traineeId'));
    const grade = found.submission.grade;
    const values: Record<string, string> = { revision: String(found.submission.revision), comment: grade?.comment ?? '' };
    for (const [index, ref] of found.assignment.criteria.entries()) {
      const given = grade?.criteria.find((item) => item.ref === ref);
      if (given) values[`met-${index}`] = given.met ? 'yes' : 'no';
      values[`comment-${index}`] = given?.comment ?? '';
    }
    // A resubmission's due date offered a week ahead, at the end of the day.
    const ahead = wibParts(new Date(Date.now() + 7 * 86_400_000));
    values.resubmitDay = ahead.day;
    values.resubmitTime = '23:59';
    return { title: found.assignment.title, ...found, values };
  };
  web.get('/assignments/:id/submissions/:traineeId', requireLogin, showForm(`${views}/grade`, gradeLocals));
  web.post(
    '/assignments/:id/submissions/:traineeId/grade',
    requireLogin,
    form(`${views}/grade`, gradeLocals),
    async (req, res) => {
      const { assignment } = await managedAssignment(req.actor!, param(req, 'id'));
      const input = parseGradeForm(req.body, assignment.criteria);
      await gradeSubmission(req.actor!, param(req, 'id'), param(req, 'traineeId'), input);
      res.redirect(303, `/assignments/${param(req, 'id')}?saved=graded`);
    },
  );

  // --- download all ---------------------------------------------------------------------------------
  web.get('/assignments/:id/download', requireLogin, async (req, res) => {
    const contents = await archiveContents(req.actor!, { assignment: param(req, 'id') });
    const name = `${contents.cohort.name} - ${contents.assignments[0]!.title}.zip`;
    await sendArchive(req, res, files, contents, { fileName: name, perAssignment: false });
  });
  web.get('/cohorts/:cohortId/assignments/download', requireLogin, async (req, res) => {
    const contents = await archiveContents(req.actor!, { cohort: param(req, 'cohortId') });
    const name = `${contents.cohort.name} - ${req.t('assessments.assignments.title')}.zip`;
    await sendArchive(req, res, files, contents, { fileName: name, perAssignment: true });
  });

  // --- API ------------------------------------------------------------------------------------------
  const tag = 'Assignments';
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/assignments',
      summary:
        "A cohort's assignments, due first: for its staff with the number of trainees in each state, for its trainees with their own state and due date",
      tag,
      access: 'user',
      response: cohortAssignmentList,
    },
    async ({ actor, params }) => {
      const list = await cohortAssignments(actor, String(params.id));
      return {
        items: list.items.map((item) => ({
          ...apiAssignment(item),
          ...('counts' in item ? { counts: item.counts } : {}),
          ...('state' in item ? { state: item.state, ownDueAt: item.ownDueAt.toISOString() } : {}),
        })),
      };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/cohorts/{id}/assignments',
      summary:
        "Sets an assignment for criteria of one unit of the cohort's program (its staff); dueAt is ISO 8601 with its offset",
      tag,
      access: 'user',
      body: assignmentBody,
      response: assignmentView,
      status: 201,
    },
    async ({ actor, params, body }) => apiAssignment(await createAssignment(actor, String(params.id), body)),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/assignments/{id}',
      summary: 'Changes an assignment; 409 if it changed since `revision`',
      tag,
      access: 'user',
      body: assignmentUpdateBody,
      response: assignmentView,
    },
    async ({ actor, params, body }) => apiAssignment(await updateAssignment(actor, String(params.id), body)),
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/assignments/{id}',
      summary: 'Deletes an assignment nobody has submitted to (409 once anyone has)',
      tag,
      access: 'user',
    },
    async ({ actor, params }) => {
      await deleteAssignment(actor, String(params.id));
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/assignments/{id}/submission',
      summary:
        "The trainee's submission of text (files are added through the web form, one per submit); refused (422) after their own due date",
      tag,
      access: 'user',
      body: submissionBody,
      response: submissionView,
    },
    async ({ actor, params, body }) =>
      apiSubmission((await submitEvidence(actor, String(params.id), { text: body.text })).submission),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/assignments/{id}/extensions/{traineeId}',
      summary: "Gives one trainee a due date later than the assignment's, with a reason (staff)",
      tag,
      access: 'user',
      body: extensionBody,
      response: submissionView,
    },
    async ({ actor, params, body }) =>
      apiSubmission(await grantExtension(actor, String(params.id), String(params.traineeId), body)),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/assignments/{id}/submissions/{traineeId}/grade',
      summary:
        'Grades a submission: each criterion met or not, comments, accepted or resubmission (with its due date); 409 if it changed since `revision` (another grader, a new submit)',
      tag,
      access: 'user',
      body: gradeBody,
      response: submissionView,
    },
    async ({ actor, params, body }) =>
      apiSubmission(await gradeSubmission(actor, String(params.id), String(params.traineeId), body)),
  );
}
