import { z } from 'zod';
import type { FeatureContext } from '../../app.js';
import { AppError } from '../../platform/errors.js';
import { parseInput } from '../../platform/validation.js';
import { quizApiSchemas } from './apiSchemas.js';
import { saveAnswer, saveAnswers } from './attempts.js';
import { cohortQuizzes } from './listing.js';
import { attemptForTrainee, quizForTrainee, reviewForTrainee, startForTrainee } from './presentation.js';
import { answerBody, answersBody, essayMarkBody, quizBody, quizUpdateBody, submitBody } from './schemas.js';
import { createQuiz, deleteQuiz, managedQuiz, updateQuiz } from './service.js';
import { attemptForStaff, markEssay, quizOverview, regradeQuestion } from './staff.js';
import { submitAttempt } from './submission.js';

/** The quizzes' JSON API: the same services as the pages. */

const answerParam = z.object({ question: z.string().min(1).max(40) });

export function registerQuizApi(api: FeatureContext['api']): void {
  const tag = 'Quizzes';
  const s = quizApiSchemas;
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/quizzes',
      summary: "A cohort's quizzes: for staff with counts, for a trainee with their own state",
      tag,
      access: 'user',
      response: s.quizList,
    },
    async ({ actor, params }) => s.listForApi(await cohortQuizzes(actor, String(params.id))),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/cohorts/{id}/quizzes',
      summary: "Sets up a quiz on a unit or a module of the cohort's program (its staff)",
      tag,
      access: 'user',
      body: quizBody,
      response: s.quizView,
      status: 201,
    },
    async ({ actor, params, body }) => s.quizForApi(await createQuiz(actor, String(params.id), body)),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/quizzes/{id}',
      summary: 'A quiz: its settings for staff; for a trainee, also their attempts and whether they may start one',
      tag,
      access: 'user',
      response: s.quizPage,
    },
    async ({ actor, params }) => {
      if (actor?.role === 'trainee') {
        const page = await quizForTrainee(actor, String(params.id));
        return {
          quiz: s.quizForApi(page.quiz),
          attempts: page.attempts.map(s.summaryForApi),
          mayStart: page.mayStart,
          left: page.left,
        };
      }
      return { quiz: s.quizForApi((await managedQuiz(actor, String(params.id))).quiz) };
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/quizzes/{id}',
      summary: 'Changes a quiz; 409 if it changed since `revision`. Attempts under way keep their questions and limits',
      tag,
      access: 'user',
      body: quizUpdateBody,
      response: s.quizView,
    },
    async ({ actor, params, body }) => s.quizForApi(await updateQuiz(actor, String(params.id), body)),
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/quizzes/{id}',
      summary: 'Deletes a quiz nobody has started (409 once anyone has)',
      tag,
      access: 'user',
    },
    async ({ actor, params }) => {
      await deleteQuiz(actor, String(params.id));
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/quizzes/{id}/attempts',
      summary: "Every trainee of the cohort with their attempts and best result (the quiz's staff)",
      tag,
      access: 'user',
      response: s.overview,
    },
    async ({ actor, params }) => s.overviewForApi(await quizOverview(actor, String(params.id))),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/quizzes/{id}/attempts',
      summary: 'Starts an attempt, or returns the one still open (a retry or a second tab meets the same attempt)',
      tag,
      access: 'user',
      response: s.attemptView,
      status: 201,
    },
    async ({ actor, params, res }) => {
      const view = await startForTrainee(actor, String(params.id));
      res.location(`/api/v1/quiz-attempts/${encodeURIComponent(view.attempt._id)}`);
      return s.attemptForApi(view);
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/quizzes/{id}/questions/{questionId}/regrade',
      summary:
        "Regrades every attempt at the quiz holding the question with the bank's current wording; returns how many changed",
      tag,
      access: 'user',
      response: z.object({ regraded: z.number().int() }),
    },
    async ({ actor, params }) => ({ regraded: await regradeQuestion(actor, String(params.id), String(params.questionId)) }),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/quiz-attempts/{attempt}',
      summary:
        "The trainee's own attempt: its questions (no answer key while open), saved answers, seconds left; once ended, what the review allows",
      tag,
      access: 'user',
      response: s.attemptView,
    },
    async ({ actor, params }) => {
      const view = await attemptForTrainee(actor, String(params.attempt));
      if (view.attempt.status === 'open') return s.attemptForApi(view);
      return s.reviewForApi(await reviewForTrainee(actor, String(params.attempt)));
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/quiz-attempts/{attempt}/answers/{question}',
      summary:
        'Saves one answer (again: the same answer twice is one). 409 after the deadline or for a question passed in sequential order, 404 for a question not in the attempt',
      tag,
      access: 'user',
      body: answerBody.omit({ question: true }),
      response: s.answerOutcome,
    },
    async ({ actor, params, body }) => {
      const { question } = parseInput(answerParam, params);
      return (await saveAnswer(actor, String(params.attempt), { ...body, question })).outcome;
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/quiz-attempts/{attempt}/answers',
      summary: "Saves answers in order (the device's queue); says for each whether it was taken",
      tag,
      access: 'user',
      body: answersBody,
      response: s.answerOutcomes,
    },
    async ({ actor, params, body }) => {
      const { outcomes } = await saveAnswers(actor, String(params.attempt), body.answers);
      return { outcomes: outcomes.map((outcome) => s.outcomeForApi(outcome)) };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/quiz-attempts/{attempt}/submission',
      summary:
        'Submits the attempt with the answers still on the device, once. Idempotency-Key: a retry gets the same answer; 409 while the first is in progress; 422 for the key with another body',
      tag,
      access: 'user',
      body: submitBody,
      response: s.attemptView,
    },
    async ({ actor, params, body, req }) => {
      const key = req.get('Idempotency-Key') ?? undefined;
      if (key !== undefined && (key.length === 0 || key.length > 200))
        throw new AppError(400, 'assessments.quizzes.errors.keyInvalid');
      await submitAttempt(actor, String(params.attempt), { answers: body.answers, key });
      return s.reviewForApi(await reviewForTrainee(actor, String(params.attempt)));
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/quiz-attempts/{attempt}/marks/{questionId}',
      summary:
        "Marks an essay (the quiz's staff): points and a comment; `replaces` is the `at` of the mark it replaces (409 if another was saved meanwhile)",
      tag,
      access: 'user',
      body: essayMarkBody.extend({ replaces: z.iso.datetime().nullable().default(null) }),
      response: s.staffAttempt,
    },
    async ({ actor, params, body }) => {
      await markEssay(actor, String(params.attempt), String(params.questionId), body);
      return s.staffAttemptForApi(await attemptForStaff(actor, String(params.attempt)));
    },
  );
}
