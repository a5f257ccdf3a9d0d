import { institutionNames } from '../institutions/service.js';
import { handedBatch } from './batches.js';
import { type HandoffPayload, handoffSchemaName } from './handoffSchema.js';
import { findLsp } from './lsps.js';
import type { HandoffBatchDoc } from './model.js';
import { sexFromNik } from './nik.js';

export { type HandoffPayload, handoffJsonSchema, handoffPayload, handoffSchemaName, handoffSchemaPath } from './handoffSchema.js';

/**
 * The hand-off JSON of a handed batch (schema handoff-batch-1): the JSON export's content and the
 * body certification/delivery posts to the LSP's webhook, byte for byte the same data. Built only
 * from the frozen batch (and the LSP's and institution's names), so it is the same each time it is
 * asked. Throws NotFoundError for an unknown batch, ConflictError for one not handed yet. No
 * permission check: the export route checks the coordinator's, delivery acts for the system.
 */
export async function batchPayload(batchId: string): Promise<HandoffPayload> {
  return payloadOf(await handedBatch(batchId));
}

export async function payloadOf(batch: HandoffBatchDoc): Promise<HandoffPayload> {
  const lspId = String(batch.lsp);
  const institution = String(batch.institution);
  // Names frozen at hand-over; a batch handed before they were kept falls back to today's.
  const [lsp, names] = batch.lspName
    ? [null, new Map<string, string>()]
    : await Promise.all([findLsp(lspId).catch(() => null), institutionNames()]);
  // Unit titles as the records froze them (every item has every scheme unit, in order).
  const titles = new Map(batch.items.flatMap((item) => item.units.map((unit) => [unit.code, unit.title] as const)));
  return {
    schema: handoffSchemaName,
    id: String(batch._id),
    handedAt: (batch.handedAt ?? batch.updatedAt).toISOString(),
    institution: { id: institution, name: batch.institutionName || (names.get(institution) ?? '') },
    lsp: {
      id: lspId,
      name: batch.lspName || (lsp?.name ?? ''),
      licenceNumber: batch.lspLicenceNumber || (lsp?.licenceNumber ?? ''),
    },
    scheme: {
      code: batch.scheme,
      name: batch.schemeName,
      units: batch.schemeUnits.map((code) => ({ code, title: titles.get(code) ?? { id: '', en: '' } })),
    },
    assessees: batch.items.map((item) => ({
      record: { id: item.record, code: item.recordCode, hash: item.recordHash, approvedAt: item.approvedAt },
      name: item.trainee.name,
      email: item.trainee.email,
      nik: item.nik,
      sex: sexFromNik(item.nik),
      placeOfBirth: item.placeOfBirth,
      dateOfBirth: item.dateOfBirth,
      photo: item.photo
        ? { mimeType: item.photo.mimeType as 'image/jpeg' | 'image/png', sha256: item.photo.sha256, data: item.photo.data }
        : null,
      consent: { ...item.consent },
      program: { code: item.program.code, title: item.program.title, version: item.program.version },
      cohort: { ...item.cohort },
      units: item.units.map((unit) => ({
        code: unit.code,
        title: { ...unit.title },
        verdict: unit.verdict,
        assessedAt: unit.at,
        assessor: unit.assessor,
      })),
    })),
  };
}
