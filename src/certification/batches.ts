import mongoose from 'mongoose';
import { manageableCohort } from '../cohorts/service.js';
import { type RecordView, recordById, recordsOfCohort } from '../completion/records.js';
import type { FileStorage } from '../files/index.js';
import { institutionNames } from '../institutions/service.js';
import { nationwideScan } from '../platform/db/queryGuard.js';
import { ConflictError, type FieldIssue, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { namesOfUsers } from '../users/directory.js';
import { buildItem, missingUnits, photoForItem, schemeUnitsOf } from './items.js';
import type { LspView } from './lspSchemas.js';
import { findLsp } from './lsps.js';
import {
  type BatchStatus,
  type CertificationProfileDoc,
  HandoffBatch,
  type HandoffBatchDoc,
  type HandoffItem,
  handoffSchemaVersion,
  Lsp,
  maxBatchRecords,
} from './model.js';
import { maskNik, sexFromNik } from './nik.js';
import { profileOf, seesPersonalData } from './profiles.js';

/**
 * Hand-off batches: a coordinator groups approved completion records of their institution for
 * one LSP and one of its schemes. A draft shows what would be handed; "hand over" checks every
 * rule again and freezes the items (personal data and photo included), which the exports, the
 * JSON payload and the webhook then carry unchanged.
 */

export type Problem = { key: string; params?: Record<string, unknown> };

export type CandidateRow = {
  record: string;
  code: string;
  trainee: { id: string; name: string };
  /** Masked even for coordinators: a list needs no more to tell people apart. */
  nik: string | null;
  problems: Problem[];
};

type Scheme = LspView['schemes'][number];

function schemeOf(lsp: LspView, code: string): Scheme {
  const scheme = lsp.schemes.find((candidate) => candidate.code === code);
  if (!scheme) throw new ValidationError([{ field: 'scheme', key: 'certification.batches.errors.scheme' }]);
  return scheme;
}

async function activeLsp(id: string): Promise<LspView> {
  const lsp = await findLsp(id).catch(() => null);
  if (!lsp?.active) throw new ValidationError([{ field: 'lsp', key: 'certification.batches.errors.lsp' }]);
  return lsp;
}

/** Other standing batches (not cancelled, not `except`) of the same LSP and scheme that hold the record. */
async function otherBatchesWith(record: string, lsp: string, scheme: string, except?: string): Promise<boolean> {
  const batches = await HandoffBatch.find({ records: record }, { lsp: 1, scheme: 1, status: 1 }).limit(100).lean();
  return batches.some(
    (batch) =>
      String(batch._id) !== except && batch.status !== 'cancelled' && String(batch.lsp) === lsp && batch.scheme === scheme,
  );
}

/**
 * What stands between a record and the batch, each said so a coordinator can act on it: the
 * record revoked, the trainee's data or consent missing, the scheme's units not all competent,
 * the record already in another batch for this LSP and scheme.
 */
async function problemsOf(
  record: RecordView,
  profile: CertificationProfileDoc | null,
  lsp: LspView,
  scheme: Scheme,
  except?: string,
): Promise<Problem[]> {
  const name = record.content.trainee.name;
  const problems: Problem[] = [];
  if (record.status !== 'approved') problems.push({ key: 'certification.batches.errors.revoked', params: { name } });
  if (!profile) problems.push({ key: 'certification.batches.errors.noProfile', params: { name } });
  const missing = missingUnits(record, scheme);
  if (missing.length)
    problems.push({ key: 'certification.batches.errors.missingUnits', params: { name, units: missing.join(', ') } });
  if (await otherBatchesWith(record.id, lsp.id, scheme.code, except)) {
    problems.push({ key: 'certification.batches.errors.inOtherBatch', params: { name } });
  }
  return problems;
}

/** Approved records of one of the coordinator's cohorts, each with what would stop it joining a batch. */
export async function batchCandidates(
  actor: Actor | null,
  query: { lsp: string; scheme: string; cohort: string },
): Promise<{ lsp: LspView; scheme: Scheme; rows: CandidateRow[] }> {
  authorize(actor, 'handoff.manage');
  const cohort = await manageableCohort(actor, query.cohort);
  authorize(actor, 'handoff.manage', { institution: cohort.institution });
  const lsp = await activeLsp(query.lsp);
  const scheme = schemeOf(lsp, query.scheme);
  const records = (await recordsOfCohort(cohort.id)).filter((record) => record.status === 'approved');
  const rows: CandidateRow[] = [];
  for (const record of records) {
    const profile = await profileOf(record.trainee);
    rows.push({
      record: record.id,
      code: record.code,
      trainee: { id: record.trainee, name: record.content.trainee.name },
      nik: profile ? maskNik(profile.nik) : null,
      problems: await problemsOf(record, profile, lsp, scheme),
    });
  }
  return { lsp, scheme, rows };
}

export type BatchInput = { lsp: string; scheme: string; records: string[]; requestKey: string };

/**
 * Each chosen record must be an approved record of the actor's institution whose trainee gave
 * their data with consent and whose units cover the scheme. One message per record at fault,
 * naming the trainee and what is missing (a record of another institution is not named).
 */
async function checkedRecords(institution: string, lsp: LspView, scheme: Scheme, ids: string[], except?: string) {
  const issues: FieldIssue[] = [];
  const records: { record: RecordView; profile: CertificationProfileDoc }[] = [];
  for (const id of ids) {
    const record = await recordById(id);
    if (!record || record.institution !== institution) {
      issues.push({ field: `records.${id}`, key: 'certification.batches.errors.foreignRecord' });
      continue;
    }
    const profile = await profileOf(record.trainee);
    const problems = await problemsOf(record, profile, lsp, scheme, except);
    for (const problem of problems) issues.push({ field: `records.${id}`, key: problem.key, params: problem.params });
    if (!problems.length && profile) records.push({ record, profile });
  }
  return { issues, records };
}

export async function createBatch(actor: Actor | null, input: BatchInput): Promise<string> {
  authorize(actor, 'handoff.manage');
  const institution = actor.institution;
  if (!institution) throw new ValidationError([{ field: 'records', key: 'certification.batches.errors.noInstitution' }]);
  authorize(actor, 'handoff.manage', { institution });
  // A retried submission finds the batch it made.
  const earlier = await HandoffBatch.findOne({ requestKey: input.requestKey }).lean();
  if (earlier) {
    if (String(earlier.createdBy) !== actor.id) throw new ConflictError('certification.batches.errors.requestKey');
    return String(earlier._id);
  }
  const lsp = await activeLsp(input.lsp);
  const scheme = schemeOf(lsp, input.scheme);
  const ids = [...new Set(input.records)];
  if (!ids.length) throw new ValidationError([{ field: 'records', key: 'certification.batches.errors.noRecords' }]);
  if (ids.length > maxBatchRecords) {
    throw new ValidationError([
      { field: 'records', key: 'certification.batches.errors.tooMany', params: { max: maxBatchRecords } },
    ]);
  }
  const { issues } = await checkedRecords(institution, lsp, scheme, ids);
  if (issues.length) throw new ValidationError(issues);
  const names = await namesOfUsers([actor.id]);
  try {
    const batch = await HandoffBatch.create({
      institution,
      lsp: lsp.id,
      scheme: scheme.code,
      schemeName: scheme.name,
      schemeUnits: scheme.units,
      records: ids,
      status: 'draft',
      createdBy: actor.id,
      createdByName: names.get(actor.id) ?? '',
      version: handoffSchemaVersion,
      requestKey: input.requestKey,
    });
    return String(batch._id);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const raced = await HandoffBatch.findOne({ requestKey: input.requestKey }).lean();
    if (!raced) throw error;
    return String(raced._id);
  }
}

export type ItemView = {
  record: string;
  recordCode: string;
  trainee: { id: string; name: string };
  nik: string | null;
  sex: 'L' | 'P' | null;
  placeOfBirth: string | null;
  dateOfBirth: string | null;
  hasPhoto: boolean;
  units: { code: string; verdict: 'K' | 'BK' | null }[];
  problems: Problem[];
};

export type BatchView = {
  id: string;
  status: BatchStatus;
  institution: { id: string; name: string };
  lsp: { id: string; name: string; licenceNumber: string; webhookUrl: string };
  scheme: { code: string; name: string; units: string[] };
  createdByName: string;
  createdAt: Date;
  handedAt: Date | null;
  version: number;
  /** Whether the viewer sees personal data in full (the institution's coordinators). */
  full: boolean;
  canManage: boolean;
  items: ItemView[];
};

/** A stored batch with its lists present: an upsert (a fixture, a repair) can leave an empty array out. */
const withLists = (batch: HandoffBatchDoc): HandoffBatchDoc => ({
  ...batch,
  records: batch.records ?? [],
  items: batch.items ?? [],
  schemeUnits: batch.schemeUnits ?? [],
});

export async function findBatch(id: string): Promise<HandoffBatchDoc> {
  const batch = mongoose.isValidObjectId(id) ? await HandoffBatch.findById(id).lean<HandoffBatchDoc>() : null;
  if (!batch) throw new NotFoundError();
  return withLists(batch);
}

const lspSummary = async (id: string) => {
  const lsp = await findLsp(id).catch(() => null);
  return { id, name: lsp?.name ?? '', licenceNumber: lsp?.licenceNumber ?? '', webhookUrl: lsp?.webhookUrl ?? '' };
};

/** A frozen item as the page shows it, masked unless the viewer may see it whole. */
function frozenItemView(item: HandoffItem, full: boolean): ItemView {
  return {
    record: item.record,
    recordCode: item.recordCode,
    trainee: { id: item.trainee.id, name: item.trainee.name },
    nik: full ? item.nik : maskNik(item.nik),
    sex: full ? sexFromNik(item.nik) : null,
    placeOfBirth: full ? item.placeOfBirth : null,
    dateOfBirth: full ? item.dateOfBirth : null,
    hasPhoto: Boolean(item.photo),
    units: item.units.map((unit) => ({ code: unit.code, verdict: unit.verdict })),
    problems: [],
  };
}

/** A draft's record as it stands now (what hand-over would freeze), with what stops it. */
async function liveItemView(batch: HandoffBatchDoc, id: string, lsp: LspView | null, full: boolean): Promise<ItemView> {
  const record = await recordById(id);
  const scheme = { code: batch.scheme, name: batch.schemeName, units: batch.schemeUnits };
  if (!record) {
    return {
      record: id,
      recordCode: '',
      trainee: { id: '', name: '' },
      nik: null,
      sex: null,
      placeOfBirth: null,
      dateOfBirth: null,
      hasPhoto: false,
      units: [],
      problems: [{ key: 'certification.batches.errors.foreignRecord' }],
    };
  }
  const profile = await profileOf(record.trainee);
  const problems = lsp
    ? await problemsOf(record, profile, lsp, scheme, String(batch._id))
    : [{ key: 'certification.batches.errors.lsp' }];
  return {
    record: record.id,
    recordCode: record.code,
    trainee: { id: record.trainee, name: record.content.trainee.name },
    nik: profile ? (full ? profile.nik : maskNik(profile.nik)) : null,
    sex: profile && full ? sexFromNik(profile.nik) : null,
    placeOfBirth: profile && full ? profile.placeOfBirth : null,
    dateOfBirth: profile && full ? profile.dateOfBirth : null,
    hasPhoto: Boolean(profile?.photo),
    units: schemeUnitsOf(record, scheme).map((unit) => ({ code: unit.code, verdict: unit.verdict })),
    problems,
  };
}

export async function getBatch(actor: Actor | null, id: string): Promise<BatchView> {
  const batch = await findBatch(id);
  const institution = String(batch.institution);
  authorize(actor, 'handoff.view', { institution });
  // The batch's trainees are all trainees of records of this institution: its coordinators may see them whole.
  const full = seesPersonalData(actor, '', [institution]);
  const lsp = await findLsp(String(batch.lsp)).catch(() => null);
  const items =
    batch.status === 'handed'
      ? batch.items.map((item) => frozenItemView(item, full))
      : await Promise.all(batch.records.map((record) => liveItemView(batch, String(record), lsp, full)));
  const names = await institutionNames();
  return {
    id: String(batch._id),
    status: batch.status as BatchStatus,
    institution: { id: institution, name: names.get(institution) ?? '' },
    lsp: await lspSummary(String(batch.lsp)),
    scheme: { code: batch.scheme, name: batch.schemeName, units: [...batch.schemeUnits] },
    createdByName: batch.createdByName,
    createdAt: batch.createdAt,
    handedAt: batch.handedAt ?? null,
    version: batch.version,
    full,
    canManage: can(actor, 'handoff.manage', { institution }),
    items,
  };
}

export type BatchSummary = {
  id: string;
  status: BatchStatus;
  lspName: string;
  scheme: string;
  schemeName: string;
  records: number;
  institutionName: string;
  createdAt: Date;
  handedAt: Date | null;
};

/** The batches the actor may see: their institution's (coordinators), all (admins); newest first. */
export async function listBatches(actor: Actor | null): Promise<BatchSummary[]> {
  authorize(actor, 'handoff.view');
  const filter = actor.role === 'admin' ? {} : { institution: actor.institution };
  const batches = await HandoffBatch.find(filter, { items: 0 }, { comment: nationwideScan(filter) })
    .sort({ createdAt: -1 })
    .limit(500)
    .lean<HandoffBatchDoc[]>();
  const [names, lsps] = await Promise.all([institutionNames(), lspNames()]);
  return batches.map(withLists).map((batch) => ({
    id: String(batch._id),
    status: batch.status as BatchStatus,
    lspName: lsps.get(String(batch.lsp)) ?? '',
    scheme: batch.scheme,
    schemeName: batch.schemeName,
    records: batch.records.length,
    institutionName: names.get(String(batch.institution)) ?? '',
    createdAt: batch.createdAt,
    handedAt: batch.handedAt ?? null,
  }));
}

async function lspNames(): Promise<Map<string, string>> {
  const all = await Lsp.find({}, { name: 1 }).limit(2_000).lean();
  return new Map(all.map((lsp) => [String(lsp._id), lsp.name]));
}

/**
 * Hands the batch over: every rule is checked again (a record revoked or a consent withdrawn
 * since the draft was made stops it, said per trainee), then the items are frozen in one update
 * that only a draft takes, so two clicks hand over once. Handing a handed batch again is a no-op.
 */
export async function handOverBatch(actor: Actor | null, id: string, storage: FileStorage): Promise<{ webhookUrl: string }> {
  const batch = await findBatch(id);
  const institution = String(batch.institution);
  authorize(actor, 'handoff.manage', { institution });
  if (batch.status === 'handed') return { webhookUrl: '' }; // handed already: a repeated click pushes nothing more
  if (batch.status !== 'draft') throw new ConflictError('certification.batches.errors.notDraft');
  const lsp = await activeLsp(String(batch.lsp));
  const scheme = { code: batch.scheme, name: batch.schemeName, units: batch.schemeUnits };
  const { issues, records } = await checkedRecords(institution, lsp, scheme, batch.records.map(String), id);
  if (issues.length) throw new ValidationError(issues);
  const items: HandoffItem[] = [];
  for (const { record, profile } of records) {
    items.push(buildItem(record, profile, scheme, profile.photo ? await photoForItem(storage, profile.photo) : null));
  }
  const names = await institutionNames();
  await HandoffBatch.updateOne(
    { _id: id, status: 'draft' },
    {
      $set: {
        status: 'handed',
        items,
        handedAt: new Date(),
        handedBy: actor.id,
        institutionName: names.get(institution) ?? '',
        lspName: lsp.name,
        lspLicenceNumber: lsp.licenceNumber,
      },
    },
  );
  return { webhookUrl: lsp.webhookUrl };
}

/** Drops a draft (a handed batch stays: the LSP has it). */
export async function cancelBatch(actor: Actor | null, id: string): Promise<void> {
  const batch = await findBatch(id);
  authorize(actor, 'handoff.manage', { institution: String(batch.institution) });
  if (batch.status === 'cancelled') return;
  if (batch.status !== 'draft') throw new ConflictError('certification.batches.errors.notDraft');
  await HandoffBatch.updateOne({ _id: id, status: 'draft' }, { $set: { status: 'cancelled' } });
}

/** A handed batch whole, for the exports and the JSON payload; the caller has checked permission. */
export async function handedBatch(id: string): Promise<HandoffBatchDoc> {
  const batch = await findBatch(id);
  if (batch.status !== 'handed') throw new ConflictError('certification.batches.errors.notHanded');
  return batch;
}

/** A handed batch for one who may export it: its institution's coordinators (the files hold full NIKs). */
export async function exportableBatch(actor: Actor | null, id: string): Promise<HandoffBatchDoc> {
  const batch = await findBatch(id);
  authorize(actor, 'handoff.manage', { institution: String(batch.institution) });
  if (batch.status !== 'handed') throw new ConflictError('certification.batches.errors.notHanded');
  return batch;
}
