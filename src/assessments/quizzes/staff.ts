import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { Actor } from '../../platform/permissions.js';
import { namesOfUsers } from '../../users/directory.js';
import { cohortTrainees } from '../assignments/listing.js';
import { Question, type QuestionDoc } from '../model.js';
import type { QuestionContent } from '../questions.js';
import { answersOf, attemptQuestion } from './attempts.js';
import { type AttemptDoc, QuizAttempt } from './model.js';
import { answerKey, attemptSummary, takenQuestion } from './presentation.js';
import { type EssayMark, gradeAttempt, resultsOf } from './scoring.js';
import { managedQuiz, questionCount } from './service.js';

/** The staff's side of a quiz: who attempted it with what result, essays to mark, regrading. */

const attemptsOfQuiz = (quizId: string) => QuizAttempt.find({ quiz: quizId }).limit(20_000).lean<AttemptDoc[]>();

/** The quiz with every trainee of the cohort and their attempts; the questions whose bank wording is newer. */
export async function quizOverview(actor: Actor | null, quizId: string) {
  const { quiz, cohort } = await managedQuiz(actor, quizId);
  const [trainees, attempts] = await Promise.all([cohortTrainees(actor, cohort.id), attemptsOfQuiz(quizId)]);
  const byTrainee = new Map<string, AttemptDoc[]>();
  for (const attempt of attempts) {
    const list = byTrainee.get(String(attempt.trainee)) ?? [];
    list.push(attempt);
    byTrainee.set(String(attempt.trainee), list);
  }
  const rows = trainees.map((trainee) => {
    const own = (byTrainee.get(trainee.id) ?? []).sort((a, b) => a.number - b.number);
    const graded = own.filter((attempt) => attempt.status === 'graded');
    const best = graded.reduce<AttemptDoc | null>(
      (top, attempt) => (!top || (attempt.percent ?? 0) > (top.percent ?? 0) ? attempt : top),
      null,
    );
    return { ...trainee, attempts: own.map(attemptSummary), best: best ? attemptSummary(best) : null };
  });
  // Questions used by attempts whose bank wording changed since: they can be regraded.
  const used = new Map<string, { revision: number; text: string }>();
  for (const attempt of attempts)
    for (const question of attempt.questions) {
      const seen = used.get(question.id);
      if (!seen || question.revision < seen.revision)
        used.set(question.id, { revision: question.revision, text: (question.content as QuestionContent).text });
    }
  const current = used.size ? await Question.find({ _id: { $in: [...used.keys()] } }, { revision: 1 }).lean<QuestionDoc[]>() : [];
  const changed = current
    .filter((doc) => doc.revision > (used.get(String(doc._id))?.revision ?? doc.revision))
    .map((doc) => ({ id: String(doc._id), revision: doc.revision, text: used.get(String(doc._id))!.text }));
  const counts = {
    started: rows.filter((row) => row.attempts.length).length,
    needsGrading: attempts.filter((attempt) => attempt.status === 'needsGrading').length,
    passed: rows.filter((row) => row.best?.passed).length,
  };
  return { quiz, cohort, rows, counts, changed, questionCount: questionCount(quiz) };
}

/** One attempt in full for staff: each answer, its points, the key, and essays to mark. */
export async function attemptForStaff(actor: Actor | null, attemptId: string) {
  const attempt = await QuizAttempt.findById(attemptId).lean<AttemptDoc>();
  if (!attempt) throw new NotFoundError();
  const { quiz, cohort } = await managedQuiz(actor, String(attempt.quiz));
  const answers = await answersOf(attempt._id);
  const responses = new Map(answers.map((answer) => [answer.question, answer]));
  const results = resultsOf(attempt, answers);
  const marks = (attempt.marks ?? {}) as Record<string, EssayMark & { byName?: string }>;
  const trainee = (await namesOfUsers([String(attempt.trainee)])).get(String(attempt.trainee)) ?? '';
  return {
    quiz,
    cohort,
    trainee,
    attempt: attemptSummary(attempt),
    questions: attempt.questions.map((question, index) => ({
      ...takenQuestion(question, index),
      response: responses.get(question.id)?.response ?? null,
      late: responses.get(question.id)?.late ?? false,
      result: results[index]!,
      key: answerKey(question.content as QuestionContent),
      mark: marks[question.id] ?? null,
    })),
  };
}

/**
 * Marks an essay: points up to the question's and a comment, then grades the attempt again. The
 * form carries when the mark it replaces was given (none for a first mark), so two graders saving
 * at once cannot overwrite each other silently: the second is told (409).
 */
export async function markEssay(
  actor: Actor | null,
  attemptId: string,
  questionId: string,
  input: { points: number; comment: string; replaces: string | null },
  now = new Date(),
) {
  const attempt = await QuizAttempt.findById(attemptId).lean<AttemptDoc>();
  if (!attempt) throw new NotFoundError();
  await managedQuiz(actor, String(attempt.quiz));
  const question = attempt.questions.find((candidate) => candidate.id === questionId);
  if (!question || (question.content as QuestionContent).type !== 'essay') throw new NotFoundError();
  if (attempt.status === 'open' || attempt.status === 'submitting')
    throw new ConflictError('assessments.quizzes.errors.stillOpen');
  if (input.points > question.points)
    throw new ValidationError([
      { field: 'points', key: 'assessments.quizzes.errors.pointsAbove', params: { max: question.points } },
    ]);
  const byName = (await namesOfUsers([actor!.id])).get(actor!.id) ?? '';
  const path = `marks.${questionId}`;
  const guard = input.replaces ? { [`${path}.at`]: new Date(input.replaces) } : { [path]: { $exists: false } };
  const result = await QuizAttempt.updateOne(
    { _id: attemptId, ...guard },
    { $set: { [path]: { points: input.points, comment: input.comment, by: actor!.id, byName, at: now } } },
  );
  if (result.matchedCount === 0) throw new ConflictError('assessments.quizzes.errors.markedMeanwhile');
  await gradeAttempt(attemptId, actor!.id);
}

/**
 * Regrades a question in every attempt of the quiz after its author fixed it in the bank: each
 * attempt takes the question's current wording (choices it already showed keep their place) and
 * is graded again from its stored answers.
 */
export async function regradeQuestion(actor: Actor | null, quizId: string, questionId: string): Promise<number> {
  await managedQuiz(actor, quizId);
  const doc = await Question.findById(questionId).lean<QuestionDoc>();
  if (!doc) throw new NotFoundError();
  let changed = 0;
  for (const attempt of await attemptsOfQuiz(quizId)) {
    const index = attempt.questions.findIndex((question) => question.id === questionId);
    if (index < 0 || attempt.questions[index]!.revision === doc.revision) continue;
    const before = attempt.questions[index]!;
    const fresh = attemptQuestion(doc, attempt._id, before.order.length > 0);
    const kept = before.order.filter((id) => fresh.order.includes(id));
    const order = [...kept, ...fresh.order.filter((id) => !kept.includes(id))];
    const result = await QuizAttempt.updateOne(
      { _id: attempt._id, [`questions.${index}.revision`]: before.revision },
      {
        $set: {
          [`questions.${index}.content`]: fresh.content,
          [`questions.${index}.revision`]: fresh.revision,
          [`questions.${index}.order`]: order,
          [`questions.${index}.points`]: fresh.points,
          maxScore: attempt.questions.reduce((sum, question, at) => sum + (at === index ? fresh.points : question.points), 0),
        },
      },
    );
    if (result.matchedCount && attempt.status !== 'open') await gradeAttempt(attempt._id);
    changed += result.matchedCount;
  }
  return changed;
}
