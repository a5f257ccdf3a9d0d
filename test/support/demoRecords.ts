import mongoose from 'mongoose';
import { Assignment } from '../../src/assessments/assignments/model.js';
import { Observation } from '../../src/assessments/observations/model.js';
import { Quiz, QuizAttempt } from '../../src/assessments/quizzes/model.js';
import { HandoffBatch, Lsp } from '../../src/certification/model.js';
import { CertificationResult, resultId } from '../../src/certification/results/model.js';
import { Cohort } from '../../src/cohorts/model.js';
import { CompletionRecord } from '../../src/completion/model.js';
import { CounsellingSession } from '../../src/counselling/model.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { Institution } from '../../src/institutions/model.js';
import { LiveSession } from '../../src/live/model.js';
import { Lesson, Module, Program } from '../../src/programs/model.js';
import { seedDemo } from '../../src/seed/demo.js';
import { demoFinishedCohortName } from '../../src/seed/demoCompletion.js';
import { demoCohortName } from '../../src/seed/demoLearning.js';
import { surveyId } from '../../src/tracer/model.js';
import { User } from '../../src/users/model.js';

export { demoPassword } from '../../src/seed/demo.js';

/**
 * The demo accounts (src/seed/demo.ts) by role; the trainee is enrolled and studies, the applicant
 * waits for counselling, the graduate completed the finished cohort (src/seed/demoCompletion.ts):
 * her completion record, certificate, LSP result and employment surveys.
 */
export const demoLogins = {
  admin: 'admin@kompeten.test',
  coordinator: 'koordinator@kompeten.test',
  instructor: 'instruktur1@kompeten.test',
  trainee: 'peserta1@kompeten.test',
  applicant: 'peserta5@kompeten.test',
  graduate: 'peserta6@kompeten.test',
} as const;

/**
 * Seeds the demo data and tells what to put in a route's parameters to reach real records: by the
 * parameter's name (`cohortId`, `code`), else by the path segment before it (`/programs/:id`).
 * An id with no demo record (files, import jobs) is a fresh ObjectId: a well-formed id of nothing.
 */
export async function seedDemoRecords() {
  await seedDemo();
  const program = await Program.findOne({ code: 'JWP-DASAR' }).lean();
  const trainee = await User.findOne({ email: demoLogins.trainee }).lean();
  const applicant = await User.findOne({ email: demoLogins.applicant }).lean();
  const cohort = await Cohort.findOne({ program: program?._id, name: demoCohortName }).lean();
  const enrollment = await Enrollment.findOne({ cohort: cohort?._id, trainee: trainee?._id }).lean();
  const lesson = await Lesson.findOne({ program: program?._id }).lean();
  const module = await Module.findOne({ program: program?._id }).lean();
  const session = await CounsellingSession.findOne({ applicant: trainee?._id }).lean();
  const institution = await Institution.findOne({ name: 'BBPVP Bekasi' }).lean();
  // The assessments (src/seed/demoAssessments.ts): the trainee's graded attempt at the first quiz.
  const quiz = await Quiz.findOne({ cohort: cohort?._id }).sort({ createdAt: 1 }).lean();
  const attempt = await QuizAttempt.findOne({ quiz: quiz?._id, trainee: trainee?._id }).lean();
  const assignment = await Assignment.findOne({ cohort: cohort?._id }).lean();
  const observation = await Observation.findOne({ cohort: cohort?._id }).lean();
  // The live classes (src/seed/demoLive.ts): the first, held two days ago, has a report.
  const liveSession = await LiveSession.findOne({ cohort: cohort?._id }).sort({ startsAt: 1 }).lean();
  // Issue 12 (src/seed/demoCompletion.ts): the finished cohort, the graduate's standing record, the
  // batch handed to the LSP and its results, her three-month survey.
  const finishedCohort = await Cohort.findOne({ program: program?._id, name: demoFinishedCohortName }).lean();
  const graduate = await User.findOne({ email: demoLogins.graduate }).lean();
  const record = await CompletionRecord.findOne({ trainee: graduate?._id, status: 'approved' }).lean();
  const batch = await HandoffBatch.findOne({ records: String(record?._id) }).lean();
  const lsp = await Lsp.findById(batch?.lsp).lean();
  const result = await CertificationResult.findById(resultId(String(batch?._id), String(record?._id))).lean();
  if (
    !program ||
    !trainee ||
    !applicant ||
    !cohort ||
    !enrollment ||
    !lesson ||
    !module ||
    !session ||
    !institution ||
    !quiz ||
    !attempt ||
    !assignment ||
    !observation ||
    !liveSession ||
    !finishedCohort ||
    !graduate ||
    !record ||
    !batch ||
    !lsp ||
    !result
  ) {
    throw new Error('The demo data lacks a record the tests need');
  }
  const byName: Record<string, string> = {
    cohortId: String(cohort._id),
    lessonId: String(lesson._id),
    applicantId: String(applicant._id),
    enrollment: String(enrollment._id),
    code: 'J.620100.004.02',
    unit: 'J.620100.004.02',
    token: 'not-a-real-link',
    name: 'competency-units',
    version: '1',
    attempt: String(attempt._id),
    traineeId: String(trainee._id),
    result: String(result._id),
    survey: surveyId(record.enrollment, 3),
  };
  const bySegment: Record<string, string> = {
    programs: String(program._id),
    catalogue: String(program._id),
    modules: String(module._id),
    lessons: String(lesson._id),
    cohorts: String(cohort._id),
    learn: String(cohort._id),
    users: String(trainee._id),
    trainees: String(trainee._id),
    institutions: String(institution._id),
    counselling: String(applicant._id),
    sessions: String(session._id),
    quizzes: String(quiz._id),
    'quiz-attempts': String(attempt._id),
    assignments: String(assignment._id),
    observations: String(observation._id),
    'live-sessions': String(liveSession._id),
    'completion-records': String(record._id),
    'handoff-batches': String(batch._id),
    batches: String(batch._id),
    lsps: String(lsp._id),
  };
  /** A real value for parameter `name` of `path` (`:name` or `{name}`), encoded for the address. */
  const valueFor = (path: string, name: string, given: Record<string, string> = {}) => {
    const segments = path.split('/');
    const at = segments.findIndex((segment) => segment === `:${name}` || segment === `{${name}}`);
    const before = segments[at - 1] ?? '';
    return encodeURIComponent(given[name] ?? byName[name] ?? bySegment[before] ?? new mongoose.Types.ObjectId().toHexString());
  };
  /** `path` with real values in its parameters; `given` overrides them by name. */
  const fill = (path: string, given: Record<string, string> = {}) =>
    path.replace(/:(\w+)|\{(\w+)\}/g, (_whole, colon?: string, brace?: string) =>
      valueFor(path, (colon ?? brace) as string, given),
    );
  return {
    program,
    trainee,
    applicant,
    cohort,
    enrollment,
    lesson,
    module,
    session,
    institution,
    quiz,
    attempt,
    assignment,
    observation,
    finishedCohort,
    graduate,
    record,
    batch,
    lsp,
    valueFor,
    fill,
  };
}
