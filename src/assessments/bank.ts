import mongoose from 'mongoose';
import {
  ConflictError,
  duplicatePositions,
  type FieldIssue,
  isDuplicateKeyError,
  NotFoundError,
  ValidationError,
} from '../platform/errors.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { editableProgram, loadDraft, programRef } from '../programs/service.js';
import { parseUnitRef, refsOfUnit, unitOfRef } from '../units/refs.js';
import {
  formatFiles,
  type ImportProblem,
  type ParsedQuestion,
  parseQuestions,
  type QuestionFormat,
  questionKey,
  writeQuestions,
} from './formats/index.js';
import { Question, type QuestionDoc } from './model.js';
import type { QuestionContent } from './questions.js';
import { type BankFilter, bankLimits, type QuestionView } from './schemas.js';

/**
 * The question bank of a program: its questions, tagged with the program's competency units, read
 * and changed by whoever may edit the program (`question.edit`). Every write stores a content the
 * shared schema validated, under its fingerprint `key`, which is unique per program.
 */

export function toQuestionView(question: QuestionDoc): QuestionView {
  return {
    id: String(question._id),
    program: String(question.program),
    key: question.key,
    revision: question.revision,
    content: question.content as QuestionContent,
    createdAt: new Date(question.createdAt).toISOString(),
    updatedAt: new Date(question.updatedAt).toISOString(),
  };
}

/** The program whose bank this is, if the actor may edit its questions; otherwise not found or forbidden. */
async function bankProgram(actor: Actor | null, programId: string) {
  const program = await editableProgram(actor, programId);
  authorize(actor, 'question.edit', programRef(program));
  return program;
}

/** What a question of a program may be tagged with: the program's unit codes, and their elements' and criteria's references. */
export type TagChoices = { unitCodes: Set<string>; refs: Set<string> };

/** The program with its units, their elements and criteria: what a question may be tagged with. */
export async function bankContext(actor: Actor | null, programId: string) {
  const draft = await loadDraft(actor, programId);
  authorize(actor, 'question.edit', programRef(draft.program));
  const choices: TagChoices = {
    unitCodes: new Set(draft.units.map((unit) => unit.code)),
    refs: new Set(draft.units.flatMap((unit) => Object.values(refsOfUnit(unit)).flat())),
  };
  return { program: draft.program, units: draft.units, choices };
}

/** A question and its program, if the actor may edit that program's questions. */
async function editableQuestion(actor: Actor | null, id: string) {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const question = await Question.findById(id).lean<QuestionDoc>();
  if (!question) throw new NotFoundError();
  const program = await bankProgram(actor, String(question.program));
  return { question, program };
}

export async function getQuestion(actor: Actor | null, id: string) {
  const { question, program } = await editableQuestion(actor, id);
  return { question: toQuestionView(question), program };
}

/** Every question of the program (a bank is bounded: bankLimits.questions), oldest first. */
async function allQuestions(programId: mongoose.Types.ObjectId): Promise<QuestionDoc[]> {
  return Question.find({ program: programId }).sort({ createdAt: 1, _id: 1 }).limit(bankLimits.questions).lean<QuestionDoc[]>();
}

const matches = (content: QuestionContent, filter: Partial<BankFilter>) =>
  (!filter.unit || content.units.includes(filter.unit)) &&
  (!filter.type || content.type === filter.type) &&
  (!filter.tag || content.tags.some((tag) => tag.toLowerCase() === filter.tag!.toLowerCase()));

/**
 * The program's questions that match the filter, with the count per unit over the whole bank
 * and the tags in use. Read by the program's equality and filtered here: FerretDB pushes down no
 * dotted path (`content.units`), and a bank is a few thousand questions at most.
 */
export async function listQuestions(actor: Actor | null, programId: string, filter: Partial<BankFilter> = {}) {
  const program = await bankProgram(actor, programId);
  const all = await allQuestions(program._id);
  const perUnit: Record<string, number> = {};
  const tags = new Set<string>();
  for (const question of all) {
    const content = question.content as QuestionContent;
    for (const unit of content.units.length ? content.units : ['']) perUnit[unit] = (perUnit[unit] ?? 0) + 1;
    for (const tag of content.tags) tags.add(tag);
  }
  const items = all.filter((question) => matches(question.content as QuestionContent, filter)).map(toQuestionView);
  return { items, total: all.length, perUnit, tags: [...tags].sort((a, b) => a.localeCompare(b)) };
}

/**
 * What is wrong with a question's tags in this program: units the program does not cover (the
 * bank's questions test the program's units), and elements or criteria its units do not have
 * (a criterion number typed from another version of the unit, say). The schema has already
 * checked that each element and criterion names one of the question's units.
 */
function tagIssues(content: QuestionContent, choices: TagChoices): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const foreign = content.units.filter((code) => !choices.unitCodes.has(code));
  if (foreign.length)
    issues.push({ field: 'units', key: 'assessments.bank.errors.foreignUnits', params: { codes: foreign.join(', ') } });
  for (const [field, key] of [
    ['elements', 'assessments.bank.errors.unknownElements'],
    ['criteria', 'assessments.bank.errors.unknownCriteria'],
  ] as const) {
    // A ref of a foreign unit is covered by the message on the unit.
    const unknown = content[field].filter((ref) => choices.unitCodes.has(unitOfRef(ref)) && !choices.refs.has(ref));
    if (unknown.length) issues.push({ field, key, params: { refs: unknown.join(', ') } });
  }
  return issues;
}

function checkTags(content: QuestionContent, choices: TagChoices): void {
  const issues = tagIssues(content, choices);
  if (issues.length) throw new ValidationError(issues);
}

function duplicateQuestion(error: unknown): never {
  if (isDuplicateKeyError(error)) throw new ConflictError('assessments.bank.errors.duplicate', 'text');
  throw error;
}

export async function createQuestion(actor: Actor | null, programId: string, content: QuestionContent): Promise<QuestionView> {
  const { program, choices } = await bankContext(actor, programId);
  checkTags(content, choices);
  if ((await Question.countDocuments({ program: program._id })) >= bankLimits.questions) {
    throw new ConflictError('assessments.bank.errors.bankFull');
  }
  try {
    const created = await Question.create({
      program: program._id,
      key: questionKey(content),
      revision: 1,
      content,
      createdBy: actor!.id,
    });
    return toQuestionView(created.toObject() as QuestionDoc);
  } catch (error) {
    duplicateQuestion(error);
  }
}

/**
 * Replaces a question's content, one revision up. `revision` is the one the change was made
 * from: if the question changed since (another tab, another instructor), the change is refused
 * rather than silently overwriting theirs. The condition on the stored revision makes two
 * simultaneous saves of the same revision give one success and one refusal.
 */
export async function updateQuestion(
  actor: Actor | null,
  id: string,
  content: QuestionContent,
  revision?: number,
): Promise<QuestionView> {
  const { question, program } = await editableQuestion(actor, id);
  checkTags(content, (await bankContext(actor, String(program._id))).choices);
  const from = revision ?? question.revision;
  if (from !== question.revision) throw new ConflictError('assessments.bank.errors.changed');
  try {
    const result = await Question.updateOne(
      { _id: question._id, revision: from },
      { $set: { content, key: questionKey(content) }, $inc: { revision: 1 } },
    );
    if (result.matchedCount === 0) throw new ConflictError('assessments.bank.errors.changed');
  } catch (error) {
    duplicateQuestion(error);
  }
  const saved = await Question.findById(question._id).lean<QuestionDoc>();
  if (!saved) throw new NotFoundError();
  return toQuestionView(saved);
}

/** Deletes a question; returns its program's id. Nothing uses bank questions yet (quizzes will pin revisions). */
export async function deleteQuestion(actor: Actor | null, id: string): Promise<string> {
  const { question } = await editableQuestion(actor, id);
  await Question.deleteOne({ _id: question._id });
  return String(question.program);
}

// --- import and export ---------------------------------------------------------------------------

export type ImportOutcome = {
  format: QuestionFormat | undefined;
  /** Questions stored now, and questions of the file the bank held already (same key). */
  added: number;
  existing: number;
  /** When there is any, nothing was stored. */
  problems: ImportProblem[];
};

/** Problems of questions that parsed but name units the program does not cover, or elements and criteria their units lack. */
function tagProblems(questions: ParsedQuestion[], choices: TagChoices): ImportProblem[] {
  return questions.flatMap((question) =>
    tagIssues(question.content, choices).map((issue) => ({
      line: question.line,
      message: issue.key,
      params: { ...issue.params, field: issue.field },
    })),
  );
}

/**
 * Imports a GIFT, Aiken or JSON text into the bank, all or nothing: a file with any problem
 * (a bad question, a unit the program does not cover, more questions than the bank may hold)
 * stores nothing and reports every problem with its line. Otherwise every question not in the
 * bank yet is stored; those whose key the bank holds are counted, not duplicated, so importing
 * the same file twice, or two submits of one, add its questions once (the unique index decides
 * a race between them).
 */
export async function importQuestions(
  actor: Actor | null,
  programId: string,
  input: { text: string; format?: QuestionFormat; fileName?: string },
): Promise<ImportOutcome> {
  const { program, choices } = await bankContext(actor, programId);
  const parsed = parseQuestions(input.text, { format: input.format, fileName: input.fileName });
  const problems = [...parsed.problems];
  if (!problems.length && !parsed.questions.length) problems.push({ line: 1, message: 'assessments.bank.import.empty' });
  problems.push(...tagProblems(parsed.questions, choices));
  const held = new Set(
    (await Question.find({ program: program._id }, { key: 1 }).limit(bankLimits.questions).lean()).map(
      (question) => question.key,
    ),
  );
  const fresh = parsed.questions.filter((question) => !held.has(question.key));
  if (held.size + fresh.length > bankLimits.questions) {
    problems.push({
      line: 1,
      message: 'assessments.bank.import.bankFull',
      params: { max: bankLimits.questions, held: held.size },
    });
  }
  if (problems.length) {
    return { format: parsed.format, added: 0, existing: 0, problems: problems.sort((a, b) => a.line - b.line) };
  }
  let raced = 0;
  if (fresh.length) {
    const now = new Date();
    try {
      await Question.collection.insertMany(
        fresh.map((question) => ({
          _id: new mongoose.Types.ObjectId(),
          program: program._id,
          key: question.key,
          revision: 1,
          content: question.content,
          createdBy: new mongoose.Types.ObjectId(actor!.id),
          archived: false,
          createdAt: now,
          updatedAt: now,
        })),
        { ordered: false },
      );
    } catch (error) {
      // Another import of the same questions stored these since we looked: they are there, once.
      const duplicates = duplicatePositions(error);
      if (!duplicates && !isDuplicateKeyError(error)) throw error;
      raced = duplicates?.length ?? fresh.length;
    }
  }
  return {
    format: parsed.format,
    added: fresh.length - raced,
    existing: parsed.questions.length - fresh.length + raced,
    problems: [],
  };
}

export type ExportResult = {
  text: string;
  fileName: string;
  contentType: string;
  /** Questions the format cannot hold: the start of their text and why (an i18n key). */
  skipped: { text: string; message: string }[];
  total: number;
};

/** The start of a question's text on one line, without Markdown marks: as lists and export notes show it. */
export function textStart(text: string, length = 140): string {
  const line = text
    .replace(/[*_`#>[\]]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

/**
 * A question's units, each with the numbers of its criteria the question tests, as lists and the
 * preview show them ("J.620100.004.02 · KUK 1.1, 1.2"): two units' criteria 1.1 stay apart.
 */
export function unitTags(content: QuestionContent): { unit: string; criteria: string[] }[] {
  return content.units.map((unit) => ({
    unit,
    criteria: content.criteria.flatMap((ref) => {
      const parsed = parseUnitRef(ref);
      return parsed?.unit === unit ? [parsed.no] : [];
    }),
  }));
}

/** The bank (or its questions of one unit) as a GIFT, Aiken or JSON file. */
export async function exportQuestions(
  actor: Actor | null,
  programId: string,
  options: { format: QuestionFormat; unit?: string },
): Promise<ExportResult> {
  const program = await bankProgram(actor, programId);
  const questions = (await allQuestions(program._id))
    .map((question) => question.content as QuestionContent)
    .filter((content) => matches(content, { unit: options.unit }));
  const written = writeQuestions(options.format, questions);
  const skipped = written.skipped.map((skip) => ({ text: textStart(questions[skip.index]!.text, 80), message: skip.message }));
  const file = formatFiles[options.format];
  const date = new Date().toISOString().slice(0, 10);
  const code = program.code.replace(/[^A-Za-z0-9_-]+/g, '-');
  const unit = options.unit ? `-${options.unit.replace(/[^A-Za-z0-9_.-]+/g, '-')}` : '';
  return {
    text: written.text,
    fileName: `bank-soal-${code}${unit}-${date}${file.extension}`,
    contentType: file.contentType,
    skipped,
    total: questions.length,
  };
}
