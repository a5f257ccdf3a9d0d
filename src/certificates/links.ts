import type { RecordView } from '../completion/records.js';
import { verifyPath } from './urls.js';

/**
 * Where a record's certificate, credential and public verification page are, for pages that list
 * records (the trainee's completion page, the cohort's records). `certificate` and `credential`
 * are null for a revoked record: it has neither any more (its verification page says why).
 */
export function certificateLinks(record: Pick<RecordView, 'id' | 'code' | 'status'>): {
  certificate: string | null;
  credential: string | null;
  verify: string;
} {
  const standing = record.status === 'approved';
  return {
    certificate: standing ? `/certificates/${record.id}.pdf` : null,
    credential: standing ? `/certificates/${record.id}/credential.json` : null,
    verify: verifyPath(record.code),
  };
}
