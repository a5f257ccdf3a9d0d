import mongoose from 'mongoose';
import { formatCode, normaliseCode } from '../../completion/records.js';
import { AppError, type FieldIssue, isDuplicateKeyError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { publish } from '../../platform/events.js';
import { type Actor, authorize, can } from '../../platform/permissions.js';
import type { LspClient } from '../delivery/credentials.js';
import { HandoffBatch, type HandoffBatchDoc, type HandoffItem, Lsp, maxBatchRecords } from '../model.js';
import {
  CertificationResult,
  type CertificationResultDoc,
  maxResultHistory,
  type Report,
  type ResultUnit,
  resultId,
} from './model.js';
import type { ResultInput, ResultsBody } from './schemas.js';

/**
 * Results reported by the certification body (LSP) through the results API, and shown to the
 * trainee and the batch's coordinators. An LSP sees and reports on its own handed batches only:
 * any other batch is "not found", whether it exists or not.
 */

async function handedBatchOf(lsp: LspClient, batchId: string): Promise<HandoffBatchDoc> {
  const batch = mongoose.isValidObjectId(batchId) ? await HandoffBatch.findById(batchId).lean<HandoffBatchDoc>() : null;
  if (!batch || String(batch.lsp) !== lsp.id || batch.status !== 'handed') throw new NotFoundError();
  return batch;
}

/** The batch, if the LSP may read it: its own, handed (for GET /lsp/batches/{id}). */
export async function lspBatchId(lsp: LspClient, batchId: string): Promise<string> {
  return String((await handedBatchOf(lsp, batchId))._id);
}

/** The LSP's handed batches, newest first (for an LSP that pulls instead of taking pushes). */
export async function lspBatches(lsp: LspClient) {
  const batches = await HandoffBatch.find({ lsp: lsp.id }, { items: 0 }).limit(2_000).lean<HandoffBatchDoc[]>();
  const handed = batches
    .filter((batch) => batch.status === 'handed')
    .sort((a, b) => (b.handedAt?.getTime() ?? 0) - (a.handedAt?.getTime() ?? 0))
    .slice(0, 200);
  const counts = await Promise.all(handed.map((batch) => CertificationResult.countDocuments({ batch: batch._id })));
  return handed.map((batch, index) => ({
    id: String(batch._id),
    scheme: { code: batch.scheme, name: batch.schemeName },
    handedAt: batch.handedAt ? batch.handedAt.toISOString() : null,
    items: batch.records.length,
    results: counts[index] ?? 0,
  }));
}

const sameUnits = (a: ResultUnit[], b: ResultUnit[]) =>
  a.length === b.length && a.every((unit, index) => unit.code === b[index]?.code);

const sameReport = (a: Omit<Report, 'at'>, b: Omit<Report, 'at'>) =>
  a.outcome === b.outcome &&
  a.certificateNumber === b.certificateNumber &&
  a.issuedOn === b.issuedOn &&
  a.validUntil === b.validUntil &&
  sameUnits(a.units, b.units);

/** Finds each result's item and checks it against the batch; every problem is named, nothing is written. */
function matchItems(batch: HandoffBatchDoc, results: ResultInput[]) {
  const byCode = new Map(batch.items.map((item) => [normaliseCode(item.recordCode), item]));
  const byRecord = new Map(batch.items.map((item) => [item.record, item]));
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  const matched: { item: HandoffItem; report: Omit<Report, 'at'> }[] = [];
  results.forEach((result, index) => {
    const field = `results.${index}`;
    if (Boolean(result.recordCode) === Boolean(result.record)) {
      issues.push({ field: `${field}.recordCode`, key: 'certificationDelivery.results.errors.oneReference' });
      return;
    }
    const item = result.recordCode ? byCode.get(normaliseCode(result.recordCode)) : byRecord.get(result.record!);
    if (!item) {
      issues.push({
        field: `${field}.${result.recordCode ? 'recordCode' : 'record'}`,
        key: 'certificationDelivery.results.errors.notInBatch',
      });
      return;
    }
    if (seen.has(item.record)) {
      issues.push({ field: `${field}.recordCode`, key: 'certificationDelivery.results.errors.twice' });
      return;
    }
    seen.add(item.record);
    if (result.outcome === 'certified') {
      if (result.validUntil < result.issuedOn) {
        issues.push({ field: `${field}.validUntil`, key: 'certificationDelivery.results.errors.validBeforeIssued' });
        return;
      }
      const report = {
        outcome: result.outcome,
        certificateNumber: result.certificateNumber,
        issuedOn: result.issuedOn,
        validUntil: result.validUntil,
        units: [],
      };
      matched.push({ item, report });
      return;
    }
    const units: ResultUnit[] = [];
    result.units.forEach((code, unitIndex) => {
      const unit = item.units.find((candidate) => candidate.code.toUpperCase() === code.toUpperCase());
      if (!unit) {
        issues.push({
          field: `${field}.units.${unitIndex}`,
          key: 'certificationDelivery.results.errors.unitNotInScheme',
          params: { code },
        });
      } else if (!units.some((known) => known.code === unit.code)) units.push({ code: unit.code, title: unit.title });
    });
    // In the scheme's order, so the same units in another order are the same report.
    const order = item.units.map((unit) => unit.code);
    units.sort((a, b) => order.indexOf(a.code) - order.indexOf(b.code));
    matched.push({ item, report: { outcome: 'notCertified', certificateNumber: '', issuedOn: '', validUntil: '', units } });
  });
  if (issues.length) throw new ValidationError(issues);
  return matched;
}

type Change = 'recorded' | 'updated' | 'unchanged';

/** Tells the other features an LSP's result for a trainee (a new one, or one that replaced another). */
async function publishResult(batch: HandoffBatchDoc, item: HandoffItem, outcome: string, previous: boolean | null, at: Date) {
  await publish('certification.result', {
    trainee: String(item.trainee.id),
    cohort: String(item.cohort.id),
    institution: String(batch.institution),
    lsp: String(batch.lsp),
    result: outcome,
    certified: outcome === 'certified',
    previous,
    at,
  });
}

/** Stores one report: a first one inserted, a different one replacing the last (kept in history), the same one left. */
async function store(batch: HandoffBatchDoc, item: HandoffItem, report: Omit<Report, 'at'>, now: Date): Promise<Change> {
  const id = resultId(String(batch._id), item.record);
  for (let round = 0; round < 5; round += 1) {
    const current = await CertificationResult.findById(id).lean<CertificationResultDoc>();
    if (!current) {
      try {
        await CertificationResult.create({
          _id: id,
          batch: batch._id,
          lsp: batch.lsp,
          institution: batch.institution,
          cohort: item.cohort.id,
          trainee: item.trainee.id,
          record: item.record,
          recordCode: item.recordCode,
          ...report,
          at: now,
        });
        await publishResult(batch, item, report.outcome, null, now);
        return 'recorded';
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        continue; // reported at the same moment by another request: compare with that one
      }
    }
    if (sameReport(current, report)) return 'unchanged';
    const previous: Report = {
      outcome: current.outcome,
      certificateNumber: current.certificateNumber,
      issuedOn: current.issuedOn,
      validUntil: current.validUntil,
      units: current.units,
      at: current.at,
    };
    const updated = await CertificationResult.updateOne(
      { _id: id, revision: current.revision },
      {
        $set: { ...report, at: now, history: [...(current.history ?? []), previous].slice(-maxResultHistory) },
        $inc: { revision: 1 },
      },
    );
    if (updated.modifiedCount === 1) {
      await publishResult(batch, item, report.outcome, current.outcome === 'certified', now);
      return 'updated';
    }
  }
  throw new AppError(409, 'certificationDelivery.results.errors.busy');
}

/**
 * Records an LSP's results for trainees of one of its handed batches. The whole request is checked
 * first (each trainee in the batch, each unit in its scheme), so bad input writes nothing.
 */
export async function recordResults(lsp: LspClient, batchId: string, body: ResultsBody, now = new Date()) {
  const batch = await handedBatchOf(lsp, batchId);
  const matched = matchItems(batch, body.results);
  const results = [];
  for (const { item, report } of matched) {
    const change = await store(batch, item, report, now);
    results.push({ record: item.record, recordCode: item.recordCode, outcome: report.outcome, change });
  }
  return { results };
}

export type ResultView = {
  id: string;
  batch: string;
  lspName: string;
  scheme: { code: string; name: string };
  program: string;
  cohort: { id: string; name: string };
  trainee: { id: string; name: string };
  recordCode: string;
  outcome: Report['outcome'];
  certificateNumber: string;
  issuedOn: string;
  validUntil: string;
  units: ResultUnit[];
  reportedAt: Date;
  /** Earlier reports, newest first. */
  history: Report[];
  routeBack: { units: ResultUnit[]; note: string; byName: string; at: Date } | null;
  /** Whether the viewer may route the trainee back to training (not certified, not yet routed back for these units). */
  canRouteBack: boolean;
};

async function lspNamesOf(ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  const found = await Promise.all(unique.map((id) => Lsp.findById(id, { name: 1 }).lean<{ name: string }>()));
  return new Map(unique.map((id, index) => [id, found[index]?.name ?? '']));
}

export const routedBackFor = (result: Pick<CertificationResultDoc, 'routeBack' | 'units'>) =>
  Boolean(result.routeBack && sameUnits(result.routeBack.units, result.units));

function toView(
  result: CertificationResultDoc,
  batch: HandoffBatchDoc | undefined,
  lspName: string,
  actor: Actor | null,
): ResultView {
  const item = (batch?.items ?? []).find((candidate) => candidate.record === String(result.record));
  return {
    id: result._id,
    batch: String(result.batch),
    lspName,
    scheme: { code: batch?.scheme ?? '', name: batch?.schemeName ?? '' },
    program: item?.program.title ?? '',
    cohort: { id: String(result.cohort), name: item?.cohort.name ?? '' },
    trainee: { id: String(result.trainee), name: item?.trainee.name ?? '' },
    recordCode: formatCode(result.recordCode),
    outcome: result.outcome,
    certificateNumber: result.certificateNumber,
    issuedOn: result.issuedOn,
    validUntil: result.validUntil,
    units: result.units,
    reportedAt: result.at,
    history: [...(result.history ?? [])].reverse(),
    routeBack: result.routeBack
      ? { units: result.routeBack.units, note: result.routeBack.note, byName: result.routeBack.byName, at: result.routeBack.at }
      : null,
    canRouteBack:
      result.outcome === 'notCertified' &&
      !routedBackFor(result) &&
      can(actor, 'handoff.manage', { institution: String(result.institution) }),
  };
}

/** The trainee's own certification results (views/certification/partials/results.ejs), newest first. */
export async function resultsForTrainee(actor: Actor | null): Promise<ResultView[]> {
  if (!actor) throw new NotFoundError();
  const results = await CertificationResult.find({ trainee: actor.id }).limit(200).lean<CertificationResultDoc[]>();
  const batchIds = [...new Set(results.map((result) => String(result.batch)))];
  const batches = await Promise.all(batchIds.map((id) => HandoffBatch.findById(id).lean<HandoffBatchDoc>()));
  const byId = new Map(batches.filter((batch) => batch !== null).map((batch) => [String(batch._id), batch]));
  const names = await lspNamesOf(results.map((result) => String(result.lsp)));
  return results
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .map((result) => toView(result, byId.get(String(result.batch)), names.get(String(result.lsp)) ?? '', actor));
}

/** A batch's results for its coordinators and admins ('handoff.view'), in the batch's order. */
export async function resultsForBatch(actor: Actor | null, batchId: string): Promise<ResultView[]> {
  const batch = mongoose.isValidObjectId(batchId) ? await HandoffBatch.findById(batchId).lean<HandoffBatchDoc>() : null;
  if (!batch) throw new NotFoundError();
  authorize(actor, 'handoff.view', { institution: String(batch.institution) });
  const results = await CertificationResult.find({ batch: batch._id }).limit(maxBatchRecords).lean<CertificationResultDoc[]>();
  const order = batch.items.map((item) => item.record);
  const lspName = (await lspNamesOf([String(batch.lsp)])).get(String(batch.lsp)) ?? '';
  return results
    .sort((a, b) => order.indexOf(String(a.record)) - order.indexOf(String(b.record)))
    .map((result) => toView(result, batch, lspName, actor));
}
