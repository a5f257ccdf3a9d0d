import type { QuestionContent } from '../questions.js';
import { cleanText, type ParseResult, ResultBuilder, type SkippedQuestion, type WriteResult } from './common.js';

/**
 * Moodle's Aiken format: single-choice questions only, as plain text.
 *
 *     Struktur data apa yang bekerja dengan prinsip LIFO?
 *     A. Queue
 *     B. Stack
 *     C. Array
 *     ANSWER: B
 *
 * The question's text (one line in Moodle; more lines are read too), options `A.` or `A)`, then
 * `ANSWER: <letter>` (`JAWABAN:` is read too). Questions are separated by blank lines; a line that
 * is not an option after the options starts the next question, so the one before lacks its answer.
 */

const optionLine = /^([A-Za-z])[.)]\s*(.*)$/;
const answerLine = /^(?:ANSWER|JAWABAN)\s*:\s*(.*)$/i;

type Draft = { line: number; text: string[]; options: { letter: string; text: string; line: number }[]; chars: number };

export function parseAiken(input: string): ParseResult {
  const builder = new ResultBuilder();
  const lines = cleanText(input).split('\n');
  let draft: Draft | undefined;

  const problem = (line: number, key: string, params?: Record<string, unknown>) =>
    builder.problem(line, `assessments.import.aiken.${key}`, params);
  /** Ends the question being read; without its ANSWER line it is reported. */
  const abandon = () => {
    if (draft && builder.begin(draft.line, draft.chars)) {
      if (draft.options.length === 0) problem(draft.line, 'tooFewOptions', { count: 0 });
      else problem(draft.line, 'missingAnswer');
    }
    draft = undefined;
  };

  for (const [index, raw] of lines.entries()) {
    if (!builder.open) break;
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '') {
      // A blank line inside the text (before any option) is a paragraph break; after options it ends the question.
      if (draft && draft.options.length > 0) abandon();
      else if (draft) draft.text.push('');
      continue;
    }
    const answer = answerLine.exec(line);
    if (answer) {
      if (!draft) {
        problem(lineNo, 'answerWithoutQuestion');
        continue;
      }
      const current = draft;
      draft = undefined;
      if (!builder.begin(current.line, current.chars)) continue;
      const letter = answer[1]!.trim().toUpperCase();
      const letters = current.options.map((option) => option.letter);
      const duplicate = letters.find((each, at) => letters.indexOf(each) !== at);
      if (current.options.length < 2) problem(current.line, 'tooFewOptions', { count: current.options.length });
      else if (duplicate) problem(current.line, 'duplicateLetter', { letter: duplicate });
      else if (!/^[A-Z]$/.test(letter)) problem(current.line, 'badAnswer', { answer: answer[1]!.trim() || '—' });
      else if (!letters.includes(letter)) problem(current.line, 'answerNotAnOption', { letter });
      else {
        builder.add(
          {
            type: 'single',
            text: current.text.join('\n').trim(),
            options: current.options.map((option) => ({ text: option.text, correct: option.letter === letter })),
          },
          current.line,
        );
      }
      continue;
    }
    const option = draft?.text.some(Boolean) ? optionLine.exec(line) : null;
    if (option && draft) {
      draft.options.push({ letter: option[1]!.toUpperCase(), text: option[2]!.trim(), line: lineNo });
      draft.chars += line.length;
      continue;
    }
    if (draft && draft.options.length > 0) abandon();
    if (!builder.open) break;
    if (!draft) draft = { line: lineNo, text: [], options: [], chars: 0 };
    draft.text.push(line);
    draft.chars += line.length;
  }
  abandon();
  return builder.result();
}

/**
 * Single-choice questions as an Aiken file. Aiken has no other type, no feedback and no tags, and
 * Moodle reads a question's text from one line only: the text's lines are joined with spaces.
 * Questions of other types, or with more options than letters, are skipped and listed.
 */
export function toAiken(questions: readonly QuestionContent[]): WriteResult {
  const blocks: string[] = [];
  const skipped: SkippedQuestion[] = [];
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
  for (const [index, question] of questions.entries()) {
    if (question.type !== 'single') {
      skipped.push({ index, message: 'assessments.import.skipped.aikenSingleOnly' });
      continue;
    }
    if (question.options.length > 26) {
      skipped.push({ index, message: 'assessments.import.skipped.aikenTooManyOptions' });
      continue;
    }
    const letter = (at: number) => String.fromCharCode(65 + at);
    const correct = question.options.findIndex((option) => option.correct);
    blocks.push(
      [
        oneLine(question.text),
        ...question.options.map((option, at) => `${letter(at)}. ${oneLine(option.text)}`),
        `ANSWER: ${letter(correct)}`,
      ].join('\n'),
    );
  }
  return { text: blocks.length ? `${blocks.join('\n\n')}\n` : '', skipped };
}
