import type { QuestionContent } from '../questions.js';
import { parseAiken, toAiken } from './aiken.js';
import { cleanText, type ParseResult, type WriteResult } from './common.js';
import { parseGift, toGift } from './gift.js';
import { parseJson, toJson } from './json.js';

export type { ImportProblem, ParsedQuestion, ParseResult, SkippedQuestion, WriteResult } from './common.js';
export { importLimits, keyWithoutImage, questionKey } from './common.js';
export { parseAiken, parseGift, parseJson, toAiken, toGift, toJson };

/** The question-bank file formats: Moodle's GIFT and Aiken, and our own JSON. */
export const questionFormats = ['gift', 'aiken', 'json'] as const;
export type QuestionFormat = (typeof questionFormats)[number];

/** How an exported file is named and served. `.gift.txt`: Moodle expects a text file, and the name tells the format back. */
export const formatFiles: Record<QuestionFormat, { extension: string; contentType: string }> = {
  gift: { extension: '.gift.txt', contentType: 'text/plain; charset=utf-8' },
  aiken: { extension: '.aiken.txt', contentType: 'text/plain; charset=utf-8' },
  json: { extension: '.json', contentType: 'application/json; charset=utf-8' },
};

const aikenAnswer = /^(?:ANSWER|JAWABAN)\s*:\s*[A-Za-z]\s*$/im;

/**
 * The format of an uploaded file: by its name when that says (`.gift`, `.aiken`, `.json`), else by
 * its content — JSON that parses, Aiken when there are `ANSWER:` lines, GIFT when there are
 * answer braces. Undefined when it is none of them.
 */
export function detectFormat(text: string, fileName?: string): QuestionFormat | undefined {
  const name = fileName?.toLowerCase() ?? '';
  if (/\.gift(\.txt)?$/.test(name)) return 'gift';
  if (/\.aiken(\.txt)?$/.test(name)) return 'aiken';
  if (name.endsWith('.json')) return 'json';
  const content = cleanText(text);
  if (/^\s*[[{]/.test(content)) {
    try {
      JSON.parse(content);
      return 'json';
    } catch {
      // Not JSON: a GIFT question may begin with its answer braces ("{=Dua} ditambah dua …").
    }
  }
  // `ANSWER: B` lines first: an Aiken question may well show CSS or JavaScript braces, while a GIFT
  // file has no reason to hold such a line.
  if (aikenAnswer.test(content)) return 'aiken';
  const brace = content.indexOf('{');
  if (brace >= 0 && content.indexOf('}', brace) > brace) return 'gift';
  return undefined;
}

/** Reads a question-bank file in the format given, or the one detected; an unknown format is one problem. */
export function parseQuestions(
  text: string,
  options: { format?: QuestionFormat; fileName?: string } = {},
): ParseResult & { format: QuestionFormat | undefined } {
  const format = options.format ?? detectFormat(text, options.fileName);
  switch (format) {
    case 'gift':
      return { format, ...parseGift(text) };
    case 'aiken':
      return { format, ...parseAiken(text) };
    case 'json':
      return { format, ...parseJson(text) };
    default:
      return { format: undefined, questions: [], problems: [{ line: 1, message: 'assessments.import.unknownFormat' }] };
  }
}

/** Writes questions in a format; questions the format cannot hold are listed in `skipped`. */
export function writeQuestions(format: QuestionFormat, questions: readonly QuestionContent[]): WriteResult {
  if (format === 'gift') return toGift(questions);
  if (format === 'aiken') return toAiken(questions);
  return toJson(questions);
}
