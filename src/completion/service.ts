import { randomInt } from 'node:crypto';
import mongoose from 'mongoose';
import { type CohortView, cohortRef, dayOf, findCohort } from '../cohorts/service.js';
import { Enrollment, type EnrollmentDoc, enrollmentIdPattern } from '../enrolment/model.js';
import { completeEnrollment, reopenCompletedEnrollment } from '../enrolment/service.js';
import { AppError, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { publish } from '../platform/events.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { namesOfUsers } from '../users/directory.js';
import { CompletionRecord, type CompletionRecordDoc, type RecordContent } from './model.js';
import { codeAlphabet, contentHash, type RecordView, recordById, recordsOfCohort, toRecordView } from './records.js';
import { cohortStandings, type Standing } from './standing.js';

/**
 * Completion: a trainee who meets the completion rules of their cohort's version is proposed; a
 * coordinator approves, which freezes a completion record (model.ts) and marks the enrolment
 * completed. A trainee who does not meet them can still be completed by hand, with a reason. A
 * record never changes: a correction revokes it (the reason kept) and issues a new one.
 */

/** Bits of a status list (W3C Bitstring Status List's minimum, for herd privacy): a record's `statusIndex` is below it. */
export const statusListLength = 131_072;
const codeLength = 12;
const randomCode = () => Array.from({ length: codeLength }, () => codeAlphabet[randomInt(codeAlphabet.length)]).join('');

async function enrollmentCohort(enrollmentId: string): Promise<{ enrollment: EnrollmentDoc; cohort: CohortView }> {
  if (!enrollmentIdPattern.test(enrollmentId)) throw new NotFoundError();
  const enrollment = await Enrollment.findById(enrollmentId, { history: 0 }).lean<EnrollmentDoc>();
  if (!enrollment) throw new NotFoundError();
  return { enrollment, cohort: await findCohort(String(enrollment.cohort)) };
}

/** A cohort's completion page: every trainee's standing, with the record that stands for them, and every record. */
export async function cohortCompletion(actor: Actor | null, cohortId: string, now = new Date()) {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'completion.view', cohortRef(cohort));
  const [{ rules, snapshot, standings }, records] = await Promise.all([
    cohortStandings(cohort, { now }),
    recordsOfCohort(cohort.id),
  ]);
  const standingRecord = new Map(
    records.filter((record) => record.status === 'approved').map((record) => [record.enrollment, record]),
  );
  const rows = standings.map((standing) => ({ ...standing, record: standingRecord.get(standing.enrollment) ?? null }));
  return {
    cohort,
    rules,
    modules: snapshot.modules.map((module) => ({ id: module.id, title: module.title })),
    /** Meet every rule, no record yet: approve. */
    proposed: rows.filter((row) => row.eligible && !row.record),
    /** Do not meet them yet (or completed before records existed): by hand, with a reason. */
    pending: rows.filter((row) => !row.eligible && !row.record),
    completed: rows.filter((row) => row.record),
    records,
  };
}
export type CohortCompletion = Awaited<ReturnType<typeof cohortCompletion>>;

/** One trainee's standing, for the approval page: refused to whoever could not approve it. */
export async function completionPreview(actor: Actor | null, enrollmentId: string, now = new Date()) {
  const { enrollment, cohort } = await enrollmentCohort(enrollmentId);
  authorize(actor, 'completion.approve', cohortRef(cohort));
  const [{ rules, standings }, standing] = await Promise.all([
    cohortStandings(cohort, { only: String(enrollment.trainee), now }),
    CompletionRecord.findOne({ activeKey: enrollmentId }).lean<CompletionRecordDoc>(),
  ]);
  const row = standings[0];
  if (!row) throw new AppError(409, 'completion.errors.notStudying');
  return { cohort, rules, standing: row, record: standing ? toRecordView(standing) : null };
}

function recordContent(
  cohort: CohortView,
  standing: Standing,
  context: {
    rules: RecordContent['rules'];
    snapshot: {
      code: string;
      title: string;
      level: number;
      sector: string;
      hours: number;
      institution: { name: string; province: string };
    };
  },
  approval: { basis: RecordContent['basis']; reason: string; by: { id: string; name: string }; at: Date },
): RecordContent {
  const { snapshot } = context;
  return {
    schema: 1,
    trainee: { id: standing.trainee, name: standing.name, email: standing.email },
    program: {
      id: cohort.program,
      code: snapshot.code,
      title: snapshot.title,
      version: cohort.version,
      level: snapshot.level,
      sector: snapshot.sector,
    },
    cohort: { id: cohort.id, name: cohort.name, startsOn: dayOf(cohort.startsOn), endsOn: dayOf(cohort.endsOn) },
    institution: { id: cohort.institution, name: snapshot.institution.name, province: snapshot.institution.province },
    units: standing.units.map((unit) => ({
      code: unit.code,
      title: unit.title,
      verdict: unit.verdict,
      at: unit.at ? unit.at.toISOString() : null,
      assessor: unit.assessor,
    })),
    hours: snapshot.hours,
    attendance: standing.attendance,
    modules: standing.modules,
    rules: context.rules,
    basis: approval.basis,
    reason: approval.reason,
    approvedBy: approval.by,
    approvedAt: approval.at.toISOString(),
  };
}

/**
 * Inserts the record; codes and status-list places are random, so a clash (rare) is retried with
 * new ones. A clash on `activeKey` means a record already stands for the enrolment (a second
 * coordinator, a retried click): that one is returned.
 */
async function insertRecord(
  fields: Omit<CompletionRecordDoc, '_id' | 'code' | 'statusIndex' | 'createdAt' | 'updatedAt'>,
): Promise<RecordView> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const created = await CompletionRecord.create({ ...fields, code: randomCode(), statusIndex: randomInt(statusListLength) });
      return toRecordView(created.toObject() as CompletionRecordDoc);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Not every backend names the index that refused: look for the standing record first.
      const standing = await CompletionRecord.findOne({ activeKey: fields.activeKey }).lean<CompletionRecordDoc>();
      if (standing) return toRecordView(standing);
      if (attempt >= 50) throw error;
    }
  }
}

/**
 * Approves a trainee's completion: freezes the record (what the rules read, now) and marks the
 * enrolment completed. Without every rule met, only with a `reason` (recorded by hand). Idempotent:
 * a record already standing for the enrolment is returned as it is.
 * The record is written first and marked `settled` once the enrolment agrees, so a crash between the
 * two is finished by settleRecords; `replaces` names the revoked record a correction replaces.
 */
export async function approveCompletion(
  actor: Actor | null,
  enrollmentId: string,
  input: { reason?: string; replaces?: string | null } = {},
  now = new Date(),
): Promise<RecordView> {
  const { enrollment, cohort } = await enrollmentCohort(enrollmentId);
  authorize(actor, 'completion.approve', cohortRef(cohort));
  const existing = await CompletionRecord.findOne({ activeKey: enrollmentId }).lean<CompletionRecordDoc>();
  if (existing) return toRecordView(existing);
  const { rules, snapshot, standings } = await cohortStandings(cohort, { only: String(enrollment.trainee), now });
  const standing = standings[0];
  if (!standing) throw new AppError(409, 'completion.errors.notStudying');
  const reason = (input.reason ?? '').trim();
  if (!standing.eligible && reason.length < 5)
    throw new ValidationError([{ field: 'reason', key: 'completion.errors.reasonRequired' }]);
  const name = (await namesOfUsers([actor.id])).get(actor.id) ?? '';
  const content = recordContent(
    cohort,
    standing,
    { rules, snapshot },
    {
      basis: standing.eligible ? 'rules' : 'manual',
      reason,
      by: { id: actor.id, name },
      at: now,
    },
  );
  const record = await insertRecord({
    enrollment: enrollmentId,
    cohort: new mongoose.Types.ObjectId(cohort.id),
    trainee: new mongoose.Types.ObjectId(standing.trainee),
    institution: new mongoose.Types.ObjectId(cohort.institution),
    program: new mongoose.Types.ObjectId(cohort.program),
    status: 'approved',
    activeKey: enrollmentId,
    content,
    hash: contentHash(content),
    approvedAt: now,
    approvedBy: new mongoose.Types.ObjectId(actor.id),
    settled: false,
    revocation: null,
    replaces: input.replaces ? new mongoose.Types.ObjectId(input.replaces) : null,
    replacedBy: null,
  });
  await settle(actor, record);
  await publishRecord('completion.approved', actor, record, now);
  return (await recordById(record.id)) ?? record;
}

/**
 * Approves several proposed trainees of a cohort at once (the completion page's ticked list). Only
 * trainees meeting every rule can be approved together: the others each need their own reason.
 */
export async function approveProposed(actor: Actor | null, cohortId: string, enrollments: string[], now = new Date()) {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'completion.approve', cohortRef(cohort));
  const { standings } = await cohortStandings(cohort, { now });
  const proposed = new Set(standings.filter((standing) => standing.eligible).map((standing) => standing.enrollment));
  if (enrollments.some((id) => !proposed.has(id)))
    throw new ValidationError([{ field: 'enrollments', key: 'completion.errors.notProposed' }]);
  const records: RecordView[] = [];
  for (const id of enrollments) records.push(await approveCompletion(actor, id, {}, now));
  return records;
}

/** Makes the enrolment agree with the record (completed while one stands, enrolled once revoked and not replaced). */
async function settle(actor: Actor, record: RecordView): Promise<void> {
  if (record.status === 'approved') {
    await completeEnrollment(actor, record.enrollment, record.approvedAt);
    if (record.replaces) await CompletionRecord.updateOne({ _id: record.replaces }, { $set: { replacedBy: record.id } });
  } else {
    const standing = await CompletionRecord.exists({ activeKey: record.enrollment });
    if (!standing) await reopenCompletedEnrollment(actor, record.enrollment);
  }
  await CompletionRecord.updateOne({ _id: record.id }, { $set: { settled: true } });
}

/** Tells the other features that a record was approved or revoked. */
async function publishRecord(name: 'completion.approved' | 'completion.revoked', actor: Actor, record: RecordView, at: Date) {
  await publish(name, {
    actor: actor.id,
    record: record.id,
    enrollment: record.enrollment,
    trainee: record.trainee,
    cohort: record.cohort,
    institution: record.institution,
    at,
  });
}

export type Revocation = { revoked: RecordView; issued: RecordView | null };

/**
 * Revokes a record, with a reason that is kept. With `reissue`, a new record is issued at once from
 * what the rules read now (by hand, with the correction's reason, when they are not met): the
 * correction of a wrong record. Without, the trainee is back to studying. Revoking a revoked record
 * changes nothing and answers what happened then.
 */
export async function revokeCompletion(
  actor: Actor | null,
  recordId: string,
  input: { reason: string; reissue: boolean },
  now = new Date(),
): Promise<Revocation> {
  const record = await recordById(recordId);
  if (!record) throw new NotFoundError();
  const cohort = await findCohort(record.cohort);
  authorize(actor, 'completion.approve', cohortRef(cohort));
  const reason = input.reason.trim();
  if (reason.length < 5) throw new ValidationError([{ field: 'reason', key: 'completion.errors.revokeReasonRequired' }]);
  const name = (await namesOfUsers([actor.id])).get(actor.id) ?? '';
  const { matchedCount } = await CompletionRecord.updateOne(
    { _id: record.id, status: 'approved' },
    {
      $set: {
        status: 'revoked',
        activeKey: `revoked:${record.id}`,
        settled: false,
        revocation: { at: now, by: actor.id, byName: name, reason },
      },
    },
  );
  if (!matchedCount) {
    const revoked = (await recordById(record.id))!;
    return { revoked, issued: revoked.replacedBy ? await recordById(revoked.replacedBy) : null };
  }
  let issued: RecordView | null = null;
  if (input.reissue) {
    issued = await approveCompletion(actor, record.enrollment, { reason, replaces: record.id }, now).catch((error) => {
      // The trainee no longer studies in the cohort (withdrawn since): the revocation stands alone.
      if (error instanceof AppError && error.key === 'completion.errors.notStudying') return null;
      throw error;
    });
  }
  const revoked = (await recordById(record.id))!;
  await settle(actor, revoked);
  await publishRecord('completion.revoked', actor, revoked, now);
  return { revoked: (await recordById(record.id))!, issued };
}

/** A trainee's records (standing and revoked), newest first: theirs to read. */
export async function myRecords(actor: Actor | null): Promise<RecordView[]> {
  authorize(actor, 'enrolment.apply');
  const records = await CompletionRecord.find({ trainee: actor.id })
    .sort({ approvedAt: -1 })
    .limit(500)
    .lean<CompletionRecordDoc[]>();
  return records.map(toRecordView);
}

/** One record, for its trainee and the cohort's staff. */
export async function viewRecord(actor: Actor | null, recordId: string): Promise<{ record: RecordView; manages: boolean }> {
  const record = await recordById(recordId);
  if (!record) throw new NotFoundError();
  const cohort = await findCohort(record.cohort);
  authorize(actor, 'completion.record', { trainee: record.trainee, cohort: cohortRef(cohort) });
  return { record, manages: can(actor, 'completion.approve', cohortRef(cohort)) };
}

/**
 * Finishes what a crash left between a record's write and its enrolment's (the clean-up runs it):
 * records not `settled` (few: only those in flight) and older than a minute, so one being written
 * now is left to its own request.
 */
export async function settleRecords(now = new Date()): Promise<number> {
  const unsettled = await CompletionRecord.find({ settled: false }).limit(500).lean<CompletionRecordDoc[]>();
  let settled = 0;
  for (const doc of unsettled) {
    if (now.getTime() - doc.updatedAt.getTime() < 60_000) continue;
    const record = toRecordView(doc);
    const system: Actor = { id: String(doc.approvedBy), role: 'admin', institution: null };
    await settle(system, record);
    settled += 1;
  }
  return settled;
}
