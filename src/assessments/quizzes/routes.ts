import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../../app.js';
import { requireLogin } from '../../auth/passport.js';
import { form, showForm } from '../../platform/http/forms.js';
import { renderMarkdown } from '../../platform/markdown.js';
import { parseInput } from '../../platform/validation.js';
import { wibParts } from '../assignments/schemas.js';
import { registerQuestionImageAccess, textStart } from '../bank.js';
import type { QuestionContent } from '../questions.js';
import { registerQuizApi } from './apiRoutes.js';
import { saveAnswers, startAttempt } from './attempts.js';
import { quizImageAccess } from './imageAccess.js';
import { cohortQuizzes } from './listing.js';
import { attemptForTrainee, quizForTrainee, reviewForTrainee } from './presentation.js';
import { drawRows, essayMarkBody, quizForm, quizLimits } from './schemas.js';
import { bankOf, createQuiz, deleteQuiz, managedQuiz, type QuizView, quizCohort, quizTargets, updateQuiz } from './service.js';
import { attemptForStaff, markEssay, quizOverview, regradeQuestion } from './staff.js';
import { implicitKey, submitAttempt } from './submission.js';

const param = (req: Request, name: string) => String(req.params[name]);
const views = 'assessments/quizzes';

/** A stored quiz as its form's fields. */
function quizValues(quiz: QuizView) {
  const opens = wibParts(quiz.opensAt);
  const closes = wibParts(quiz.closesAt);
  const values: Record<string, unknown> = {
    title: quiz.title,
    instructions: quiz.instructions,
    target: quiz.unit ? `unit:${quiz.unit}` : `module:${quiz.module}`,
    mode: quiz.questions.length ? 'fixed' : 'draw',
    questions: quiz.questions,
    shuffleQuestions: quiz.shuffleQuestions ? 'on' : '',
    shuffleOptions: quiz.shuffleOptions ? 'on' : '',
    timeLimit: quiz.timeLimit === null ? '' : String(quiz.timeLimit),
    attemptsAllowed: String(quiz.attemptsAllowed),
    passMark: String(quiz.passMark),
    navigation: quiz.navigation,
    reviewScore: quiz.review.score,
    reviewAnswers: quiz.review.answers,
    reviewFeedback: quiz.review.feedback,
    opensDay: opens.day,
    opensTime: opens.time,
    closesDay: closes.day,
    closesTime: closes.time,
    revision: String(quiz.revision),
  };
  for (const [row, draw] of quiz.draws.entries()) {
    values[`drawUnit-${row}`] = draw.unit;
    values[`drawTag-${row}`] = draw.tag;
    values[`drawCount-${row}`] = String(draw.count);
  }
  return values;
}

/** A form answer as the service takes it: a checkbox group's values, a matching question's selects. */
function formResponse(body: Record<string, unknown>, question: { id: string; type: string; pairs: { id: string }[] }) {
  const name = `q-${question.id}`;
  if (question.type === 'multiple') return ([] as unknown[]).concat(body[name] ?? []);
  if (question.type === 'matching')
    return Object.fromEntries(question.pairs.map((pair) => [pair.id, body[`${name}-${pair.id}`] ?? '']));
  return body[name] ?? null;
}

export function registerQuizRoutes({ web, api, highlights }: FeatureContext): void {
  highlights.add('trainees', 'assessments.quizzes.highlight.trainees');
  highlights.add('instructors', 'assessments.quizzes.highlight.instructors');
  // Trainees see the images of the questions in their attempts (one registration, however many apps).
  registerQuestionImageAccess(quizImageAccess);
  // --- a cohort's quizzes -------------------------------------------------------------------------
  web.get('/cohorts/:cohortId/quizzes', requireLogin, async (req, res) => {
    const list = await cohortQuizzes(req.actor!, param(req, 'cohortId'));
    res.render(`${views}/list`, { title: req.t('assessments.quizzes.title'), ...list, saved: req.query.saved });
  });

  const formLocals = async (req: Request, cohortId: string, quiz: QuizView | null) => {
    const cohort = await quizCohort(req.actor!, cohortId);
    const [targets, bank] = await Promise.all([quizTargets(cohort), bankOf(cohort.program)]);
    const tags = [...new Set(bank.flatMap((doc) => (doc.content as QuestionContent).tags))].sort();
    return {
      title: req.t(quiz ? 'assessments.quizzes.edit' : 'assessments.quizzes.new'),
      cohort,
      quiz,
      targets,
      tags,
      drawRows,
      limits: quizLimits,
      bank: bank.map((doc) => {
        const content = doc.content as QuestionContent;
        return { id: String(doc._id), type: content.type, text: textStart(content.text, 100), units: content.units };
      }),
    };
  };
  const newLocals = async (req: Request) => ({
    ...(await formLocals(req, param(req, 'cohortId'), null)),
    values: {
      mode: 'draw',
      shuffleOptions: 'on',
      attemptsAllowed: '1',
      passMark: '70',
      timeLimit: '30',
      navigation: 'free',
      reviewScore: 'immediately',
      reviewAnswers: 'afterClose',
      reviewFeedback: 'immediately',
      'drawCount-0': '10',
    },
  });
  web.get('/cohorts/:cohortId/quizzes/new', requireLogin, showForm(`${views}/form`, newLocals));
  web.post('/cohorts/:cohortId/quizzes', requireLogin, form(`${views}/form`, newLocals), async (req, res) => {
    await quizCohort(req.actor!, param(req, 'cohortId')); // the permission before what is typed
    const quiz = await createQuiz(req.actor!, param(req, 'cohortId'), parseInput(quizForm, req.body));
    res.redirect(303, `/quizzes/${quiz.id}?saved=created`);
  });

  const editLocals = async (req: Request) => {
    const { quiz } = await managedQuiz(req.actor!, param(req, 'id'));
    return { ...(await formLocals(req, quiz.cohort, quiz)), values: quizValues(quiz) };
  };
  web.get('/quizzes/:id/edit', requireLogin, showForm(`${views}/form`, editLocals));
  web.post('/quizzes/:id', requireLogin, form(`${views}/form`, editLocals), async (req, res) => {
    await managedQuiz(req.actor!, param(req, 'id'));
    await updateQuiz(req.actor!, param(req, 'id'), parseInput(quizForm, req.body));
    res.redirect(303, `/quizzes/${param(req, 'id')}?saved=updated`);
  });
  web.post('/quizzes/:id/delete', requireLogin, async (req, res) => {
    const cohort = await deleteQuiz(req.actor!, param(req, 'id'));
    res.redirect(303, `/cohorts/${cohort}/quizzes?saved=deleted`);
  });
  web.post('/quizzes/:id/questions/:questionId/regrade', requireLogin, async (req, res) => {
    const count = await regradeQuestion(req.actor!, param(req, 'id'), param(req, 'questionId'));
    res.redirect(303, `/quizzes/${param(req, 'id')}?saved=regraded&count=${count}`);
  });

  // --- one quiz: the staff's overview, or the trainee's page ---------------------------------------
  web.get('/quizzes/:id', requireLogin, async (req, res) => {
    const saved = typeof req.query.saved === 'string' ? req.query.saved : null;
    if (req.actor!.role === 'trainee') {
      const page = await quizForTrainee(req.actor!, param(req, 'id'));
      return res.render(`${views}/trainee`, {
        title: page.quiz.title,
        ...page,
        html: renderMarkdown(page.quiz.instructions),
        saved,
      });
    }
    const overview = await quizOverview(req.actor!, param(req, 'id'));
    res.render(`${views}/overview`, {
      title: overview.quiz.title,
      ...overview,
      html: renderMarkdown(overview.quiz.instructions),
      saved,
      count: Number(req.query.count) || 0,
    });
  });
  web.post('/quizzes/:id/attempts', requireLogin, async (req, res) => {
    const { attempt } = await startAttempt(req.actor!, param(req, 'id'));
    res.redirect(303, `/quiz-attempts/${encodeURIComponent(attempt._id)}`);
  });

  // --- an attempt: taking it, reviewing it, marking it ---------------------------------------------
  web.get('/quiz-attempts/:attempt', requireLogin, async (req, res) => {
    if (req.actor!.role !== 'trainee') {
      const view = await attemptForStaff(req.actor!, param(req, 'attempt'));
      return res.render(`${views}/marking`, { title: view.quiz.title, ...view, saved: req.query.saved, errors: {} });
    }
    const view = await attemptForTrainee(req.actor!, param(req, 'attempt'));
    if (view.attempt.status !== 'open') {
      const review = await reviewForTrainee(req.actor!, param(req, 'attempt'));
      return res.render(`${views}/review`, { title: view.quiz.title, ...review, saved: req.query.saved });
    }
    res.render(`${views}/take`, {
      title: view.quiz.title,
      ...view,
      submitKey: implicitKey(view.attempt._id),
      account: req.actor!.id,
      saved: req.query.saved,
      refused: typeof req.query.refused === 'string' ? req.query.refused : null,
    });
  });
  web.post('/quiz-attempts/:attempt/answers', requireLogin, async (req, res) => {
    const view = await attemptForTrainee(req.actor!, param(req, 'attempt'));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const shown = new Set(([] as unknown[]).concat(body.shown ?? []).map(String));
    const inputs = view.questions
      .filter((question) => shown.has(question.id))
      .map((question) => ({
        question: question.id,
        response: formResponse(body, question),
        advance: body.advance === question.id,
      }));
    const { outcomes } = await saveAnswers(req.actor!, param(req, 'attempt'), inputs);
    const refused = outcomes.find((outcome) => outcome.outcome === 'refused');
    const target = `/quiz-attempts/${encodeURIComponent(param(req, 'attempt'))}`;
    if (body.finish === '1' && !refused) return res.redirect(303, `${target}?saved=confirm#submit`);
    res.redirect(303, refused ? `${target}?refused=${encodeURIComponent(refused.reason ?? '')}` : `${target}?saved=answers`);
  });
  web.post('/quiz-attempts/:attempt/submit', requireLogin, async (req, res) => {
    const key = typeof req.body?.key === 'string' && req.body.key ? req.body.key : undefined;
    await submitAttempt(req.actor!, param(req, 'attempt'), { answers: [], key });
    res.redirect(303, `/quiz-attempts/${encodeURIComponent(param(req, 'attempt'))}?saved=submitted`);
  });
  const markingLocals = async (req: Request) => {
    const view = await attemptForStaff(req.actor!, param(req, 'attempt'));
    return { title: view.quiz.title, ...view, saved: undefined };
  };
  web.post(
    '/quiz-attempts/:attempt/marks/:questionId',
    requireLogin,
    form(`${views}/marking`, markingLocals),
    async (req, res) => {
      const input = parseInput(essayMarkBody.extend({ replaces: z.string().default('') }), req.body);
      await markEssay(req.actor!, param(req, 'attempt'), param(req, 'questionId'), {
        ...input,
        replaces: input.replaces || null,
      });
      res.redirect(303, `/quiz-attempts/${encodeURIComponent(param(req, 'attempt'))}?saved=marked`);
    },
  );

  registerQuizApi(api);
}
