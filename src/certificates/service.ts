import { formatCode, type RecordView } from '../completion/records.js';
import { viewRecord } from '../completion/service.js';
import type { Actor } from '../platform/permissions.js';
import { issuedCredentialOf } from './badge.js';
import { certificateFacts } from './facts.js';
import { certificatePdf } from './pdf.js';
import { verifyUrl } from './urls.js';
import { type Revoked, revocationOf } from './verify.js';

/**
 * A trainee's certificate and credential, for the trainee and the staff of the record's cohort
 * (viewRecord asks 'completion.record'). A revoked record has neither: what is handed over is why.
 */
export type Download<T> =
  | { kind: 'file'; record: RecordView; file: T }
  | { kind: 'revoked'; record: RecordView; revoked: Revoked };

/** Files are named after the program and the code, which the trainee will recognise later. */
export const certificateFileName = (record: RecordView, extension: string) =>
  `sertifikat-${record.content.program.code}-${formatCode(record.code)}.${extension}`.replace(/[^\w.-]+/g, '-');

export async function certificateOf(actor: Actor | null, recordId: string, base: string): Promise<Download<Buffer>> {
  const { record } = await viewRecord(actor, recordId);
  if (record.status === 'revoked') return { kind: 'revoked', record, revoked: await revocationOf(record) };
  return { kind: 'file', record, file: await certificatePdf(certificateFacts(record), verifyUrl(base, record.code)) };
}

export async function credentialOf(
  actor: Actor | null,
  recordId: string,
  base: string,
  sessionSecret: string,
): Promise<Download<string>> {
  const { record } = await viewRecord(actor, recordId);
  if (record.status === 'revoked') return { kind: 'revoked', record, revoked: await revocationOf(record) };
  return { kind: 'file', record, file: await issuedCredentialOf(record, base, sessionSecret) };
}
