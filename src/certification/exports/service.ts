import { NotFoundError } from '../../platform/errors.js';
import type { Actor } from '../../platform/permissions.js';
import { exportableBatch } from '../batches.js';
import { type HandoffPayload, payloadOf } from '../handoffJson.js';
import { apl02FileName, apl02Pdf, apl02Units, apl02Zip } from './apl02.js';
import { assesseeWorkbook } from './assesseeSheet.js';

/**
 * A handed batch's files for the LSP: the assessee spreadsheet, the JSON, the APL-02 forms. They
 * carry full NIKs, so only the coordinators of the batch's institution download them
 * (exportableBatch); all are made from the frozen items, so a file made twice says the same.
 */
export type ExportFile = { name: string; type: string; body: Buffer };

const baseName = (payload: HandoffPayload) => `handoff-${payload.scheme.code.replace(/[^A-Za-z0-9_-]+/g, '-')}-${payload.id}`;

export async function spreadsheetExport(actor: Actor | null, batchId: string): Promise<ExportFile> {
  const payload = await payloadOf(await exportableBatch(actor, batchId));
  return {
    name: `${baseName(payload)}.xlsx`,
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    body: await assesseeWorkbook(payload),
  };
}

export async function jsonExport(actor: Actor | null, batchId: string): Promise<ExportFile> {
  const payload = await payloadOf(await exportableBatch(actor, batchId));
  return { name: `${baseName(payload)}.json`, type: 'application/json', body: Buffer.from(JSON.stringify(payload, null, 2)) };
}

/** One assessee's APL-02 (`record` given), or every assessee's in a ZIP. */
export async function apl02Export(actor: Actor | null, batchId: string, record?: string): Promise<ExportFile> {
  const batch = await exportableBatch(actor, batchId);
  const payload = await payloadOf(batch);
  const traineeOf = new Map(batch.items.map((item) => [item.record, item.trainee.id]));
  const chosen = record ? payload.assessees.filter((assessee) => assessee.record.id === record) : payload.assessees;
  if (record && !chosen.length) throw new NotFoundError();
  const files = [];
  for (const assessee of chosen) {
    const units = await apl02Units(actor!, assessee, traineeOf.get(assessee.record.id) ?? '');
    files.push({ name: apl02FileName(assessee), pdf: await apl02Pdf(payload, assessee, units) });
  }
  if (record) return { name: files[0]!.name, type: 'application/pdf', body: files[0]!.pdf };
  return { name: `${baseName(payload)}-APL-02.zip`, type: 'application/zip', body: await apl02Zip(files) };
}
