import { z } from 'zod';
import { isCriterionRef, isElementRef, unitOfRef } from '../units/refs.js';
import { unitCodeField } from '../units/schemas.js';

/**
 * The content of a bank question: everything the bank stores besides its program, id and
 * timestamps. One zod schema, `questionContentSchema`, is what the question form, the API and the
 * GIFT/Aiken/JSON importers all validate against, so a question is checked the same way wherever
 * it comes from. Messages are i18n keys (locales/<language>/assessments.json, or `validation.*`).
 */

export const questionTypes = ['single', 'multiple', 'trueFalse', 'shortAnswer', 'numeric', 'matching', 'essay'] as const;
export type QuestionType = (typeof questionTypes)[number];

/** Limits: generous for real questions, bounded so one crafted question cannot bloat a bank or a quiz page. */
export const questionLimits = {
  text: 20_000,
  feedback: 5_000,
  option: 2_000,
  options: 26 * 2,
  answers: 50,
  pairs: 50,
  points: 1_000,
  words: 100_000,
} as const;

// --- ids -------------------------------------------------------------------------------------

/** An option's or pair's id: short and stable, so saved responses keep pointing at the same choice. */
export const choiceIdPattern = /^[A-Za-z0-9_-]{1,20}$/;

/** The id of the n-th choice (from 0): a, b, …, z, aa, ab, … — the letters a printed quiz shows. */
export function positionalId(index: number): string {
  let id = '';
  for (let rest = index; rest >= 0; rest = Math.floor(rest / 26) - 1) id = String.fromCharCode(97 + (rest % 26)) + id;
  return id;
}

/**
 * Gives every choice without an id the id of its position (a, b, c, …), or, when another choice
 * already uses that one, the next free one. Deterministic, so importing the same file twice gives
 * the same ids and a re-import can be compared with what the bank holds. Ids given are kept.
 */
export function withIds<T extends { id?: string | undefined }>(choices: readonly T[]): (T & { id: string })[] {
  const taken = new Set(choices.map((choice) => choice.id).filter((id): id is string => Boolean(id)));
  let next = 0;
  return choices.map((choice, index) => {
    if (choice.id) return { ...choice, id: choice.id };
    let id = positionalId(index);
    while (taken.has(id)) id = positionalId(choices.length + next++);
    taken.add(id);
    return { ...choice, id };
  });
}

// --- numbers as people type them ---------------------------------------------------------------

/**
 * A decimal number as typed: "3.5", "3,5" (the Indonesian decimal comma), " 3.5 ", "-0,25",
 * "1.000,5" or "1,000.5" (when both marks appear, the last one is the decimal mark and the others
 * group thousands), "2e3"; full-width digits and the minus sign (−) are read too. A single mark is
 * always the decimal mark ("1.000" is 1; "1.000.000" is a million), since a number with one mark is ambiguous and quiz
 * answers are mostly small. Anything else is null.
 */
export function parseDecimal(input: unknown): number | null {
  if (typeof input === 'number') return Number.isFinite(input) ? input : null;
  if (typeof input !== 'string') return null;
  let text = input
    .normalize('NFKC')
    .replace(/\u2212/g, '-')
    .replace(/\s+/g, '');
  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    const decimalAt = Math.max(lastDot, lastComma);
    const grouping = lastDot > lastComma ? ',' : '.';
    const whole = text.slice(0, decimalAt);
    // The marks before the decimal one must group thousands (1.234.567,8), or it is no number.
    if (!new RegExp(`^[+-]?\\d{1,3}(\\${grouping}\\d{3})+$`).test(whole)) return null;
    text = `${whole.split(grouping).join('')}.${text.slice(decimalAt + 1)}`;
  } else if (text.split(/[.,]/).length > 2) {
    // One kind of mark, repeated: it groups thousands (1.000.000), or the text is no number.
    if (!/^[+-]?\d{1,3}([.,]\d{3})+$/.test(text)) return null;
    text = text.replace(/[.,]/g, '');
  } else {
    text = text.replace(',', '.');
  }
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * A number field that also takes the text a form sends, with either decimal mark. Its refusals
 * are custom issues, since describeIssue (platform/validation.ts) keeps a feature's own message
 * only on those.
 */
const decimalField = z.unknown().transform((value, context) => {
  const number = parseDecimal(value);
  if (number !== null) return number;
  const blank = value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
  context.addIssue({ code: 'custom', message: blank ? 'validation.required' : 'assessments.errors.notANumber' });
  return z.NEVER;
});

// --- common fields ------------------------------------------------------------------------------

const requiredText = (max: number) => z.string().trim().min(1, 'validation.required').max(max);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((value) => value || undefined) // an empty field is no feedback
    .optional();
const fraction = decimalField.refine((value) => value >= 0 && value <= 1, 'assessments.errors.fractionRange');
const labelList = (item: z.ZodType<string>) => z.array(item).max(100).default([]);

export const questionFeedbackSchema = z
  .object({
    general: optionalText(questionLimits.feedback),
    correct: optionalText(questionLimits.feedback),
    /** Shown for partial credit (multiple response, matching, a short or numeric answer worth less than full). */
    partial: optionalText(questionLimits.feedback),
    incorrect: optionalText(questionLimits.feedback),
  })
  .default({});

/** A stored file's id, as a question's image names it. */
export const imageFileIdPattern = /^[0-9a-f]{24}$/;

/**
 * The picture a question shows: one of its bank's images (model.ts QuestionImage), and the text a
 * trainee who cannot see it gets instead (required: a screen reader, a picture that did not load
 * on a weak connection). `width`, `height` and `widths` (its narrower copies) are the stored
 * image's, filled in by the bank whenever a question is saved, whatever was sent: pages set them
 * on the `<img>` without looking the file up.
 */
export const questionImageSchema = z.object({
  file: z
    .string()
    .trim()
    .toLowerCase()
    .refine((id) => imageFileIdPattern.test(id), 'assessments.errors.imageFile'),
  alt: z
    .string()
    .default('')
    .transform((alt) => alt.replace(/\s+/g, ' ').trim())
    .refine((alt) => alt.length > 0, 'assessments.errors.imageAlt')
    .refine((alt) => alt.length <= 300, 'assessments.errors.imageAltTooLong'),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  widths: z.array(z.number().int().positive()).max(10).optional(),
});
export type QuestionImageContent = z.output<typeof questionImageSchema>;

const common = {
  text: requiredText(questionLimits.text),
  name: optionalText(300),
  points: decimalField
    .default(1)
    .refine((points) => points > 0 && points <= questionLimits.points, 'assessments.errors.pointsPositive'),
  units: labelList(unitCodeField),
  /** Elements and criteria named with their unit ('J.620100.004.02#1', '…#1.1', see units/refs.ts): a bare '1.1' would not say which unit's. */
  elements: labelList(z.string().trim().toUpperCase().refine(isElementRef, 'assessments.errors.elementRef')),
  criteria: labelList(z.string().trim().toUpperCase().refine(isCriterionRef, 'assessments.errors.criterionRef')),
  tags: labelList(z.string().trim().min(1).max(60)),
  image: questionImageSchema.optional(),
  feedback: questionFeedbackSchema,
};

/**
 * Every element and criterion belongs to a unit the question lists: a criterion of a unit the
 * question is not tagged with would count towards a unit nobody filters it under.
 */
function checkUnitRefs(question: { units: string[]; elements: string[]; criteria: string[] }, context: z.RefinementCtx): void {
  for (const [field, wellFormed] of [
    ['elements', isElementRef],
    ['criteria', isCriterionRef],
  ] as const) {
    for (const [index, ref] of question[field].entries()) {
      const unit = unitOfRef(ref);
      // A malformed reference has its own refusal already; one message per value is enough.
      if (wellFormed(ref) && !question.units.includes(unit)) {
        context.addIssue({
          code: 'custom',
          message: 'assessments.errors.refUnitNotListed',
          params: { ref, unit },
          path: [field, index],
        });
      }
    }
  }
}

const choiceId = z
  .string()
  .trim()
  .refine((id) => id === '' || choiceIdPattern.test(id), 'assessments.errors.choiceId')
  .optional();

/** Ids must be unique within a question, or a response could not say which choice it means. */
function uniqueIds(choices: { id: string }[], context: z.RefinementCtx, field: string): void {
  const seen = new Set<string>();
  for (const [index, choice] of choices.entries()) {
    if (seen.has(choice.id))
      context.addIssue({ code: 'custom', message: 'assessments.errors.duplicateId', path: [field, index, 'id'] });
    seen.add(choice.id);
  }
}

const optionSchema = z.object({
  id: choiceId,
  text: requiredText(questionLimits.option),
  correct: z.boolean().default(false),
  feedback: optionalText(questionLimits.feedback),
});
const optionsSchema = z
  .array(optionSchema)
  .max(questionLimits.options)
  .transform((options) => withIds(options));

/** What single and multiple choice both need: two choices at least, each with its own id. */
function checkOptions(options: { id: string }[], context: z.RefinementCtx): void {
  if (options.length < 2) context.addIssue({ code: 'custom', message: 'assessments.errors.tooFewOptions', path: ['options'] });
  uniqueIds(options, context, 'options');
}

const singleSchema = z
  .object({ ...common, type: z.literal('single'), options: optionsSchema, shuffle: z.boolean().default(true) })
  .superRefine((question, context) => {
    checkOptions(question.options, context);
    if (question.options.filter((option) => option.correct).length !== 1) {
      context.addIssue({ code: 'custom', message: 'assessments.errors.singleOneCorrect', path: ['options'] });
    }
  });

const multipleSchema = z
  .object({ ...common, type: z.literal('multiple'), options: optionsSchema, shuffle: z.boolean().default(true) })
  .superRefine((question, context) => {
    checkOptions(question.options, context);
    if (!question.options.some((option) => option.correct)) {
      context.addIssue({ code: 'custom', message: 'assessments.errors.multipleNoCorrect', path: ['options'] });
    }
  });

const trueFalseSchema = z.object({
  ...common,
  type: z.literal('trueFalse'),
  answer: z.boolean(),
  /** Shown to a trainee who answered true (GIFT's feedback on the true answer), and false. */
  feedbackTrue: optionalText(questionLimits.feedback),
  feedbackFalse: optionalText(questionLimits.feedback),
});

const shortAnswerSchema = z
  .object({
    ...common,
    type: z.literal('shortAnswer'),
    answers: z
      .array(z.object({ text: requiredText(questionLimits.option), fraction, feedback: optionalText(questionLimits.feedback) }))
      .max(questionLimits.answers),
    caseSensitive: z.boolean().default(false),
  })
  .superRefine((question, context) => {
    if (!question.answers.some((answer) => answer.fraction === 1)) {
      context.addIssue({ code: 'custom', message: 'assessments.errors.noFullAnswer', path: ['answers'] });
    }
  });

const numericSchema = z
  .object({
    ...common,
    type: z.literal('numeric'),
    answers: z
      .array(
        z.object({
          value: decimalField,
          tolerance: decimalField.default(0).refine((tolerance) => tolerance >= 0, 'assessments.errors.toleranceNegative'),
          fraction,
          feedback: optionalText(questionLimits.feedback),
        }),
      )
      .max(questionLimits.answers),
  })
  .superRefine((question, context) => {
    if (!question.answers.some((answer) => answer.fraction === 1)) {
      context.addIssue({ code: 'custom', message: 'assessments.errors.noFullAnswer', path: ['answers'] });
    }
  });

/** Texts compared the way a trainee would read them: case, width and runs of spaces do not matter. */
export function normaliseAnswer(text: string, caseSensitive = false): string {
  const spaced = text.normalize('NFKC').trim().replace(/\s+/g, ' ');
  return caseSensitive ? spaced : spaced.toLowerCase();
}

const matchingSchema = z
  .object({
    ...common,
    type: z.literal('matching'),
    pairs: z
      .array(z.object({ id: choiceId, prompt: requiredText(questionLimits.option), match: requiredText(questionLimits.option) }))
      .max(questionLimits.pairs)
      .transform((pairs) => withIds(pairs)),
    /** Distractors: matches that belong to no prompt. The matches are always shuffled (in pair order they would give the answer away). */
    extraMatches: z.array(requiredText(questionLimits.option)).max(questionLimits.pairs).default([]),
  })
  .superRefine((question, context) => {
    if (question.pairs.length < 2) {
      context.addIssue({ code: 'custom', message: 'assessments.errors.matchingTooFew', path: ['pairs'] });
    }
    uniqueIds(question.pairs, context, 'pairs');
    const prompts = new Set<string>();
    for (const [index, pair] of question.pairs.entries()) {
      const prompt = normaliseAnswer(pair.prompt);
      if (prompts.has(prompt)) {
        context.addIssue({
          code: 'custom',
          message: 'assessments.errors.matchingDuplicatePrompt',
          path: ['pairs', index, 'prompt'],
        });
      }
      prompts.add(prompt);
    }
  });

const wordCount = z.coerce.number().int().min(0).max(questionLimits.words).optional();
const essaySchema = z
  .object({ ...common, type: z.literal('essay'), minWords: wordCount, maxWords: wordCount })
  .superRefine((question, context) => {
    if (question.minWords !== undefined && question.maxWords !== undefined && question.minWords > question.maxWords) {
      context.addIssue({ code: 'custom', message: 'assessments.errors.essayWordRange', path: ['maxWords'] });
    }
  });

export const questionContentSchema = z
  .discriminatedUnion(
    'type',
    [singleSchema, multipleSchema, trueFalseSchema, shortAnswerSchema, numericSchema, matchingSchema, essaySchema],
    { error: 'validation.choice' },
  )
  .superRefine(checkUnitRefs);

/** A validated question (ids assigned, defaults filled in). */
export type QuestionContent = z.output<typeof questionContentSchema>;
/** What a form, an API client or an importer may hand in (ids, points, shuffle … optional). */
export type QuestionContentInput = z.input<typeof questionContentSchema>;
export type QuestionOf<T extends QuestionType> = Extract<QuestionContent, { type: T }>;
export type SingleQuestion = QuestionOf<'single'>;
export type MultipleQuestion = QuestionOf<'multiple'>;
export type TrueFalseQuestion = QuestionOf<'trueFalse'>;
export type ShortAnswerQuestion = QuestionOf<'shortAnswer'>;
export type NumericQuestion = QuestionOf<'numeric'>;
export type MatchingQuestion = QuestionOf<'matching'>;
export type EssayQuestion = QuestionOf<'essay'>;

/** The choices a matching question offers for every prompt: each pair's match and the distractors, each text once. */
export function matchChoices(question: MatchingQuestion): string[] {
  return [...new Set([...question.pairs.map((pair) => pair.match), ...question.extraMatches])];
}
