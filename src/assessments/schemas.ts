import { z } from 'zod';
import { ValidationError } from '../platform/errors.js';
import { parseInput } from '../platform/validation.js';
import { questionFormats } from './formats/index.js';
import { type QuestionContent, type QuestionImageContent, questionContentSchema, questionTypes } from './questions.js';

/**
 * The question bank's input and output shapes: the question form (flat fields, as a browser
 * posts them) turned into a QuestionContent candidate for the one shared schema, and the API's
 * bodies and answers.
 */

/** A bank holds at most this many questions: enough for every unit of a program, few enough to read and filter whole. */
export const bankLimits = { questions: 5_000, importBytes: 5 * 1024 * 1024 } as const;

/**
 * A question's picture: JPEG, PNG or WebP (sniffed), stored resized like a lesson's images. No GIF:
 * an animation is heavy on a trainee's weak connection and distracts in a timed quiz.
 */
export const questionImageTypes = ['image/jpeg', 'image/png', 'image/webp'] as const;
/**
 * The fields a question form may send: its longest rows (51 numeric answers of 5 fields) and every
 * unit, element and criterion ticked (100 each, more is refused by the schema), with room to spare.
 */
export const questionFormFields = 700;

export const bankFilter = z.object({
  unit: z.string().trim().toUpperCase().max(40).default(''),
  type: z.union([z.literal(''), z.enum(questionTypes)]).default(''),
  tag: z.string().trim().max(60).default(''),
});
export type BankFilter = z.output<typeof bankFilter>;

export const exportQuery = z.object({
  format: z.enum(questionFormats).default('gift'),
  unit: z.string().trim().toUpperCase().max(40).default(''),
});

/** The import: text pasted or read from a file, in a format given or detected. */
export const importInput = z.object({
  format: z.union([z.literal(''), z.enum(questionFormats)]).default(''),
  text: z.string().max(bankLimits.importBytes).default(''),
});

/** A question as the API shows it. `content` is the QuestionContent the shared schema produced. */
export const questionView = z.object({
  id: z.string(),
  program: z.string(),
  key: z.string(),
  revision: z.number().int(),
  content: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type QuestionView = Omit<z.output<typeof questionView>, 'content'> & { content: QuestionContent };

export const questionBody = z.object({ content: questionContentSchema });
export const questionUpdateBody = z.object({
  /** The revision the change was made from: a question changed since is refused (409), not overwritten. */
  revision: z.number().int().min(1).optional(),
  content: questionContentSchema,
});

export const bankList = z.object({
  items: z.array(questionView),
  total: z.number().int(),
  /** Questions per unit code, over the whole bank ('' counts questions tagged with no unit). */
  perUnit: z.record(z.string(), z.number().int()),
});

export const importReport = z.object({
  format: z.enum(questionFormats),
  added: z.number().int(),
  existing: z.number().int(),
});

// --- the question form ---------------------------------------------------------------------------

type Body = Record<string, unknown>;
/** A posted field as a list: one value arrives as a string, several as an array (urlencoded, not extended). */
const list = (value: unknown): string[] =>
  value === undefined || value === null
    ? []
    : ([] as unknown[]).concat(value).map((item) => (typeof item === 'string' ? item : ''));
const one = (value: unknown): string => list(value)[0] ?? '';
const filled = (...texts: (string | undefined)[]) => texts.some((text) => (text ?? '').trim() !== '');

/** The type a form is for: the hidden field, or the `?type=` the type chooser sent. */
export const formType = z.enum(questionTypes);

/**
 * The form's fields as a candidate for questionContentSchema, and for each list (options,
 * answers, pairs) the form row of each item kept: blank rows are left out, so the n-th option
 * may sit on a later row, and an error must go beside that row.
 */
export function questionFormToCandidate(body: Body) {
  const type = one(body.type);
  const rows: Record<'options' | 'answers' | 'pairs', number[]> = { options: [], answers: [], pairs: [] };
  const candidate: Body = {
    type,
    text: one(body.text),
    name: one(body.name),
    points: one(body.points) || undefined,
    units: list(body.units),
    elements: [...new Set(list(body.elements))],
    criteria: [...new Set(list(body.criteria))],
    tags: one(body.tags)
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
    feedback: {
      general: one(body.feedbackGeneral),
      correct: one(body.feedbackCorrect),
      partial: one(body.feedbackPartial),
      incorrect: one(body.feedbackIncorrect),
    },
  };
  if (type === 'single' || type === 'multiple') {
    const texts = list(body.optionText);
    const ids = list(body.optionId);
    const feedbacks = list(body.optionFeedback);
    const correct = new Set(list(body.correct));
    candidate.options = [];
    texts.forEach((text, row) => {
      if (!filled(text, feedbacks[row])) return;
      rows.options.push(row);
      (candidate.options as unknown[]).push({
        id: ids[row] || undefined,
        text,
        correct: correct.has(String(row)),
        feedback: feedbacks[row] ?? '',
      });
    });
    candidate.shuffle = list(body.shuffle).includes('on');
  } else if (type === 'trueFalse') {
    const answer = one(body.answer);
    candidate.answer = answer === 'true' ? true : answer === 'false' ? false : undefined;
    candidate.feedbackTrue = one(body.feedbackTrue);
    candidate.feedbackFalse = one(body.feedbackFalse);
  } else if (type === 'shortAnswer' || type === 'numeric') {
    const texts = list(body.answerText);
    const values = list(body.answerValue);
    const tolerances = list(body.answerTolerance);
    const fractions = list(body.answerFraction);
    const feedbacks = list(body.answerFeedback);
    const count = Math.max(texts.length, values.length);
    candidate.answers = [];
    for (let row = 0; row < count; row += 1) {
      const given =
        type === 'numeric' ? filled(values[row], tolerances[row], feedbacks[row]) : filled(texts[row], feedbacks[row]);
      if (!given) continue;
      rows.answers.push(row);
      const common = { fraction: fractions[row] || '1', feedback: feedbacks[row] ?? '' };
      (candidate.answers as unknown[]).push(
        type === 'numeric'
          ? { value: values[row] ?? '', tolerance: tolerances[row] || '0', ...common }
          : { text: texts[row] ?? '', ...common },
      );
    }
    if (type === 'shortAnswer') candidate.caseSensitive = list(body.caseSensitive).includes('on');
  } else if (type === 'matching') {
    const prompts = list(body.pairPrompt);
    const matches = list(body.pairMatch);
    const ids = list(body.pairId);
    candidate.pairs = [];
    prompts.forEach((prompt, row) => {
      if (!filled(prompt, matches[row])) return;
      rows.pairs.push(row);
      (candidate.pairs as unknown[]).push({ id: ids[row] || undefined, prompt, match: matches[row] ?? '' });
    });
    candidate.extraMatches = one(body.extraMatches)
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  } else if (type === 'essay') {
    candidate.minWords = one(body.minWords).trim() || undefined;
    candidate.maxWords = one(body.maxWords).trim() || undefined;
  }
  return { candidate, rows };
}

/** Where an error on a content path goes in the form: `options.1.text` → the row it came from; lists → the list's field. */
function formField(field: string, rows: Record<string, number[]>): string {
  const [head, index, ...rest] = field.split('.');
  if (head === 'feedback' && index) return `feedback${index[0]!.toUpperCase()}${index.slice(1)}`;
  if (head === 'image') return index === 'alt' ? 'imageAlt' : 'image';
  if (head && rows[head] && index !== undefined && /^\d+$/.test(index)) {
    const row = rows[head]![Number(index)] ?? Number(index);
    return [head, row, ...rest].join('.');
  }
  if (head && ['units', 'elements', 'criteria', 'tags', 'extraMatches'].includes(head)) return head;
  return field;
}

/**
 * The image the question form asks for: the one `uploaded` with it, else the `current` one unless
 * "remove" is ticked, each with the alt text typed (`imageAlt`); undefined for none.
 */
export function questionFormImage(
  body: Body,
  images: { uploaded?: string; current?: QuestionImageContent },
): { file: string; alt: string } | undefined {
  const alt = one(body.imageAlt);
  if (images.uploaded) return { file: images.uploaded, alt };
  if (images.current && !list(body.removeImage).includes('on')) return { file: images.current.file, alt };
  return undefined;
}

/** The question form as a validated QuestionContent; each error named after the form field it belongs beside. */
export function parseQuestionForm(body: Body, image?: { file: string; alt: string }): QuestionContent {
  const { candidate, rows } = questionFormToCandidate(body);
  if (image) candidate.image = image;
  try {
    return parseInput(questionContentSchema, candidate);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const seen = new Set<string>();
    const fields = error.fields
      .map((issue) => ({ ...issue, field: formField(issue.field, rows) }))
      .filter((issue) => !seen.has(issue.field) && seen.add(issue.field));
    throw new ValidationError(fields);
  }
}

/** A question's content as the form's values, for editing (the same names the form posts). */
export function questionToForm(content: QuestionContent, revision: number): Record<string, unknown> {
  const values: Record<string, unknown> = {
    type: content.type,
    revision: String(revision),
    text: content.text,
    name: content.name ?? '',
    points: String(content.points),
    units: content.units,
    elements: content.elements,
    criteria: content.criteria,
    tags: content.tags.join(', '),
    feedbackGeneral: content.feedback.general ?? '',
    feedbackCorrect: content.feedback.correct ?? '',
    feedbackPartial: content.feedback.partial ?? '',
    feedbackIncorrect: content.feedback.incorrect ?? '',
    imageAlt: content.image?.alt ?? '',
  };
  switch (content.type) {
    case 'single':
    case 'multiple':
      values.optionId = content.options.map((option) => option.id);
      values.optionText = content.options.map((option) => option.text);
      values.optionFeedback = content.options.map((option) => option.feedback ?? '');
      values.correct = content.options.flatMap((option, row) => (option.correct ? [String(row)] : []));
      values.shuffle = content.shuffle ? 'on' : '';
      break;
    case 'trueFalse':
      values.answer = String(content.answer);
      values.feedbackTrue = content.feedbackTrue ?? '';
      values.feedbackFalse = content.feedbackFalse ?? '';
      break;
    case 'shortAnswer':
      values.answerText = content.answers.map((answer) => answer.text);
      values.answerFraction = content.answers.map((answer) => String(answer.fraction));
      values.answerFeedback = content.answers.map((answer) => answer.feedback ?? '');
      values.caseSensitive = content.caseSensitive ? 'on' : '';
      break;
    case 'numeric':
      values.answerValue = content.answers.map((answer) => String(answer.value));
      values.answerTolerance = content.answers.map((answer) => String(answer.tolerance));
      values.answerFraction = content.answers.map((answer) => String(answer.fraction));
      values.answerFeedback = content.answers.map((answer) => answer.feedback ?? '');
      break;
    case 'matching':
      values.pairId = content.pairs.map((pair) => pair.id);
      values.pairPrompt = content.pairs.map((pair) => pair.prompt);
      values.pairMatch = content.pairs.map((pair) => pair.match);
      values.extraMatches = content.extraMatches.join('\n');
      break;
    case 'essay':
      values.minWords = content.minWords === undefined ? '' : String(content.minWords);
      values.maxWords = content.maxWords === undefined ? '' : String(content.maxWords);
      break;
  }
  return values;
}

/** The revision a form was made from (a hidden field); absent on a new question. */
export const formRevision = z.object({ revision: z.coerce.number().int().min(1).optional() });
