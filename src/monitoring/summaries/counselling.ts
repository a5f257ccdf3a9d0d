import { Cohort } from '../../cohorts/model.js';
import { CounsellingSession } from '../../counselling/model.js';
import { Institution } from '../../institutions/model.js';
import { isDuplicateKeyError } from '../../platform/errors.js';
import { Program } from '../../programs/model.js';
import { monthOf } from './figures.js';
import { CounsellingMark, CounsellingTally } from './model.js';

const tallyId = (institution: string, program: string, month: string) => `${institution}:${program}:${month}`;

async function dimensionsOf(institution: string, program: string) {
  const [place, course] = await Promise.all([
    Institution.findById(institution, { province: 1 }).lean<{ province: string }>(),
    program ? Program.findById(program, { sector: 1 }).lean<{ sector: string }>() : null,
  ]);
  return { institution, program, province: place?.province ?? '', sector: course?.sector ?? '' };
}

/**
 * Counts an applicant counselled at an institution, once: the mark (unique per applicant and
 * institution) is inserted first, and only the request that inserted it adds to the month's tally.
 */
export async function recordCounselling(applicant: string, institution: string, program: string | null, at: Date) {
  const month = monthOf(at);
  const id = tallyId(institution, program ?? '', month);
  try {
    await CounsellingMark.create({ _id: `${institution}:${applicant}`, tally: id });
  } catch (error) {
    if (isDuplicateKeyError(error)) return;
    throw error;
  }
  const dimensions = await dimensionsOf(institution, program ?? '');
  const add = () =>
    CounsellingTally.updateOne(
      { _id: id },
      { $inc: { counselled: 1 }, $setOnInsert: { ...dimensions, month } },
      { upsert: true },
    );
  await add().catch((error) => {
    // Two first counsellings of the month at once: the other created the tally; add to it.
    if (!isDuplicateKeyError(error)) throw error;
    return add();
  });
}

/** An institution's counselling tallies worked out again from its sessions (each applicant's first). */
export async function rebuildCounselling(institution: string): Promise<void> {
  const sessions = await CounsellingSession.find({ institution }, { applicant: 1, cohort: 1, createdAt: 1 })
    .limit(500_000)
    .lean<{ applicant: unknown; cohort: unknown; createdAt: Date }[]>();
  sessions.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const first = new Map<string, { cohort: unknown; createdAt: Date }>();
  for (const session of sessions) if (!first.has(String(session.applicant))) first.set(String(session.applicant), session);
  const programOf = new Map<string, string>();
  for (const session of first.values())
    if (session.cohort && !programOf.has(String(session.cohort))) {
      const cohort = await Cohort.findById(session.cohort, { program: 1 }).lean<{ program: unknown }>();
      programOf.set(String(session.cohort), cohort ? String(cohort.program) : '');
    }
  const counts = new Map<string, { program: string; month: string; counselled: number }>();
  const marks = [];
  for (const [applicant, session] of first) {
    const program = session.cohort ? (programOf.get(String(session.cohort)) ?? '') : '';
    const month = monthOf(session.createdAt);
    const id = tallyId(institution, program, month);
    const entry = counts.get(id) ?? { program, month, counselled: 0 };
    entry.counselled += 1;
    counts.set(id, entry);
    marks.push({ _id: `${institution}:${applicant}`, tally: id });
  }
  await CounsellingTally.deleteMany({ institution });
  for (const [id, entry] of counts) {
    const dimensions = await dimensionsOf(institution, entry.program);
    await CounsellingTally.create({ _id: id, ...dimensions, month: entry.month, counselled: entry.counselled });
  }
  await CounsellingMark.insertMany(marks, { ordered: false }).catch((error) => {
    if (!isDuplicateKeyError(error)) throw error;
  });
}
