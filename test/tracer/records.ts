import { randomBytes, randomInt } from 'node:crypto';
import mongoose from 'mongoose';
import { Cohort } from '../../src/cohorts/model.js';
import { CompletionRecord, type RecordContent } from '../../src/completion/model.js';
import { codeAlphabet, contentHash, type RecordView, toRecordView } from '../../src/completion/records.js';
import { enrollmentId } from '../../src/enrolment/model.js';
import { defaultCompletionRules } from '../../src/programs/completionRules.js';

/**
 * Completion records written straight into the collection, as the completion service freezes
 * them, for tests that need many graduates (or dates in the past) without running the whole
 * approval: the tracer only reads records. `approvedAt` moves the completion in time.
 */
export type RecordOptions = {
  institution: string;
  cohort?: string;
  program?: string;
  trainee?: string;
  approvedAt?: Date;
  cohortStartsOn?: string;
  cohortName?: string;
  programTitle?: string;
  traineeName?: string;
  replaces?: string;
};

const code = () => Array.from({ length: 12 }, () => codeAlphabet[randomInt(codeAlphabet.length)]).join('');
const id = () => new mongoose.Types.ObjectId().toHexString();

export function recordContent(options: Required<Omit<RecordOptions, 'replaces'>>): RecordContent {
  const approvedAt = options.approvedAt.toISOString();
  return {
    schema: 1,
    trainee: { id: options.trainee, name: options.traineeName, email: `${options.trainee}@example.test` },
    program: { id: options.program, code: 'JWP', title: options.programTitle, version: 1, level: 2, sector: 'ict' },
    cohort: { id: options.cohort, name: options.cohortName, startsOn: options.cohortStartsOn, endsOn: options.cohortStartsOn },
    institution: { id: options.institution, name: 'BLK', province: '32' },
    units: [
      'J.620100.004.02',
      'J.620100.005.02',
      'J.620100.009.01',
      'J.620100.010.01',
      'J.620100.016.01',
      'J.620100.017.02',
      'J.620100.019.02',
      'J.620100.023.02',
    ].map((unit) => ({
      code: unit,
      title: { id: `Unit ${unit}`, en: `Unit ${unit}` },
      verdict: 'K',
      at: approvedAt,
      assessor: 'Asesor',
    })),
    hours: 160,
    attendance: { minutes: 900, scheduledMinutes: 1000, percent: 90, sessionsHeld: 10, sessionsAttended: 9 },
    modules: [{ id: id(), title: 'Modul 1', lessons: 4, done: 4, required: true }],
    rules: defaultCompletionRules,
    basis: 'rules',
    reason: '',
    approvedBy: { id: id(), name: 'Koordinator' },
    approvedAt,
  };
}

/** The record's fields as stored (not yet inserted). */
export function recordDocument(options: RecordOptions) {
  const full = {
    cohort: options.cohort ?? id(),
    program: options.program ?? id(),
    trainee: options.trainee ?? id(),
    approvedAt: options.approvedAt ?? new Date(),
    cohortStartsOn: options.cohortStartsOn ?? '2024-01-08',
    cohortName: options.cohortName ?? 'Angkatan 1',
    programTitle: options.programTitle ?? 'Junior Web Programmer',
    traineeName: options.traineeName ?? 'Siti Aminah',
    institution: options.institution,
  };
  const content = recordContent(full);
  const enrollment = enrollmentId(full.cohort, full.trainee);
  return {
    _id: new mongoose.Types.ObjectId(),
    enrollment,
    cohort: full.cohort,
    trainee: full.trainee,
    institution: full.institution,
    program: full.program,
    status: 'approved',
    activeKey: enrollment,
    code: code(),
    statusIndex: randomInt(2 ** 31),
    content,
    hash: contentHash(content),
    approvedAt: full.approvedAt,
    approvedBy: content.approvedBy.id,
    settled: true,
    revocation: null,
    replaces: options.replaces ?? null,
    replacedBy: null,
  };
}

export async function insertRecord(options: RecordOptions): Promise<RecordView> {
  const document = recordDocument(options);
  await CompletionRecord.collection.insertOne(CompletionRecord.castObject(document) as never);
  const stored = await CompletionRecord.findById(document._id).lean();
  return toRecordView(stored as never);
}

/** Revokes a record as the completion service does: the enrolment's key freed; with `reissue`, a new record in its place. */
export async function revokeRecord(record: RecordView, options: { reissue?: boolean; at?: Date } = {}) {
  const at = options.at ?? new Date();
  await CompletionRecord.updateOne(
    { _id: record.id },
    {
      $set: {
        status: 'revoked',
        activeKey: `revoked:${record.id}`,
        revocation: { at, byName: 'Koordinator', reason: 'Salah data' },
      },
    },
  );
  if (!options.reissue) return null;
  const issued = await insertRecord({
    institution: record.institution,
    cohort: record.cohort,
    program: record.program,
    trainee: record.trainee,
    approvedAt: at,
    cohortStartsOn: record.content.cohort.startsOn,
    replaces: record.id,
  });
  await CompletionRecord.updateOne({ _id: record.id }, { $set: { replacedBy: issued.id } });
  return issued;
}

export const randomName = () => `Peserta ${randomBytes(3).toString('hex')}`;

/** A cohort document of `institution` (no program behind it): what the periodic step walks. */
export async function insertCohort(institution: string, startsOn: Date, endsOn: Date): Promise<string> {
  const cohort = await Cohort.create({
    institution,
    program: new mongoose.Types.ObjectId(),
    version: 1,
    name: `Angkatan ${randomBytes(2).toString('hex')}`,
    startsOn,
    endsOn,
    enrolmentOpens: new Date(startsOn.getTime() - 30 * 86_400_000),
    enrolmentCloses: startsOn,
    capacity: 100,
    createdBy: new mongoose.Types.ObjectId(),
  });
  return String(cohort._id);
}
