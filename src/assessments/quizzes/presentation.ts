import { renderMarkdown } from '../../platform/markdown.js';
import type { Actor } from '../../platform/permissions.js';
import type { QuestionContent } from '../questions.js';
import { answersOf, attemptsOf, ownAttempt, startAttempt } from './attempts.js';
import { type AnswerDoc, type AttemptDoc, QuizAttempt } from './model.js';
import { type QuestionResult, resultsOf } from './scoring.js';
import { findQuiz, type QuizView, questionCount, quizWindow, takenQuiz, toQuizView } from './service.js';

/**
 * What a trainee is shown of a quiz and an attempt: the questions without anything that gives the
 * answer away while the attempt is open, and afterwards what the quiz's review settings allow.
 */

/** A question as the trainee taking it sees it: wording and choices in this attempt's order, no key. */
export type TakenQuestion = {
  id: string;
  number: number;
  type: QuestionContent['type'];
  html: string;
  points: number;
  image: unknown;
  options: { id: string; text: string }[];
  pairs: { id: string; prompt: string }[];
  choices: string[];
  minWords: number | null;
  maxWords: number | null;
};

/**
 * A question's text as HTML, per question and revision (its wording never changes within one):
 * a class taking one quiz would otherwise render the same texts once per trainee and page.
 */
const renderedTexts = new Map<string, string>();
function questionHtml(question: AttemptDoc['questions'][number], text: string): string {
  const key = `${question.id}@${question.revision}`;
  let html = renderedTexts.get(key);
  if (html === undefined) {
    html = renderMarkdown(text);
    if (renderedTexts.size >= 5_000) renderedTexts.clear();
    renderedTexts.set(key, html);
  }
  return html;
}

export function takenQuestion(question: AttemptDoc['questions'][number], index: number): TakenQuestion {
  const content = question.content as QuestionContent;
  const base = {
    id: question.id,
    number: index + 1,
    type: content.type,
    html: questionHtml(question, content.text),
    points: question.points,
    image: content.image ?? null,
    options: [] as { id: string; text: string }[],
    pairs: [] as { id: string; prompt: string }[],
    choices: [] as string[],
    minWords: null as number | null,
    maxWords: null as number | null,
  };
  if (content.type === 'single' || content.type === 'multiple') {
    const byId = new Map(content.options.map((option) => [option.id, option.text]));
    base.options = question.order.filter((id) => byId.has(id)).map((id) => ({ id, text: byId.get(id)! }));
  } else if (content.type === 'matching') {
    base.pairs = content.pairs.map((pair) => ({ id: pair.id, prompt: pair.prompt }));
    base.choices = [...question.order];
  } else if (content.type === 'essay') {
    base.minWords = content.minWords ?? null;
    base.maxWords = content.maxWords ?? null;
  }
  return base;
}

/** Which parts of the review the trainee may see now: at once, once the quiz has closed, or never. */
export function reviewOf(quiz: Pick<QuizView, 'review' | 'closesAt'>, attempt: Pick<AttemptDoc, 'status'>, now = new Date()) {
  const ended = attempt.status !== 'open' && attempt.status !== 'submitting';
  const closed = !quiz.closesAt || now >= quiz.closesAt;
  const allowed = (timing: QuizView['review']['score']) =>
    ended && (timing === 'immediately' || (timing === 'afterClose' && closed));
  return { score: allowed(quiz.review.score), answers: allowed(quiz.review.answers), feedback: allowed(quiz.review.feedback) };
}

const responsesOf = (answers: readonly AnswerDoc[]) =>
  Object.fromEntries(answers.map((answer) => [answer.question, answer.response]));

/** The quiz page for a trainee: the quiz, their attempts, and whether they may start one. */
export async function quizForTrainee(actor: Actor | null, quizId: string, now = new Date()) {
  const quiz = await takenQuiz(actor, quizId);
  const attempts = await attemptsOf(quiz.id, actor!.id);
  const open = attempts.find((attempt) => attempt.status === 'open' && (!attempt.deadline || now < attempt.deadline));
  const window = quizWindow(quiz, now);
  const left = quiz.attemptsAllowed === 0 ? null : Math.max(0, quiz.attemptsAllowed - attempts.length);
  return {
    quiz,
    questionCount: questionCount(quiz),
    window,
    open: open ?? null,
    attempts: attempts.map((attempt) => ({ ...attemptSummary(attempt), review: reviewOf(quiz, attempt, now) })),
    left,
    mayStart: !open && window === 'open' && left !== 0,
  };
}

export const attemptSummary = (attempt: AttemptDoc) => ({
  id: attempt._id,
  number: attempt.number,
  status: attempt.status,
  startedAt: attempt.startedAt,
  deadline: attempt.deadline ?? null,
  submittedAt: attempt.submittedAt ?? null,
  closedBy: attempt.closedBy ?? null,
  score: attempt.score ?? null,
  maxScore: attempt.maxScore,
  percent: attempt.percent ?? null,
  passed: attempt.passed ?? null,
});

/** An attempt under way as its trainee sees it (any device): questions, saved answers, time left. */
export async function attemptForTrainee(actor: Actor | null, id: string, now = new Date()) {
  const attempt = await ownAttempt(actor, id, now);
  const quiz = toQuizView(await findQuiz(String(attempt.quiz)));
  return viewOf(quiz, attempt, await answersOf(attempt._id), now);
}

/**
 * Starts (or resumes) an attempt and shows it, from what starting read: a class starting at once
 * does not read each new attempt, its quiz and its (no) answers back.
 */
export async function startForTrainee(actor: Actor | null, quizId: string, now = new Date()) {
  const { attempt, quiz, fresh } = await startAttempt(actor, quizId, now);
  return viewOf(quiz, attempt, fresh ? [] : await answersOf(attempt._id), now);
}

function viewOf(quiz: QuizView, attempt: AttemptDoc, answers: readonly AnswerDoc[], now: Date) {
  return {
    quiz,
    attempt,
    summary: attemptSummary(attempt),
    questions: attempt.questions.map(takenQuestion),
    responses: responsesOf(answers),
    secondsLeft: attempt.deadline ? Math.max(0, Math.floor((attempt.deadline.getTime() - now.getTime()) / 1000)) : null,
    review: reviewOf(quiz, attempt, now),
  };
}

export type ReviewedQuestion = TakenQuestion & {
  response: unknown;
  result: QuestionResult | null;
  /** The right answer, in words the page can show (only when the review allows answers). */
  key: string[] | null;
  comment: string;
};

/** The correct answer(s) of a question as text. */
export function answerKey(content: QuestionContent): string[] {
  switch (content.type) {
    case 'single':
    case 'multiple':
      return content.options.filter((option) => option.correct).map((option) => option.text);
    case 'trueFalse':
      return [String(content.answer)];
    case 'shortAnswer':
      return content.answers.filter((answer) => answer.fraction === 1).map((answer) => answer.text);
    case 'numeric':
      return content.answers
        .filter((answer) => answer.fraction === 1)
        .map((answer) => (answer.tolerance ? `${answer.value} ± ${answer.tolerance}` : String(answer.value)));
    case 'matching':
      return content.pairs.map((pair) => `${pair.prompt} → ${pair.match}`);
    case 'essay':
      return [];
  }
}

/**
 * A finished attempt as its trainee may review it. Showing the correct answers is remembered on the
 * attempt: from then on no late answer is taken for it.
 */
export async function reviewForTrainee(actor: Actor | null, id: string, now = new Date()) {
  const view = await attemptForTrainee(actor, id, now);
  const { attempt, review } = view;
  const results = attempt.status === 'open' ? [] : resultsOf(attempt, await answersOf(attempt._id));
  const marks = (attempt.marks ?? {}) as Record<string, { comment?: string }>;
  if (review.answers && !attempt.answersShownAt)
    await QuizAttempt.updateOne({ _id: attempt._id, answersShownAt: null }, { $set: { answersShownAt: now } });
  const questions: ReviewedQuestion[] = view.questions.map((question, index) => {
    const result = results[index] ?? null;
    return {
      ...question,
      response: view.responses[question.id] ?? null,
      result: review.score && result ? { ...result, feedback: review.feedback ? result.feedback : [] } : null,
      key: review.answers ? answerKey(attempt.questions[index]!.content as QuestionContent) : null,
      comment: review.feedback ? (marks[question.id]?.comment ?? '') : '',
    };
  });
  return { ...view, questions };
}
