import { isCriterionNo, isElementNo, parseUnitRef, unitOfRef, unitRef } from '../../units/refs.js';
import { currentCodePattern, olderCodePattern } from '../../units/schemas.js';
import { parseDecimal, type QuestionContent } from '../questions.js';
import {
  cleanText,
  compact,
  formatNumber,
  type ParseResult,
  ResultBuilder,
  type SkippedQuestion,
  type WriteResult,
} from './common.js';

/**
 * Moodle's GIFT format (https://docs.moodle.org/en/GIFT_format), read and written.
 *
 * Questions are separated by blank lines. `//` lines are comments, `::title::` names a question,
 * a leading `[markdown]`, `[html]`, `[plain]` or `[moodle]` says how the text is formatted (we keep
 * the text as markdown either way), and `\~ \= \# \{ \} \: \\ \n` are escapes. The answers go in
 * braces: `{=right ~wrong}` single choice, `{~%50%a ~%50%b ~%-100%c}` multiple response (options
 * of positive weight are correct), `{T}` `{FALSE#feedback if answered wrong#feedback if right}`
 * true/false, `{=a =%50%b}` short answer, `{#3.5:0.1}` `{#1..5}` `{# =3.5:0.1 =%50%3:1}` numeric,
 * `{=prompt -> match = -> distractor}` matching, `{}` essay. `#` after an answer is its feedback,
 * `####` before the closing brace the general feedback. Text after the braces makes a "missing
 * word" question: the braces become a blank, `____`, in the text. Questions without braces
 * (Moodle's "description") and several brace blocks (cloze) have no counterpart here and are reported.
 *
 * Our additions, all in comments so Moodle reads the same file (it ignores them):
 * - SKKNI tagging: a comment line in the question's block (directly above it, no blank line)
 *     // unit: J.620100.004.02 element: 1 criteria: 1.1,1.2
 *   sets the question's units, elements and performance criteria (lists separated by commas or
 *   spaces; `units:`, `elements:`, `criterion:` are accepted too). Elements and criteria are
 *   stored with their unit (`J.620100.004.02#1.1`, units/refs.ts): with one unit the numbers
 *   alone say it; with several each is written with its unit (`criteria: J.620100.004.02#1.1`),
 *   or the question is refused as ambiguous. The same line may carry
 *   `points: 2`, `shuffle: no`, `case-sensitive: yes`, `min-words: 100`, `max-words: 300`.
 * - Tags: Moodle's own `// [tag:Array] [tag:Latihan]`, or `// tags: Array, Latihan`.
 * - Feedback GIFT has no syntax for: `// feedback-correct: …`, `// feedback-partial: …`,
 *   `// feedback-incorrect: …` (GIFT escapes, `\n` for a new line).
 * - `$CATEGORY: J.620100.004.02/1` (Moodle's category line) sets the unit, and an element and a
 *   criterion when the next path parts are numbers like `1` and `1.1`, for every question after
 *   it until the next `$CATEGORY`; other path parts become a tag (e.g. `$course$/top/Array` → `Array`).
 * Everything the bank holds but the image is written, so an export imports back unchanged.
 */

// Escaped characters are swapped for private-use characters while the structure is read, so `\=`
// in a text is never taken for an answer marker, and swapped back in every text taken out.
const escapable: Record<string, string> = {
  '\\': '\uE000',
  ':': '\uE001',
  '#': '\uE002',
  '=': '\uE003',
  '{': '\uE004',
  '}': '\uE005',
  '~': '\uE006',
};
const unescapable = Object.fromEntries(Object.entries(escapable).map(([char, placeholder]) => [placeholder, char]));
const protect = (text: string) => text.replace(/\\([\\:#={}~n])/g, (_, char: string) => (char === 'n' ? '\n' : escapable[char]!));
const restore = (text: string) => text.replace(/[\uE000-\uE006]/g, (placeholder) => unescapable[placeholder]!);
/** A text as it leaves the reader: no format marker, escapes turned back into characters, trimmed. */
const clean = (text: string) =>
  restore(text.trim().replace(/^\[(markdown|html|plain|moodle)\]/i, ''))
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();

const inlineKeys = /(?:^|[\s,;])(units?|elements?|criteria|criterion|points|shuffle|case-sensitive|min-words|max-words)\s*:/gi;
const lineKey = /^(tags|feedback-correct|feedback-partial|feedback-incorrect)\s*:(.*)$/i;
const yes = new Set(['yes', 'ya', 'true', 'y', '1']);
const no = new Set(['no', 'tidak', 'false', 'n', '0']);

type Metadata = {
  units: string[];
  elements: string[];
  criteria: string[];
  tags: string[];
  points?: string;
  shuffle?: boolean;
  caseSensitive?: boolean;
  minWords?: string;
  maxWords?: string;
  feedback: { correct?: string; partial?: string; incorrect?: string };
};
const emptyMetadata = (): Metadata => ({ units: [], elements: [], criteria: [], tags: [], feedback: {} });
const list = (value: string) => value.split(/[\s,;]+/).filter(Boolean);
const addAll = (target: string[], values: string[]) => {
  for (const value of values) if (!target.includes(value)) target.push(value);
};

/** Reads one comment line into `metadata`; returns a problem's params when a value makes no sense. */
function readComment(comment: string, metadata: Metadata): { key: string; value: string } | undefined {
  const body = comment.replace(/^\s*\/\/\s?/, '').trim();
  for (const match of body.matchAll(/\[tag:((?:\\\]|[^\]])+)\]/g))
    addAll(metadata.tags, [match[1]!.replace(/\\\]/g, ']').trim()]);
  const whole = lineKey.exec(body);
  if (whole) {
    const key = whole[1]!.toLowerCase();
    const value = clean(protect(whole[2]!));
    if (key === 'tags')
      addAll(
        metadata.tags,
        value
          .split(/[,;]/)
          .map((tag) => tag.trim())
          .filter(Boolean),
      );
    else metadata.feedback[key.slice('feedback-'.length) as 'correct' | 'partial' | 'incorrect'] = value;
    return undefined;
  }
  // Only a comment that starts with one of our keys is ours: "// this unit: arrays" stays a comment.
  const starts = [...body.matchAll(inlineKeys)];
  if (starts.length === 0 || starts[0]!.index !== 0) return undefined;
  for (const [index, match] of starts.entries()) {
    const key = match[1]!.toLowerCase();
    const value = body.slice(match.index + match[0].length, starts[index + 1]?.index ?? body.length).trim();
    if (key.startsWith('unit')) addAll(metadata.units, list(value));
    else if (key.startsWith('element')) addAll(metadata.elements, list(value));
    else if (key.startsWith('criteri')) addAll(metadata.criteria, list(value));
    else if (key === 'points') metadata.points = value;
    else if (key === 'min-words') metadata.minWords = value;
    else if (key === 'max-words') metadata.maxWords = value;
    else {
      const flag = yes.has(value.toLowerCase()) ? true : no.has(value.toLowerCase()) ? false : undefined;
      if (flag === undefined) return { key, value };
      if (key === 'shuffle') metadata.shuffle = flag;
      else metadata.caseSensitive = flag;
    }
  }
  return undefined;
}

/** What a `$CATEGORY:` path says: SKKNI unit, element and criterion parts, and the rest as a tag. */
function readCategory(path: string): Metadata {
  const metadata = emptyMetadata();
  const rest: string[] = [];
  const parts = path
    .split('/')
    .map((part) => part.trim())
    .filter((part) => part && !/^\$\w+\$$/.test(part) && part.toLowerCase() !== 'top');
  for (const part of parts) {
    const code = part.toUpperCase();
    // The category names one unit, so its element and criterion are that unit's.
    if (currentCodePattern.test(code) || olderCodePattern.test(code)) metadata.units = [code];
    else if (metadata.units.length > 0 && isElementNo(part)) metadata.elements = [unitRef(metadata.units[0]!, part)];
    else if (metadata.units.length > 0 && isCriterionNo(part)) metadata.criteria = [unitRef(metadata.units[0]!, part)];
    else rest.push(part);
  }
  const tag = rest.join('/');
  if (tag) metadata.tags = [tag.length <= 60 ? tag : rest.at(-1)!.slice(0, 60)];
  return metadata;
}

/**
 * Elements or criteria as written, with their unit: a reference that names one is kept (the
 * schema checks it belongs to a listed unit), a bare number takes the question's only unit, and
 * a bare number beside several units (or none) is returned as such, for the reader to refuse.
 */
function qualify(values: string[], units: string[]): { refs: string[]; bare: string | undefined } {
  const refs: string[] = [];
  for (const value of values) {
    if (parseUnitRef(value)) refs.push(value);
    else if (units.length === 1) refs.push(unitRef(units[0]!.toUpperCase(), value));
    else return { refs, bare: value };
  }
  return { refs, bare: undefined };
}

class Rejected extends Error {
  constructor(
    readonly key: string,
    readonly params?: Record<string, unknown>,
  ) {
    super(key);
  }
}
const reject = (key: string, params?: Record<string, unknown>): never => {
  throw new Rejected(`assessments.import.gift.${key}`, params);
};

/** An answer's `%weight%` prefix, as a percentage, and the rest. */
function weighed(body: string): { weight: number | undefined; rest: string } {
  const text = body.trimStart();
  if (!text.startsWith('%')) return { weight: undefined, rest: text };
  const end = text.indexOf('%', 1);
  const raw = end < 0 ? text : text.slice(0, end + 1);
  const weight = end < 0 ? null : parseDecimal(text.slice(1, end));
  if (weight === null || weight < -100 || weight > 100) reject('badWeight', { weight: restore(raw) });
  return { weight: weight!, rest: text.slice(end + 1) };
}

/** Text before the first `#`, and the feedback after it (undefined when there is none). */
function withFeedback(body: string): { text: string; feedback: string | undefined } {
  const hash = body.indexOf('#');
  if (hash < 0) return { text: clean(body), feedback: undefined };
  return { text: clean(body.slice(0, hash)), feedback: clean(body.slice(hash + 1)) || undefined };
}

/** The answers of a choice, short-answer, numeric or matching block, each with its marker. */
function markedAnswers(answers: string, markers: RegExp): { marker: string; body: string }[] {
  const parts = answers.split(markers);
  if (parts[0]!.trim() !== '') reject('answerMarker', { text: clean(parts[0]!).slice(0, 60) });
  const result: { marker: string; body: string }[] = [];
  for (let index = 1; index < parts.length; index += 2) result.push({ marker: parts[index]!, body: parts[index + 1] ?? '' });
  return result;
}

function numericAnswer(body: string, weight: number | undefined) {
  const { text, feedback } = withFeedback(body);
  const number = (raw: string) => {
    const value = parseDecimal(raw);
    if (value === null) reject('notANumber', { value: raw.trim() || '—' });
    return value!;
  };
  const range = /^(.+?)\.\.(.+)$/.exec(text);
  let value: number;
  let tolerance = 0;
  if (range) {
    const low = number(range[1]!);
    const high = number(range[2]!);
    if (low > high) reject('badRange', { low, high });
    value = (low + high) / 2;
    tolerance = (high - low) / 2;
  } else {
    const [raw, margin] = text.split(':');
    value = number(raw!);
    if (margin !== undefined) tolerance = number(margin);
  }
  return { value, tolerance, fraction: (weight ?? 100) / 100, feedback };
}

/** The type-specific fields of a question from the text between its braces. */
function readAnswers(answers: string): Record<string, unknown> {
  if (answers === '') return { type: 'essay' };
  if (answers.startsWith('#')) {
    const body = answers.slice(1);
    if (!body.includes('=')) return { type: 'numeric', answers: [numericAnswer(body, undefined)] };
    return {
      type: 'numeric',
      answers: markedAnswers(body, /(=)/).map(({ body: answer }) => {
        const { weight, rest } = weighed(answer);
        if (weight !== undefined && weight < 0) reject('badWeight', { weight: `%${weight}%` });
        return numericAnswer(rest, weight);
      }),
    };
  }
  if (answers.includes('~')) {
    // Moodle's rule: with an `=` answer it is single choice, without one multiple response.
    const single = answers.includes('=');
    const marked = markedAnswers(answers, /([~=])/);
    const options = marked.map(({ marker, body }) => {
      const { weight, rest } = weighed(body);
      const { text, feedback } = withFeedback(rest);
      if (
        single &&
        ((marker === '=' && weight !== undefined && weight !== 100) || (marker === '~' && weight !== undefined && weight > 0))
      ) {
        reject('singlePartialCredit', { option: text.slice(0, 60) });
      }
      if (!text) reject('emptyAnswer');
      return { text, correct: single ? marker === '=' : (weight ?? 0) > 0, ...(feedback ? { feedback } : {}) };
    });
    if (!options.some((option) => option.correct)) reject('noCorrectAnswer');
    return { type: single ? 'single' : 'multiple', options };
  }
  if (answers.includes('=') && answers.includes('->')) {
    const pairs: { prompt: string; match: string }[] = [];
    const extraMatches: string[] = [];
    for (const { body } of markedAnswers(answers, /(=)/)) {
      const arrow = body.indexOf('->');
      if (arrow < 0) reject('matchingArrow', { text: clean(body).slice(0, 60) });
      const prompt = clean(body.slice(0, arrow));
      const match = clean(body.slice(arrow + 2));
      if (!match) reject('emptyAnswer');
      if (prompt) pairs.push({ prompt, match });
      else extraMatches.push(match);
    }
    return { type: 'matching', pairs, extraMatches };
  }
  const hash = answers.indexOf('#');
  const truth = (hash < 0 ? answers : answers.slice(0, hash)).trim().toUpperCase();
  if (['T', 'TRUE', 'F', 'FALSE'].includes(truth)) {
    const answer = truth.startsWith('T');
    const [, wrong, right] = answers.split('#', 3).map((part) => clean(part) || undefined);
    return {
      type: 'trueFalse',
      answer,
      feedbackTrue: answer ? right : wrong,
      feedbackFalse: answer ? wrong : right,
    };
  }
  return {
    type: 'shortAnswer',
    answers: markedAnswers(answers, /(=)/).map(({ body }) => {
      const { weight, rest } = weighed(body);
      if (weight !== undefined && weight < 0) reject('badWeight', { weight: `%${weight}%` });
      const { text, feedback } = withFeedback(rest);
      if (!text) reject('emptyAnswer');
      return { text, fraction: (weight ?? 100) / 100, feedback };
    }),
  };
}

/** One question block (comments taken out) into a candidate for the schema. */
function readQuestion(source: string, metadata: Metadata): Record<string, unknown> {
  let text = protect(source).trim();
  let name: string | undefined;
  if (text.startsWith('::')) {
    const end = text.indexOf('::', 2);
    if (end < 0) reject('unclosedTitle');
    name = clean(text.slice(2, end));
    text = text.slice(end + 2).trim();
  }
  const open = text.indexOf('{');
  const close = text.indexOf('}');
  if (open < 0 && close < 0) reject('noAnswers');
  if (open >= 0 && close < 0) reject('unclosedBrace');
  if (close >= 0 && (open < 0 || close < open)) reject('unexpectedBrace');
  const inner = text.indexOf('{', open + 1);
  if (inner >= 0 && inner < close) reject('unclosedBrace');
  const after = text.slice(close + 1);
  if (/[{}]/.test(after)) reject('severalAnswerBlocks');
  const questionText = after.trim() ? `${text.slice(0, open)}____${after}` : text.slice(0, open);

  let answers = text.slice(open + 1, close).trim();
  let general: string | undefined;
  const separator = answers.lastIndexOf('####');
  if (separator >= 0) {
    general = clean(answers.slice(separator + 4)) || undefined;
    answers = answers.slice(0, separator).trim();
  }
  const typed = readAnswers(answers);
  const type = typed.type as QuestionContent['type'];
  return {
    ...typed,
    text: clean(questionText),
    ...(name ? { name } : {}),
    ...(metadata.points !== undefined ? { points: metadata.points } : {}),
    units: metadata.units,
    elements: metadata.elements,
    criteria: metadata.criteria,
    tags: metadata.tags,
    feedback: { general, ...metadata.feedback },
    ...(metadata.shuffle !== undefined && ['single', 'multiple'].includes(type) ? { shuffle: metadata.shuffle } : {}),
    ...(metadata.caseSensitive !== undefined && type === 'shortAnswer' ? { caseSensitive: metadata.caseSensitive } : {}),
    ...(type === 'essay' && metadata.minWords !== undefined ? { minWords: metadata.minWords } : {}),
    ...(type === 'essay' && metadata.maxWords !== undefined ? { maxWords: metadata.maxWords } : {}),
  };
}

export function parseGift(input: string): ParseResult {
  const builder = new ResultBuilder();
  const lines = cleanText(input).split('\n');
  let category = emptyMetadata();
  let index = 0;
  while (index < lines.length && builder.open) {
    if (lines[index]!.trim() === '') {
      index += 1;
      continue;
    }
    // A block: the lines up to the next blank one. Its size is checked before any of it is read,
    // comments included, so a huge block costs no more than its length.
    const start = index;
    while (index < lines.length && lines[index]!.trim() !== '') index += 1;
    const block = lines.slice(start, index);
    const isComment = (line: string) => line.trim().startsWith('//');
    const isCategory = (line: string) => /^\s*\$CATEGORY:/i.test(line);
    let firstText = block.findIndex((line) => !isComment(line) && !isCategory(line));
    // `$CATEGORY:` only counts before the question's text.
    for (const [at, line] of block.entries())
      if (isCategory(line) && (firstText < 0 || at < firstText)) category = readCategory(line.trim().slice(10));
    if (firstText < 0) continue;
    firstText = start + firstText;
    const firstLine = firstText + 1;
    if (
      !builder.begin(
        firstLine,
        block.reduce((sum, line) => sum + line.length + 1, 0),
      )
    )
      continue;
    const metadata = emptyMetadata();
    const textLines: string[] = [];
    let badComment: { key: string; value: string } | undefined;
    for (const [at, line] of block.entries()) {
      if (isComment(line)) {
        const bad = readComment(line.trim(), metadata);
        if (bad && !badComment) badComment = bad;
      } else if (start + at >= firstText) textLines.push(line.trimEnd());
    }
    const source = textLines.join('\n');
    if (badComment) {
      builder.problem(firstLine, 'assessments.import.gift.badMetadata', badComment);
      continue;
    }
    // The question's own comment wins over the category, field by field: a category may name
    // the unit while the comment above a question names its element and criteria. The
    // category's element and criterion are inherited only by a question about its unit.
    const units = metadata.units.length ? metadata.units : [...category.units];
    const pick = (own: string[], inherited: string[]) =>
      own.length ? own : inherited.filter((ref) => units.some((unit) => unit.toUpperCase() === unitOfRef(ref)));
    const elements = qualify(pick(metadata.elements, category.elements), units);
    const criteria = qualify(pick(metadata.criteria, category.criteria), units);
    const bare = elements.bare ?? criteria.bare;
    if (bare !== undefined) {
      if (units.length) {
        const example = unitRef(units[0]!.toUpperCase(), bare);
        builder.problem(firstLine, 'assessments.import.gift.whichUnit', { ref: bare, units: units.join(', '), example });
      } else builder.problem(firstLine, 'assessments.import.gift.noUnit', { ref: bare });
      continue;
    }
    const merged: Metadata = { ...metadata, units, elements: elements.refs, criteria: criteria.refs, tags: [...category.tags] };
    addAll(merged.tags, metadata.tags);
    try {
      builder.add(compact(readQuestion(source, merged)), firstLine);
    } catch (error) {
      if (!(error instanceof Rejected)) throw error;
      builder.problem(firstLine, error.key, error.params);
    }
  }
  return builder.result();
}

// --- writing -------------------------------------------------------------------------------------

const escapeGift = (text: string) => text.replace(/[\\~=#{}:]/g, (char) => `\\${char}`).replace(/\n/g, '\\n');
const percent = (fraction: number) => formatNumber(Number((fraction * 100).toFixed(5)));
const withWeight = (fraction: number) => (fraction === 1 ? '' : `%${percent(fraction)}%`);
const feedbackPart = (feedback: string | undefined) => (feedback ? `#${escapeGift(feedback)}` : '');

function answerBlock(question: QuestionContent): string[] | string {
  switch (question.type) {
    case 'single':
      return question.options.map(
        (option) => `${option.correct ? '=' : '~'}${escapeGift(option.text)}${feedbackPart(option.feedback)}`,
      );
    case 'multiple': {
      // Each right pick is worth an equal share and each wrong pick costs one, as our grading counts them.
      const share = percent(1 / question.options.filter((option) => option.correct).length);
      return question.options.map(
        (option) => `~%${option.correct ? '' : '-'}${share}%${escapeGift(option.text)}${feedbackPart(option.feedback)}`,
      );
    }
    case 'trueFalse': {
      const [wrong, right] = question.answer
        ? [question.feedbackFalse, question.feedbackTrue]
        : [question.feedbackTrue, question.feedbackFalse];
      const feedback = wrong || right ? `#${escapeGift(wrong ?? '')}${right ? `#${escapeGift(right)}` : ''}` : '';
      return `${question.answer ? 'TRUE' : 'FALSE'}${feedback}`;
    }
    case 'shortAnswer':
      return question.answers.map(
        (answer) => `=${withWeight(answer.fraction)}${escapeGift(answer.text)}${feedbackPart(answer.feedback)}`,
      );
    case 'numeric':
      return [
        '#',
        ...question.answers.map(
          (answer) =>
            `=${withWeight(answer.fraction)}${formatNumber(answer.value)}:${formatNumber(answer.tolerance)}${feedbackPart(answer.feedback)}`,
        ),
      ];
    case 'matching':
      return [
        ...question.pairs.map((pair) => `=${escapeGift(pair.prompt)} -> ${escapeGift(pair.match)}`),
        ...question.extraMatches.map((match) => `= -> ${escapeGift(match)}`),
      ];
    case 'essay':
      return '';
  }
}

/**
 * Elements or criteria as the tagging comment writes them: the numbers alone when the question
 * has one unit (they are all that unit's, and read back the same), else each with its unit.
 */
function refsText(refs: string[], units: string[]): string {
  return refs.map((ref) => (units.length === 1 ? (parseUnitRef(ref)?.no ?? ref) : ref)).join(',');
}

function metadataComments(question: QuestionContent): string[] {
  const lines: string[] = [];
  const skkni = [
    question.units.length ? `unit: ${question.units.join(',')}` : '',
    question.elements.length ? `element: ${refsText(question.elements, question.units)}` : '',
    question.criteria.length ? `criteria: ${refsText(question.criteria, question.units)}` : '',
    question.points !== 1 ? `points: ${formatNumber(question.points)}` : '',
    'shuffle' in question && !question.shuffle ? 'shuffle: no' : '',
    question.type === 'shortAnswer' && question.caseSensitive ? 'case-sensitive: yes' : '',
    question.type === 'essay' && question.minWords !== undefined ? `min-words: ${question.minWords}` : '',
    question.type === 'essay' && question.maxWords !== undefined ? `max-words: ${question.maxWords}` : '',
  ].filter(Boolean);
  if (skkni.length) lines.push(`// ${skkni.join(' ')}`);
  if (question.tags.length) lines.push(`// ${question.tags.map((tag) => `[tag:${tag.replace(/\]/g, '\\]')}]`).join(' ')}`);
  for (const kind of ['correct', 'partial', 'incorrect'] as const) {
    const feedback = question.feedback[kind];
    if (feedback) lines.push(`// feedback-${kind}: ${escapeGift(feedback)}`);
  }
  return lines;
}

/**
 * The questions as a GIFT file, one block each, readable in Moodle. A matching prompt containing
 * `->` cannot be written (GIFT has no escape for it): that question is skipped and listed.
 */
export function toGift(questions: readonly QuestionContent[]): WriteResult {
  const blocks: string[] = [];
  const skipped: SkippedQuestion[] = [];
  for (const [index, question] of questions.entries()) {
    if (question.type === 'matching' && question.pairs.some((pair) => pair.prompt.includes('->'))) {
      skipped.push({ index, message: 'assessments.import.skipped.giftArrow' });
      continue;
    }
    const answers = answerBlock(question);
    const general = question.feedback.general ? `####${escapeGift(question.feedback.general)}` : '';
    let braces = `{${answers}${general}}`;
    if (Array.isArray(answers)) {
      // One answer a line, as people write them; numeric's `#` stays right after the brace.
      const numeric = answers[0] === '#';
      const lines = (numeric ? answers.slice(1) : answers).map((answer) => `\t${answer}`);
      if (general) lines.push(`\t${general}`);
      braces = `{${numeric ? '#' : ''}\n${lines.join('\n')}\n}`;
    }
    const title = question.name ? `::${escapeGift(question.name)}::` : '';
    blocks.push([...metadataComments(question), `${title}[markdown]${escapeGift(question.text)} ${braces}`].join('\n'));
  }
  return { text: blocks.length ? `${blocks.join('\n\n')}\n` : '', skipped };
}
