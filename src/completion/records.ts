import canonicalize from 'canonicalize';
import mongoose from 'mongoose';
import { sha256Hex } from '../platform/text.js';
import { CompletionRecord, type CompletionRecordDoc, type RecordContent, type RecordStatus } from './model.js';

/**
 * Reading completion records, for this feature and the ones built on it (certification hand-off,
 * certificates, the employment tracer). Records are never changed but for their revocation; what
 * they say is `content`, and `hash` proves it unchanged.
 */
export type RecordView = {
  id: string;
  code: string;
  status: RecordStatus;
  enrollment: string;
  cohort: string;
  trainee: string;
  institution: string;
  program: string;
  statusIndex: number;
  content: RecordContent;
  hash: string;
  approvedAt: Date;
  revocation: { at: Date; byName: string; reason: string } | null;
  replaces: string | null;
  replacedBy: string | null;
};

/** The slot on a record's page where later features add links (certificates: the PDF, the credential, the verification page). */
export const recordLinksSlot = 'completion.record';

export function toRecordView(record: CompletionRecordDoc): RecordView {
  return {
    id: String(record._id),
    code: record.code,
    status: record.status as RecordStatus,
    enrollment: record.enrollment,
    cohort: String(record.cohort),
    trainee: String(record.trainee),
    institution: String(record.institution),
    program: String(record.program),
    statusIndex: record.statusIndex,
    content: record.content,
    hash: record.hash,
    approvedAt: record.approvedAt,
    revocation: record.revocation?.at
      ? { at: record.revocation.at, byName: record.revocation.byName ?? '', reason: record.revocation.reason ?? '' }
      : null,
    replaces: record.replaces ? String(record.replaces) : null,
    replacedBy: record.replacedBy ? String(record.replacedBy) : null,
  };
}

/** The SHA-256 (hex) of a record's content in RFC 8785 canonical JSON: the same bytes on any backend. */
export function contentHash(content: RecordContent): string {
  return sha256Hex(canonicalize(content) ?? '');
}

/** Whether a record's content is still what was approved (its hash recomputed). */
export const intact = (record: Pick<RecordView, 'content' | 'hash'>) => contentHash(record.content) === record.hash;

/** A record by id, or null. No permission check: callers decide who may see it. */
export async function recordById(id: string): Promise<RecordView | null> {
  if (!mongoose.isValidObjectId(id)) return null;
  const record = await CompletionRecord.findById(id).lean<CompletionRecordDoc>();
  return record ? toRecordView(record) : null;
}

/**
 * Codes are Crockford base32 (no I, L, O, U: nothing to misread), shown grouped (ABCD-EFGH-JKMN) and
 * accepted with or without dashes, in any case, with O read as 0 and I or L as 1.
 */
export const codeAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const normaliseCode = (code: string) =>
  code
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
export const formatCode = (code: string) => code.match(/.{1,4}/g)?.join('-') ?? code;

/** A record by its public code (any status), or null. No permission check: the code is the key. */
export async function recordByCode(code: string): Promise<RecordView | null> {
  const normalised = normaliseCode(code);
  if (!/^[0-9A-HJKMNP-TV-Z]{12}$/.test(normalised)) return null;
  const record = await CompletionRecord.findOne({ code: normalised }).lean<CompletionRecordDoc>();
  return record ? toRecordView(record) : null;
}

/** Every record of a cohort (standing and revoked), newest first; a cohort has at most a few hundred. */
export async function recordsOfCohort(cohortId: string): Promise<RecordView[]> {
  if (!mongoose.isValidObjectId(cohortId)) return [];
  const records = await CompletionRecord.find({ cohort: cohortId })
    .sort({ approvedAt: -1 })
    .limit(5_000)
    .lean<CompletionRecordDoc[]>();
  return records.map(toRecordView);
}

/** Every record of a trainee (standing and revoked), newest first. */
export async function recordsOfTrainee(traineeId: string): Promise<RecordView[]> {
  if (!mongoose.isValidObjectId(traineeId)) return [];
  const records = await CompletionRecord.find({ trainee: traineeId })
    .sort({ approvedAt: -1 })
    .limit(500)
    .lean<CompletionRecordDoc[]>();
  return records.map(toRecordView);
}
