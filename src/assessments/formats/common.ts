import { sha256Hex } from '../../platform/text.js';
import { describeIssue } from '../../platform/validation.js';
import { normaliseAnswer, type QuestionContent, questionContentSchema } from '../questions.js';

/**
 * What the GIFT, Aiken and JSON readers share: the shape of a parse result, the limits, the text
 * clean-up every file gets, validation against the one question schema, and the key that tells a
 * question already in the bank from a new one.
 */

/** A question read from a file: where it starts (1-based line), its content, and its fingerprint. */
export type ParsedQuestion = { line: number; content: QuestionContent; key: string };
/** A question that cannot be imported: its first line and why, as an i18n key with parameters. */
export type ImportProblem = { line: number; message: string; params?: Record<string, unknown> };
/**
 * Good questions and every problem. The reader never decides for the caller: a file with problems
 * must be refused as a whole (nothing half-imported), but the good questions are there to count.
 */
export type ParseResult = { questions: ParsedQuestion[]; problems: ImportProblem[] };

/** A question left out of an export, by its index in the list given, with the reason as an i18n key. */
export type SkippedQuestion = { index: number; message: string };
export type WriteResult = { text: string; skipped: SkippedQuestion[] };

export const importLimits = {
  /** Far more than a unit's bank; few enough to validate and report on in one request. */
  questions: 2_000,
  /** Characters of one question's source (text, answers, feedback): bounds the work on a runaway block; the schema limits each field. */
  questionChars: 50_000,
} as const;

/**
 * The file's text as the readers expect it: no byte-order mark (Notepad and Excel write one) and
 * `\n` line ends (Windows writes `\r\n`, old Mac exports a lone `\r`).
 */
export function cleanText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/**
 * A stable fingerprint of what identifies a question: its type, its text and the texts of its
 * choices (option texts, matching prompts and matches), each normalised for case, width and runs of
 * spaces, choices sorted so their order does not count. Not the answer key, feedback, points, tags
 * or ids: a file re-imported after fixing a wrong answer or a typo in feedback finds the same
 * question instead of adding a second one.
 *
 * Its image does count ("What is this tool called?" with two pictures is two questions): the
 * image's file id follows the text's fingerprint, `<fingerprint>:<file id>`, so that `textKey`
 * can still find the question from a GIFT or Aiken file, which carries no images.
 */
export function questionKey(content: QuestionContent): string {
  const key = textKey(content);
  return content.image ? `${key}:${content.image.file}` : key;
}

/** The fingerprint of a question's words alone, without its image: the key of a question read from a format that cannot carry images. */
export function keyWithoutImage(key: string): string {
  return key.split(':')[0]!;
}

function textKey(content: QuestionContent): string {
  const norm = (text: string) => normaliseAnswer(text);
  let choices: string[] = [];
  if (content.type === 'single' || content.type === 'multiple')
    choices = content.options.map((option) => norm(option.text)).sort();
  if (content.type === 'matching') {
    choices = [
      ...content.pairs.map((pair) => `p:${norm(pair.prompt)}`).sort(),
      ...[...content.pairs.map((pair) => pair.match), ...content.extraMatches].map((match) => `m:${norm(match)}`).sort(),
    ];
  }
  return sha256Hex(JSON.stringify([content.type, norm(content.text), choices]));
}

/**
 * Validates a candidate question with the shared schema. Each issue becomes a problem at the
 * question's first line, naming the field (e.g. `options.1.text`) so the user can find it.
 */
export function validateQuestion(
  candidate: unknown,
  line: number,
): { ok: true; question: ParsedQuestion } | { ok: false; problems: ImportProblem[] } {
  const result = questionContentSchema.safeParse(candidate);
  if (result.success) return { ok: true, question: { line, content: result.data, key: questionKey(result.data) } };
  const problems = result.error.issues.map((issue) => {
    const { field, key, params } = describeIssue(issue, candidate);
    return { line, message: key, params: { ...params, field } };
  });
  return { ok: false, problems };
}

/**
 * Collects a reader's output: validates each candidate, reports the same question twice in one
 * file (a re-import would find only one of them, so one would be lost), and enforces the limits.
 */
export class ResultBuilder {
  readonly questions: ParsedQuestion[] = [];
  readonly problems: ImportProblem[] = [];
  private readonly keys = new Map<string, number>();
  private count = 0;

  /** False once the file has more questions than allowed: the reader stops there. */
  get open(): boolean {
    return this.count <= importLimits.questions;
  }

  /** Counts a question block; the first over the limit is reported once. Returns whether to read it. */
  begin(line: number, sourceChars: number): boolean {
    this.count += 1;
    if (this.count === importLimits.questions + 1) {
      this.problem(line, 'assessments.import.tooManyQuestions', { max: importLimits.questions });
    }
    if (!this.open) return false;
    if (sourceChars > importLimits.questionChars) {
      this.problem(line, 'assessments.import.questionTooLong', { max: importLimits.questionChars });
      return false;
    }
    return true;
  }

  problem(line: number, message: string, params?: Record<string, unknown>): void {
    this.problems.push(params ? { line, message, params } : { line, message });
  }

  add(candidate: unknown, line: number): void {
    const result = validateQuestion(candidate, line);
    if (!result.ok) {
      this.problems.push(...result.problems);
      return;
    }
    const first = this.keys.get(result.question.key);
    if (first !== undefined) {
      this.problem(line, 'assessments.import.duplicate', { firstLine: first });
      return;
    }
    this.keys.set(result.question.key, line);
    this.questions.push(result.question);
  }

  result(): ParseResult {
    return { questions: this.questions, problems: this.problems.sort((a, b) => a.line - b.line) };
  }
}

/**
 * A candidate built by a reader without its undefined fields (one level of nesting is all the
 * readers build): the schema keeps a key given as undefined, and a question read from GIFT must
 * equal the same question read from JSON, where such keys cannot occur.
 */
export function compact<T extends Record<string, unknown>>(candidate: T): T {
  const defined = (object: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
  const nested = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map((item) => (item && typeof item === 'object' ? defined(item) : item));
    if (value && typeof value === 'object') return defined(value as Record<string, unknown>);
    return value;
  };
  return Object.fromEntries(
    Object.entries(candidate)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, nested(value)]),
  ) as T;
}

/** A number as a file shows it: no exponent for ordinary values, no float noise (0.1 + 0.2). */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}
