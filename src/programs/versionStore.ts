import { randomBytes } from 'node:crypto';
import type mongoose from 'mongoose';
import { ConflictError, duplicatePositions, isDuplicateKeyError } from '../platform/errors.js';
import { searchWords } from '../platform/text.js';
import { writeProgram } from './listings.js';
import { Program, ProgramVersion, PublishedLesson, publishedLessonId, versionId } from './model.js';
import type { Snapshot } from './publishing.js';

/**
 * Storing a published version so that a publish stopped at any step (an error, a lost
 * connection, a process that died) is finished or undone, by the next publish of the program or
 * by the periodic clean-up, and readers only ever see whole versions. A publish:
 *
 * 1. inserts version N as `writing`, with a random `attempt`; the `_id` (program:N) lets one
 *    publish only write version N;
 * 2. inserts its lessons' texts, each carrying the attempt, and renews `heartbeatAt` between
 *    batches;
 * 3. marks it `whole` and `complete` (readable from now on), if it is still this attempt's and
 *    being written;
 * 4. points the program at it, if the program points at N-1, and marks it `published`.
 *
 * Step 3, the renewals and the first step of undoing (marking the version `abandoned`) are
 * conditional updates of the one version document, which exclude each other: updates of one
 * document are atomic on MongoDB and on FerretDB go through one connection (platform/db). So a
 * version is either made whole (by its publish, or by whoever finds all its texts stored) or
 * abandoned (by whoever finds its publish silent for `silentAfterMs`), never both; only then are
 * its texts (by the attempt they carry) and the version deleted, and the number is free for the
 * next publish: version numbers have no gaps. A version made whole is finished by whoever finds
 * it (step 4 is idempotent). Until a silent publish is undone, the next one is told that a
 * publish is under way.
 *
 * A publish that was only slow (stalled past `silentAfterMs`) and then resumes cannot spoil the
 * version that took its place: its texts carry its own attempt, it replaces no text but one of an
 * attempt that is not the version's, and its step 3 matches nothing.
 */

/** How long a version's publish may go without renewing `heartbeatAt` before others may undo it. */
export const silentAfterMs = 2 * 60 * 1000;
/** Lesson texts inserted at once. */
const textBatch = 200;

/** A version as stored; fields that versions stored before this file may lack are optional. */
type StoredVersion = {
  _id: string;
  program: mongoose.Types.ObjectId | string;
  version: number;
  snapshot: unknown;
  publishedAt: Date;
  complete?: boolean | null;
  state?: string | null;
  attempt?: string | null;
  heartbeatAt?: Date | null;
};

const attemptOf = (version: StoredVersion) => version.attempt ?? '';
/** Documents written by `attempt` ('' for those stored before attempts were kept). */
const byAttempt = (attempt: string) => (attempt ? { attempt } : { attempt: { $exists: false } });
/** The version while its publish may still write it: neither complete nor being undone. */
const stillWriting = (version: StoredVersion) => ({
  _id: version._id,
  complete: false,
  state: { $ne: 'abandoned' as const },
  ...byAttempt(attemptOf(version)),
});

/** The ids of the texts of a version's lessons. */
function textIds(version: StoredVersion): string[] {
  const snapshot = version.snapshot as Snapshot;
  return snapshot.modules.flatMap((module) =>
    module.lessons.map((lesson) => publishedLessonId(version.program, version.version, lesson.id)),
  );
}

/** What the catalogue lists of a program: a summary of its newest published version. */
function catalogueSummary(snapshot: Snapshot, version: number, at: Date) {
  return {
    version,
    at,
    code: snapshot.code,
    title: snapshot.title,
    summary: snapshot.description.slice(0, 300),
    sector: snapshot.sector,
    level: snapshot.level,
    hours: snapshot.hours,
    province: snapshot.institution.province,
    institutionName: snapshot.institution.name,
    units: snapshot.units.length,
    modules: snapshot.modules.length,
    words: searchWords(snapshot.code, snapshot.title, snapshot.description, ...snapshot.units.map((unit) => unit.title.id)),
  };
}

export type VersionToStore = {
  program: { _id: mongoose.Types.ObjectId; institution: mongoose.Types.ObjectId; publishedVersion?: number | null };
  publishedBy: string;
  snapshot: Snapshot;
  /** The rendered text of every lesson of the snapshot, by lesson id. */
  html: Map<string, string>;
};

/** Stores the next version of a program and points the program at it; returns its number. */
export async function storeVersion(input: VersionToStore): Promise<number> {
  const { program, snapshot } = input;
  const number = (program.publishedVersion ?? 0) + 1;
  const mine: StoredVersion = {
    _id: versionId(program._id, number),
    program: program._id,
    version: number,
    snapshot,
    publishedAt: new Date(),
    complete: false,
    state: 'writing',
    attempt: randomBytes(12).toString('hex'),
  };
  await claimNumber(mine, input);
  try {
    await storeTexts(mine, input.html);
    mine.publishedAt = new Date();
    if (!(await markWhole(mine))) {
      // Made whole by another who found all its texts stored, or undone as silent: which?
      const now = await ProgramVersion.findById(mine._id, { complete: 1, attempt: 1, publishedAt: 1 }).lean<StoredVersion>();
      if (!now?.complete || now.attempt !== mine.attempt) throw new ConflictError('programs.errors.publishUndone');
      mine.publishedAt = now.publishedAt ?? mine.publishedAt;
    }
  } catch (error) {
    // Undo it now, so that the next publish can take the number at once; if even that fails,
    // the next publish or the clean-up undoes it once it has been silent.
    await undo(mine).catch(() => undefined);
    throw error;
  }
  // Whole: should this fail, the next publish or the clean-up points the program at it.
  await pointProgramAt(mine);
  return number;
}

/** Step 1: inserts the version; a version of that number already there is finished or undone first. */
async function claimNumber(mine: StoredVersion, input: VersionToStore): Promise<void> {
  const snapshot = input.snapshot;
  for (let round = 0; round < 3; round += 1) {
    try {
      await ProgramVersion.create({
        _id: mine._id,
        program: mine.program,
        version: mine.version,
        snapshot: mine.snapshot,
        publishedAt: mine.publishedAt,
        complete: false,
        state: 'writing',
        attempt: attemptOf(mine),
        publishedBy: input.publishedBy,
        institution: input.program.institution,
        province: snapshot.institution.province,
        sector: snapshot.sector,
        heartbeatAt: new Date(),
      });
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const outcome = await settleVersion(mine._id, new Date());
    if (outcome === 'published') throw new ConflictError('programs.errors.publishedMeanwhile');
    if (outcome === 'writing') throw new ConflictError('programs.errors.publishInProgress');
    // Undone (or gone): the number is free again.
  }
  throw new ConflictError('programs.errors.publishInProgress');
}

/** Step 2: the texts, in batches, renewing the version's sign of life between them. */
async function storeTexts(mine: StoredVersion, html: Map<string, string>): Promise<void> {
  const attempt = attemptOf(mine);
  const texts = [...html].map(([lesson, text]) => ({
    _id: publishedLessonId(mine.program, mine.version, lesson),
    html: text,
    attempt,
  }));
  for (let start = 0; start < texts.length; start += textBatch) {
    if (start > 0) await renew(mine);
    for (const taken of await insertTexts(texts.slice(start, start + textBatch))) await replaceDeadText(mine, taken);
  }
}

type Text = { _id: string; html: string; attempt: string };

/** Inserts texts; returns those whose `_id` was taken already. */
async function insertTexts(texts: Text[]): Promise<Text[]> {
  try {
    await PublishedLesson.insertMany(texts, { ordered: false });
    return [];
  } catch (error) {
    const duplicates = duplicatePositions(error);
    if (!duplicates) throw error;
    return duplicates.map((position) => texts[position]!);
  }
}

/**
 * A text's place was taken: by a publish of this number that was undone, whose process went on
 * writing after (it had stalled). Read after the text, the version still being this publish's
 * shows that the text's attempt is not the version's, and never will be: it is replaced.
 */
async function replaceDeadText(mine: StoredVersion, text: Text): Promise<void> {
  for (let round = 0; round < 3; round += 1) {
    const found = await PublishedLesson.findById(text._id, { attempt: 1 }).lean();
    if (found) {
      if (found.attempt === text.attempt) return;
      const holder = await ProgramVersion.findById(mine._id, { attempt: 1, state: 1 }).lean<StoredVersion>();
      if (!holder || holder.attempt !== mine.attempt || holder.state === 'abandoned') {
        throw new ConflictError('programs.errors.publishUndone');
      }
      await PublishedLesson.deleteOne({ _id: text._id, ...byAttempt(found.attempt ?? '') });
    }
    try {
      await PublishedLesson.create(text);
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  throw new ConflictError('programs.errors.publishInProgress');
}

/** Renews the version's sign of life; a version undone meanwhile ends this publish. */
async function renew(mine: StoredVersion): Promise<void> {
  const { matchedCount } = await ProgramVersion.updateOne(stillWriting(mine), { $set: { heartbeatAt: new Date() } });
  if (!matchedCount) throw new ConflictError('programs.errors.publishUndone');
}

/** Step 3: whole and readable, if it is still being written. */
async function markWhole(version: StoredVersion): Promise<boolean> {
  const { matchedCount } = await ProgramVersion.updateOne(stillWriting(version), {
    $set: { complete: true, state: 'whole', publishedAt: version.publishedAt },
  });
  return matchedCount > 0;
}

/** Step 4: the program points at the version (only ever from the one before), which is then published. */
async function pointProgramAt(version: StoredVersion): Promise<void> {
  const summary = catalogueSummary(version.snapshot as Snapshot, version.version, version.publishedAt);
  await writeProgram((revision) =>
    Program.updateOne(
      { _id: version.program, publishedVersion: version.version - 1 },
      { $set: { revision, publishedVersion: version.version, published: summary } },
    ),
  );
  await ProgramVersion.updateOne({ _id: version._id, state: 'whole' }, { $set: { state: 'published' } });
}

/** Whether every lesson of the version has its text stored by the version's own publish. */
async function allTextsStored(version: StoredVersion): Promise<boolean> {
  const ids = textIds(version);
  if (!ids.length) return true;
  const stored = await PublishedLesson.find({ _id: { $in: ids } }, { attempt: 1 }).lean();
  const own = new Set(stored.filter((text) => (text.attempt ?? '') === attemptOf(version)).map((text) => text._id));
  return ids.every((id) => own.has(id));
}

/** Undoes a version that is not whole: marks it abandoned (if nobody made it whole first), then removes it. */
async function undo(version: StoredVersion): Promise<boolean> {
  const { matchedCount } = await ProgramVersion.updateOne(stillWriting(version), { $set: { state: 'abandoned' } });
  const now = matchedCount ? null : await ProgramVersion.findById(version._id, { state: 1, attempt: 1 }).lean<StoredVersion>();
  if (!matchedCount && !(now?.state === 'abandoned' && attemptOf(now) === attemptOf(version))) return false;
  await discard(version);
  return true;
}

/** Removes an abandoned version: its texts first, then the version, which frees its number. */
async function discard(version: StoredVersion): Promise<void> {
  const ids = textIds(version);
  if (ids.length) await PublishedLesson.deleteMany({ _id: { $in: ids }, ...byAttempt(attemptOf(version)) });
  await ProgramVersion.deleteOne({ _id: version._id, state: 'abandoned', ...byAttempt(attemptOf(version)) });
}

type Settled = 'gone' | 'published' | 'undone' | 'writing';

/**
 * Finishes or undoes version `id` if its publish stopped: `published` (it is whole, and the
 * program points at it), `undone` (removed), `writing` (its publish may still be at work), or
 * `gone`.
 */
async function settleVersion(id: string, now: Date): Promise<Settled> {
  for (let round = 0; round < 5; round += 1) {
    const version = await ProgramVersion.findById(id).lean<StoredVersion>();
    if (!version) return 'gone';
    if (version.complete) {
      await pointProgramAt(version);
      return 'published';
    }
    if (version.state === 'abandoned') {
      await discard(version);
      return 'undone';
    }
    if (await allTextsStored(version)) {
      const whole = { ...version, publishedAt: new Date() };
      if (await markWhole(whole)) {
        await pointProgramAt(whole);
        return 'published';
      }
      continue; // changed meanwhile: look again
    }
    const lastSign = version.heartbeatAt ?? version.publishedAt;
    if (now.getTime() - new Date(lastSign).getTime() < silentAfterMs) return 'writing';
    if (await undo(version)) return 'undone';
  }
  return 'writing';
}

/**
 * For the periodic clean-up: finishes or undoes every publish that stopped (versions not yet
 * complete, and whole ones the program may not point at yet), as the next publish would.
 */
export async function settleStoppedPublishes(now = new Date()): Promise<{ finished: number; undone: number }> {
  const [unfinished, unpointed] = await Promise.all([
    ProgramVersion.find({ complete: false }, { _id: 1 }).limit(100).lean(),
    ProgramVersion.find({ state: 'whole' }, { _id: 1 }).limit(100).lean(),
  ]);
  const outcome = { finished: 0, undone: 0 };
  for (const { _id } of [...unfinished, ...unpointed]) {
    const settled = await settleVersion(_id, now);
    if (settled === 'published') outcome.finished += 1;
    if (settled === 'undone') outcome.undone += 1;
  }
  return outcome;
}
