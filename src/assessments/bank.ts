import mongoose from 'mongoose';
import type { StoredFileRecord } from '../files/index.js';
import {
  ConflictError,
  duplicatePositions,
  type FieldIssue,
  ForbiddenError,
  isDuplicateKeyError,
  NotFoundError,
  ValidationError,
} from '../platform/errors.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { Program } from '../programs/model.js';
import { editableProgram, loadDraft, programRef } from '../programs/service.js';
import { parseUnitRef, refsOfUnit, unitOfRef } from '../units/refs.js';
import {
  formatFiles,
  type ImportProblem,
  keyWithoutImage,
  type ParsedQuestion,
  parseQuestions,
  type QuestionFormat,
  questionKey,
  writeQuestions,
} from './formats/index.js';
import { Question, type QuestionDoc, QuestionImage, type QuestionImageDoc } from './model.js';
import { imageFileIdPattern, type QuestionContent } from './questions.js';
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
  let withImages = 0;
  for (const question of all) {
    const content = question.content as QuestionContent;
    for (const unit of content.units.length ? content.units : ['']) perUnit[unit] = (perUnit[unit] ?? 0) + 1;
    for (const tag of content.tags) tags.add(tag);
    if (content.image) withImages += 1;
  }
  const items = all.filter((question) => matches(question.content as QuestionContent, filter)).map(toQuestionView);
  return { items, total: all.length, perUnit, tags: [...tags].sort((a, b) => a.localeCompare(b)), withImages };
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

/**
 * Adds a question. `upload` is an image uploaded with it (the form's), which the content names:
 * it becomes one of the bank's images first, and stops being one if the question is refused.
 */
export async function createQuestion(
  actor: Actor | null,
  programId: string,
  content: QuestionContent,
  options: { upload?: StoredFileRecord } = {},
): Promise<QuestionView> {
  const { program, choices } = await bankContext(actor, programId);
  checkTags(content, choices);
  if ((await Question.countDocuments({ program: program._id })) >= bankLimits.questions) {
    throw new ConflictError('assessments.bank.errors.bankFull');
  }
  return withUploadedImage(program._id, options.upload, async () => {
    const stored = await withStoredImage(program._id, content);
    try {
      const created = await Question.create({
        program: program._id,
        key: questionKey(stored),
        revision: 1,
        content: stored,
        createdBy: actor!.id,
      });
      return toQuestionView(created.toObject() as QuestionDoc);
    } catch (error) {
      duplicateQuestion(error);
    }
  });
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
  options: { upload?: StoredFileRecord } = {},
): Promise<QuestionView> {
  const { question, program } = await editableQuestion(actor, id);
  checkTags(content, (await bankContext(actor, String(program._id))).choices);
  const from = revision ?? question.revision;
  if (from !== question.revision) throw new ConflictError('assessments.bank.errors.changed');
  await withUploadedImage(program._id, options.upload, async () => {
    const stored = await withStoredImage(program._id, content);
    try {
      const result = await Question.updateOne(
        { _id: question._id, revision: from },
        { $set: { content: stored, key: questionKey(stored) }, $inc: { revision: 1 } },
        // An empty optional field (no name, no feedback) is undefined: written as null it would
        // make the question's JSON export unreadable by the import (the schema takes no null).
        { ignoreUndefined: true },
      );
      if (result.matchedCount === 0) throw new ConflictError('assessments.bank.errors.changed');
    } catch (error) {
      duplicateQuestion(error);
    }
  });
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
  problems.push(...(await imageProblems(program._id, parsed.questions)));
  const heldKeys = (await Question.find({ program: program._id }, { key: 1 }).limit(bankLimits.questions).lean()).map(
    (question) => question.key,
  );
  // A GIFT or Aiken file cannot carry a question's image: its questions are the bank's with the
  // same words, pictured or not, so exporting and importing again adds no picture-less copies.
  const held = new Set(
    parsed.format && formatCarriesImages(parsed.format) ? heldKeys : [...heldKeys, ...heldKeys.map(keyWithoutImage)],
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
  /** Questions written without their image, since the format cannot carry one (GIFT, Aiken). */
  imagesLeftOut: number;
  total: number;
};

/** Whether a format keeps a question's image: our JSON does (the image's id, for the same program); GIFT and Aiken cannot. */
export function formatCarriesImages(format: QuestionFormat): boolean {
  return format === 'json';
}

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
  const chosen = (await allQuestions(program._id))
    .map((question) => question.content as QuestionContent)
    .filter((content) => matches(content, { unit: options.unit }));
  // Without their images, questions that differ only by their image would be the same question
  // twice: the file could not be imported again (not even here). The first one is written.
  const sameWords: QuestionContent[] = [];
  const questions = formatCarriesImages(options.format) ? chosen : [];
  if (!formatCarriesImages(options.format)) {
    const seen = new Set<string>();
    for (const content of chosen) {
      const key = keyWithoutImage(questionKey(content));
      if (seen.has(key)) sameWords.push(content);
      else questions.push(content);
      seen.add(key);
    }
  }
  const written = writeQuestions(options.format, questions);
  const skipped = [
    ...written.skipped.map((skip) => ({ text: textStart(questions[skip.index]!.text, 80), message: skip.message })),
    ...sameWords.map((content) => ({
      text: textStart(content.text, 80),
      message: 'assessments.import.skipped.sameWithoutImage',
    })),
  ];
  const skippedIndexes = new Set(written.skipped.map((skip) => skip.index));
  const imagesLeftOut = formatCarriesImages(options.format)
    ? 0
    : questions.filter((content, index) => content.image && !skippedIndexes.has(index)).length;
  const file = formatFiles[options.format];
  const date = new Date().toISOString().slice(0, 10);
  const code = program.code.replace(/[^A-Za-z0-9_-]+/g, '-');
  const unit = options.unit ? `-${options.unit.replace(/[^A-Za-z0-9_.-]+/g, '-')}` : '';
  return {
    text: written.text,
    fileName: `bank-soal-${code}${unit}-${date}${file.extension}`,
    contentType: file.contentType,
    skipped,
    imagesLeftOut,
    total: chosen.length,
  };
}

// --- images ------------------------------------------------------------------------------------

/** A bank image as one question shows it: what deciding who may see it needs. */
export type QuestionImageRef = { question: string; program: string; file: string };
/**
 * Whether the quizzes let `actor` see this image of this question: the quiz code registers one
 * (a trainee whose attempt holds the question with this image; the staff reviewing that attempt).
 */
export type QuestionImageAccess = (actor: Actor, image: QuestionImageRef) => Promise<boolean>;
const imageAccessCheckers = new Set<QuestionImageAccess>();

/**
 * Registers a way, besides editing the bank, to be allowed a question's image (the quizzes' "has
 * an attempt containing this question"). Returns the function that takes it away again.
 */
export function registerQuestionImageAccess(check: QuestionImageAccess): () => void {
  imageAccessCheckers.add(check);
  return () => imageAccessCheckers.delete(check);
}

/**
 * Whether `actor` may see this image of a bank question: its bank's editors, and whoever a
 * registered checker vouches for. The rule is 'question.viewImage' (platform/permissions.ts);
 * this gathers its facts, asking the checkers only when editing the bank does not already allow it.
 */
export async function canSeeQuestionImage(actor: Actor | null, image: QuestionImageRef): Promise<boolean> {
  if (!actor || !mongoose.isValidObjectId(image.program)) return false;
  const program = await Program.findById(image.program, { institution: 1, instructors: 1 }).lean();
  if (!program) return false;
  const ref = programRef(program);
  if (can(actor, 'question.viewImage', { program: ref, throughQuiz: false })) return true;
  for (const check of imageAccessCheckers) {
    if (await check(actor, image)) return can(actor, 'question.viewImage', { program: ref, throughQuiz: true });
  }
  return false;
}

/**
 * The stored file of an image a question shows, if `actor` may see it: not found when it is no
 * bank's image, forbidden when the actor may not see it.
 */
export async function questionImageFile(actor: Actor | null, questionId: string, fileId: string): Promise<string> {
  if (!mongoose.isValidObjectId(questionId) || !imageFileIdPattern.test(fileId)) throw new NotFoundError();
  const record = await QuestionImage.findById(fileId, { program: 1 }).lean();
  if (!record) throw new NotFoundError();
  if (!(await canSeeQuestionImage(actor, { question: questionId, program: String(record.program), file: fileId }))) {
    throw new ForbiddenError();
  }
  return fileId;
}

/**
 * Runs a question's save with `upload` (an image uploaded with the form) recorded as one of the
 * program's bank images first, so the content may name it; if the save is refused, the record goes
 * again (the upload itself is removed with the refused request, see files/upload.ts).
 */
async function withUploadedImage<T>(
  program: mongoose.Types.ObjectId,
  upload: StoredFileRecord | undefined,
  save: () => Promise<T>,
): Promise<T> {
  if (!upload) return save();
  if (!upload.image) throw new Error('a question image must be stored as a web image');
  await QuestionImage.create({
    _id: upload.id,
    program,
    width: upload.image.width,
    height: upload.image.height,
    widths: upload.image.variants.map((variant) => variant.width),
  });
  try {
    return await save();
  } catch (error) {
    await QuestionImage.deleteOne({ _id: upload.id });
    throw error;
  }
}

/** The bank images of a program among these file ids. */
async function bankImages(program: mongoose.Types.ObjectId, files: string[]): Promise<Map<string, QuestionImageDoc>> {
  const unique = [...new Set(files)];
  if (!unique.length) return new Map();
  const found = await QuestionImage.find({ _id: { $in: unique }, program }).lean<QuestionImageDoc[]>();
  return new Map(found.map((image) => [String(image._id), image]));
}

/** The content with its image's size as stored (never as sent); an image that is not one of this bank's is refused. */
function sizedImage(content: QuestionContent, images: Map<string, QuestionImageDoc>): QuestionContent | undefined {
  if (!content.image) return content;
  const image = images.get(content.image.file);
  if (!image) return undefined;
  return {
    ...content,
    image: { file: content.image.file, alt: content.image.alt, width: image.width, height: image.height, widths: image.widths },
  };
}

async function withStoredImage(program: mongoose.Types.ObjectId, content: QuestionContent): Promise<QuestionContent> {
  const sized = sizedImage(content, await bankImages(program, content.image ? [content.image.file] : []));
  if (!sized) throw new ValidationError([{ field: 'image', key: 'assessments.bank.errors.unknownImage' }]);
  return sized;
}

/**
 * An imported question may show an image only if it is one of this program's bank images (a JSON
 * export of the same program): its size is taken from the stored image. Others are problems at
 * their line. Changes the parsed questions' content in place.
 */
async function imageProblems(program: mongoose.Types.ObjectId, questions: ParsedQuestion[]): Promise<ImportProblem[]> {
  const images = await bankImages(
    program,
    questions.flatMap((question) => (question.content.image ? [question.content.image.file] : [])),
  );
  const problems: ImportProblem[] = [];
  for (const question of questions) {
    const sized = sizedImage(question.content, images);
    if (sized) question.content = sized;
    else
      problems.push({
        line: question.line,
        message: 'assessments.bank.import.unknownImage',
        params: { file: question.content.image!.file, field: 'image' },
      });
  }
  return problems;
}
