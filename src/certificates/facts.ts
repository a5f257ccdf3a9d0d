import { formatCode, intact, type RecordView } from '../completion/records.js';
import { provinceOf } from './badge.js';

/**
 * What a certificate says, and so all that the public verification page may show: the trainee's
 * name, the program, hours, units, institution, approval date and code. Nothing else of the record
 * (email, verdicts' assessors, attendance, the approver) leaves through certificates.
 */
export type CertificateFacts = {
  code: string;
  trainee: string;
  program: { code: string; title: string; version: number };
  hours: number;
  units: { code: string; title: { id: string; en: string } }[];
  institution: { name: string; province: string };
  approvedAt: Date;
  /** The record's content still hashes to what was approved. */
  intact: boolean;
};

export function certificateFacts(record: RecordView): CertificateFacts {
  const { content } = record;
  return {
    code: formatCode(record.code),
    trainee: content.trainee.name,
    program: { code: content.program.code, title: content.program.title, version: content.program.version },
    hours: content.hours,
    units: content.units.map((unit) => ({ code: unit.code, title: { id: unit.title.id, en: unit.title.en } })),
    institution: { name: content.institution.name, province: provinceOf(content) },
    approvedAt: record.approvedAt,
    intact: intact(record),
  };
}
