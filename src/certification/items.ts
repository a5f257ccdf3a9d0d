import type { RecordView } from '../completion/records.js';
import { type FileStorage, StoredFile } from '../files/index.js';
import type { CertificationProfileDoc, HandoffItem, HandoffUnit, LspScheme } from './model.js';

/**
 * A batch item: what is handed over for one record, frozen when the batch is handed. Built from
 * the record (frozen itself) and the trainee's profile; the units are the scheme's, in its order,
 * with the record's verdicts.
 */
export function schemeUnitsOf(record: RecordView, scheme: Pick<LspScheme, 'units'>): HandoffUnit[] {
  const byCode = new Map(record.content.units.map((unit) => [unit.code, unit]));
  return scheme.units.map((code) => {
    const unit = byCode.get(code);
    return {
      code,
      title: unit ? { ...unit.title } : { id: '', en: '' },
      verdict: unit?.verdict ?? null,
      at: unit?.at ?? null,
      assessor: unit?.assessor ?? '',
    };
  });
}

/** The scheme's units the record does not show as competent (K): absent, BK or without a verdict. */
export function missingUnits(record: RecordView, scheme: Pick<LspScheme, 'units'>): string[] {
  return schemeUnitsOf(record, scheme)
    .filter((unit) => unit.verdict !== 'K')
    .map((unit) => unit.code);
}

export function buildItem(
  record: RecordView,
  profile: CertificationProfileDoc,
  scheme: Pick<LspScheme, 'units'>,
  photo: HandoffItem['photo'],
): HandoffItem {
  const { content } = record;
  return {
    record: record.id,
    recordCode: record.code,
    recordHash: record.hash,
    trainee: { ...content.trainee },
    nik: profile.nik,
    placeOfBirth: profile.placeOfBirth,
    dateOfBirth: profile.dateOfBirth,
    photo,
    consent: { at: new Date(profile.consent.at).toISOString(), textVersion: profile.consent.textVersion },
    program: {
      id: content.program.id,
      code: content.program.code,
      title: content.program.title,
      version: content.program.version,
    },
    cohort: { ...content.cohort },
    units: schemeUnitsOf(record, scheme),
    approvedAt: content.approvedAt,
  };
}

/** The photo's phone-sized copy (else the stored image) as base64, to freeze into an item. */
export async function photoForItem(storage: FileStorage, fileId: unknown): Promise<HandoffItem['photo']> {
  const file = await StoredFile.findById(fileId).lean();
  if (!file) return null;
  const variant = file.image?.variants?.find((candidate) => candidate.width === 480) ?? null;
  const key = variant?.key ?? file.key;
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.openReadStream(key)) chunks.push(Buffer.from(chunk));
  return { mimeType: file.mimeType, sha256: variant?.sha256 ?? file.sha256, data: Buffer.concat(chunks).toString('base64') };
}
