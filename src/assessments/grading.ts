import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  type MatchingQuestion,
  type MultipleQuestion,
  matchChoices,
  normaliseAnswer,
  parseDecimal,
  type QuestionContent,
  type QuestionType,
  type SingleQuestion,
} from './questions.js';

/**
 * Automatic grading: what a trainee may answer to a question, what that answer is worth, and the
 * per-attempt order of a question's choices. Pure functions, so grading, regrading and the tests
 * all give the same result for the same question and response.
 */

/** What a trainee answers, per type (the choice id, the chosen match per pair id, the text typed …). */
export type ResponseOf = {
  single: string;
  multiple: string[];
  trueFalse: boolean;
  shortAnswer: string;
  numeric: string | number;
  matching: Record<string, string>;
  essay: string;
};
export type QuestionResponse = ResponseOf[QuestionType];

/** A fraction of the question's points (0..1), null while an essay waits for its instructor; the author's feedback to show. */
export type Grade = { fraction: number | null; feedback: string[] };

export const responseLimits = { text: 1_000, essay: 50_000 } as const;

// --- what a trainee may answer -----------------------------------------------------------------

const blankToNull = (value: unknown) =>
  value === undefined || (typeof value === 'string' && value.trim() === '') ? null : value;

/**
 * The schema of a response to `question`; null (or nothing, or '') is a blank answer, which a
 * trainee may save to clear one. A choice the question does not offer is refused, so a tampered
 * request cannot store an answer that grading would have to guess about. Multiple picks are
 * de-duplicated (a double tap is one pick).
 */
export function responseSchemaFor(question: QuestionContent): z.ZodType<QuestionResponse | null> {
  switch (question.type) {
    case 'single': {
      const ids = new Set(question.options.map((option) => option.id));
      return z.preprocess(
        blankToNull,
        z
          .string()
          .trim()
          .refine((id) => ids.has(id), 'assessments.errors.unknownOption')
          .nullable(),
      );
    }
    case 'multiple': {
      const ids = new Set(question.options.map((option) => option.id));
      return z.preprocess(
        (value) => (value === undefined || (Array.isArray(value) && value.length === 0) ? null : value),
        z
          .array(
            z
              .string()
              .trim()
              .refine((id) => ids.has(id), 'assessments.errors.unknownOption'),
          )
          .max(question.options.length * 2)
          .transform((picks) => [...new Set(picks)])
          .nullable(),
      );
    }
    case 'trueFalse':
      // A form sends the radio's value as text; JSON sends a boolean.
      return z.preprocess((value) => {
        if (value === 'true') return true;
        if (value === 'false') return false;
        return blankToNull(value);
      }, z.boolean().nullable());
    case 'shortAnswer':
      return z.preprocess(blankToNull, z.string().max(responseLimits.text).nullable());
    case 'numeric':
      // Text that is no number is kept (and graded 0): refusing it would lose what was typed.
      return z.preprocess(
        blankToNull,
        z.union([z.string().max(100), z.number().refine(Number.isFinite, 'assessments.errors.notANumber')]).nullable(),
      );
    case 'matching':
      return matchingResponseSchema(question);
    case 'essay':
      return z.preprocess(blankToNull, z.string().max(responseLimits.essay).nullable());
  }
}

/** Keys are the question's pair ids and values its choices; pairs left unanswered are simply absent. */
function matchingResponseSchema(question: MatchingQuestion): z.ZodType<Record<string, string> | null> {
  const pairIds = new Set(question.pairs.map((pair) => pair.id));
  const choices = new Set(matchChoices(question));
  return z.unknown().transform((value, context) => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value)) {
      context.addIssue({ code: 'custom', message: 'validation.invalid' });
      return z.NEVER;
    }
    const chosen: [string, string][] = [];
    for (const [pairId, match] of Object.entries(value)) {
      if (!pairIds.has(pairId)) {
        context.addIssue({ code: 'custom', message: 'assessments.errors.unknownPair', path: [pairId] });
      } else if (match === null || match === undefined || (typeof match === 'string' && match.trim() === '')) {
        // left unanswered
      } else if (typeof match !== 'string' || !choices.has(match.trim())) {
        context.addIssue({ code: 'custom', message: 'assessments.errors.unknownMatch', path: [pairId] });
      } else {
        chosen.push([pairId, match.trim()]);
      }
    }
    // Object.fromEntries makes own properties only, whatever the keys, so no key reaches a prototype.
    return chosen.length === 0 ? null : Object.fromEntries(chosen);
  });
}

// --- grading -----------------------------------------------------------------------------------

/**
 * Two numbers this close are equal: 3.6 lies within 3.5 ± 0.1 although 3.6 - 3.5 is
 * 0.10000000000000009 in binary floating point.
 */
function withinTolerance(given: number, value: number, tolerance: number): boolean {
  const slack = 1e-9 * Math.max(1, Math.abs(value), Math.abs(given));
  return Math.abs(given - value) <= tolerance + slack;
}

function present(texts: (string | undefined)[]): string[] {
  return texts.filter((text): text is string => Boolean(text));
}

/** The answer's own feedback, then the question's for right, partly right or wrong, then its general feedback. */
function graded(question: QuestionContent, fraction: number, specific: (string | undefined)[]): Grade {
  const { correct, partial, incorrect, general } = question.feedback;
  const overall = fraction >= 1 ? correct : fraction > 0 ? partial : incorrect;
  return { fraction, feedback: present([...specific, overall, general]) };
}

function isBlank(response: unknown): boolean {
  return (
    response === undefined ||
    response === null ||
    (typeof response === 'string' && response.trim() === '') ||
    (Array.isArray(response) && response.length === 0)
  );
}

/**
 * What `response` is worth, as a fraction of the question's points, and the feedback to show.
 * Blank is 0; an essay is null (graded by hand) unless blank. A response of the wrong shape
 * (one saved before the question was edited, say) counts as blank, and choices the question no
 * longer has count as wrong picks, so a regrade after a fix never fails.
 */
export function gradeResponse(question: QuestionContent, response: QuestionResponse | null | undefined): Grade {
  if (isBlank(response)) return graded(question, 0, []);
  switch (question.type) {
    case 'single': {
      const chosen = question.options.find((option) => option.id === response);
      return graded(question, chosen?.correct ? 1 : 0, [chosen?.feedback]);
    }
    case 'multiple': {
      if (!Array.isArray(response)) return graded(question, 0, []);
      const picks = new Set(response);
      const correctCount = question.options.filter((option) => option.correct).length;
      const right = question.options.filter((option) => option.correct && picks.has(option.id)).length;
      const wrong = picks.size - right; // any pick that is not a correct option, known or not
      const fraction = correctCount === 0 ? 0 : Math.max(0, (right - wrong) / correctCount);
      const chosen = question.options.filter((option) => picks.has(option.id));
      return graded(
        question,
        fraction,
        chosen.map((option) => option.feedback),
      );
    }
    case 'trueFalse': {
      if (typeof response !== 'boolean') return graded(question, 0, []);
      return graded(question, response === question.answer ? 1 : 0, [response ? question.feedbackTrue : question.feedbackFalse]);
    }
    case 'shortAnswer': {
      if (typeof response !== 'string') return graded(question, 0, []);
      const given = normaliseAnswer(response, question.caseSensitive);
      const best = bestOf(question.answers.filter((answer) => normaliseAnswer(answer.text, question.caseSensitive) === given));
      return graded(question, best?.fraction ?? 0, [best?.feedback]);
    }
    case 'numeric': {
      const given = parseDecimal(response);
      if (given === null) return graded(question, 0, []);
      const best = bestOf(question.answers.filter((answer) => withinTolerance(given, answer.value, answer.tolerance)));
      return graded(question, best?.fraction ?? 0, [best?.feedback]);
    }
    case 'matching': {
      if (typeof response !== 'object' || Array.isArray(response) || response === null) return graded(question, 0, []);
      const answers = response as Record<string, unknown>;
      const right = question.pairs.filter((pair) => {
        const match = Object.hasOwn(answers, pair.id) ? answers[pair.id] : undefined;
        return typeof match === 'string' && match.trim() === pair.match;
      }).length;
      return graded(question, right / question.pairs.length, []);
    }
    case 'essay':
      return { fraction: null, feedback: present([question.feedback.general]) };
  }
}

/** The answer worth most (the first of equals, so feedback is the one the author listed first). */
function bestOf<T extends { fraction: number }>(answers: T[]): T | undefined {
  return answers.reduce<T | undefined>(
    (best, answer) => (best === undefined || answer.fraction > best.fraction ? answer : best),
    undefined,
  );
}

/** The most a question is worth in a quiz. */
export function maxScore(question: QuestionContent): number {
  return question.points;
}

/** Points earned for a fraction, rounded to 2 decimals as shown; null while an essay waits. */
export function scoreOf(question: QuestionContent, fraction: number | null): number | null {
  if (fraction === null) return null;
  return Math.round((fraction * question.points + Number.EPSILON) * 100) / 100;
}

// --- order of choices per attempt --------------------------------------------------------------

/**
 * Uniform integers below `bound` from a seed: SHA-256 of seed and a block counter, read 4 bytes
 * at a time, with draws above the largest multiple of `bound` thrown away so no index is
 * favoured. The same seed always gives the same numbers, on every machine and Node version.
 */
function seededBelow(seed: string): (bound: number) => number {
  let block = 0;
  let bytes = Buffer.alloc(0);
  let at = 0;
  const next32 = () => {
    if (at + 4 > bytes.length) {
      bytes = createHash('sha256').update(`${seed}\u0000${block++}`).digest();
      at = 0;
    }
    const value = bytes.readUInt32BE(at);
    at += 4;
    return value;
  };
  return (bound) => {
    const limit = Math.floor(0x1_0000_0000 / bound) * bound;
    let value = next32();
    while (value >= limit) value = next32();
    return value % bound;
  };
}

/** A Fisher–Yates shuffle driven by the seed: a permutation of `items`, the same for the same seed. */
export function seededShuffle<T>(items: readonly T[], seed: string): T[] {
  const shuffled = [...items];
  const below = seededBelow(seed);
  for (let index = shuffled.length - 1; index > 0; index -= 1) {
    const other = below(index + 1);
    [shuffled[index], shuffled[other]] = [shuffled[other] as T, shuffled[index] as T];
  }
  return shuffled;
}

/**
 * The option ids of a choice question in the order one attempt shows them. Seed it with the
 * attempt's id and the question's (`${attemptId}:${questionId}`), so the same attempt shows the same
 * order on every device and after a reload, and other attempts get other orders. A question that
 * must keep its order (shuffle off, e.g. "all of the above") keeps it.
 */
export function shuffledOptionOrder(question: SingleQuestion | MultipleQuestion, seed: string): string[] {
  const ids = question.options.map((option) => option.id);
  return question.shuffle ? seededShuffle(ids, seed) : ids;
}

/** The matches a matching question offers (answers and distractors), in the order one attempt shows them; seed as above. */
export function shuffledMatchChoices(question: MatchingQuestion, seed: string): string[] {
  return seededShuffle(matchChoices(question), seed);
}
