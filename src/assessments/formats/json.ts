import type { QuestionContent } from '../questions.js';
import { cleanText, type ParseResult, ResultBuilder, type WriteResult } from './common.js';

/**
 * Our own format: `{ "format": "kompeten-questions", "version": 1, "questions": [ … ] }`, each
 * question a QuestionContent as the bank stores it (without program, ids or timestamps). Export
 * writes it; import validates every question with the same schema as the question form.
 */
export const jsonFormat = 'kompeten-questions';
export const jsonVersion = 1;

/**
 * The line on which each element of the top-level array `key` starts, so a bad question is
 * reported where the user can find it (JSON.parse tells no positions). Runs on text that parsed.
 */
function elementLines(text: string, key: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = 0;
  let lastString = '';
  let keyBefore: string | undefined;
  let inTarget = false;
  let expectElement = false;
  let done = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (char === '\n') line += 1;
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') {
        inString = false;
        lastString = text.slice(stringStart + 1, index);
      }
      continue;
    }
    if (inTarget && depth === 2 && expectElement && !/\s/.test(char) && char !== ']') {
      lines.push(line);
      expectElement = false;
    }
    if (char === '"') {
      inString = true;
      stringStart = index;
    } else if (char === ':') {
      if (depth === 1) keyBefore = lastString;
    } else if (char === '[' || char === '{') {
      depth += 1;
      if (char === '[' && depth === 2 && keyBefore === key && !done) {
        inTarget = true;
        expectElement = true;
      }
      keyBefore = undefined;
    } else if (char === ']' || char === '}') {
      if (inTarget && depth === 2) {
        inTarget = false;
        done = true;
      }
      depth -= 1;
    } else if (char === ',' && inTarget && depth === 2) {
      expectElement = true;
    }
  }
  return lines;
}

/**
 * The line of a JSON syntax error, from V8's message: "… at position 42 (line 3 column 7)", or
 * "Unexpected token ',', …"<context>"… is not valid JSON", whose context starts 10 characters
 * before the token when it begins with an ellipsis, and at the start of the text otherwise.
 */
function errorLine(text: string, error: unknown): number {
  const message = error instanceof Error ? error.message : '';
  const lineOf = (position: number) => text.slice(0, Math.max(0, position)).split('\n').length;
  const line = /\(line (\d+) column \d+\)/.exec(message);
  if (line) return Number(line[1]);
  const position = /at position (\d+)/.exec(message);
  if (position) return lineOf(Number(position[1]));
  const context = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (context) {
    const [, token, ellipsis, snippet] = context as unknown as [string, string, string | undefined, string];
    if (ellipsis) return lineOf(text.indexOf(snippet) + 10);
    return lineOf(snippet.lastIndexOf(token, 10));
  }
  if (/end of JSON input/.test(message)) return text.split('\n').length;
  return 1;
}

export function parseJson(input: string): ParseResult {
  const builder = new ResultBuilder();
  const text = cleanText(input);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    builder.problem(errorLine(text, error), 'assessments.import.json.syntax');
    return builder.result();
  }
  const file = data as { format?: unknown; version?: unknown; questions?: unknown } | null;
  if (typeof file !== 'object' || file === null || Array.isArray(file) || file.format !== jsonFormat) {
    builder.problem(1, 'assessments.import.json.notOurFormat');
    return builder.result();
  }
  if (file.version !== jsonVersion) {
    builder.problem(1, 'assessments.import.json.version', { version: String(file.version) });
    return builder.result();
  }
  if (!Array.isArray(file.questions)) {
    builder.problem(1, 'assessments.import.json.noQuestions');
    return builder.result();
  }
  const lines = elementLines(text, 'questions');
  for (const [index, question] of file.questions.entries()) {
    if (!builder.open) break;
    const line = lines[index] ?? 1;
    if (!builder.begin(line, JSON.stringify(question)?.length ?? 0)) continue;
    builder.add(question, line);
  }
  return builder.result();
}

/** The questions in our JSON format; every type and field is kept, so nothing is skipped. */
export function toJson(questions: readonly QuestionContent[]): WriteResult {
  return { text: `${JSON.stringify({ format: jsonFormat, version: jsonVersion, questions }, null, 2)}\n`, skipped: [] };
}
