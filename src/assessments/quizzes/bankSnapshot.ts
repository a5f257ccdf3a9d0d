import type { QuestionDoc } from '../model.js';
import { bankOf } from './service.js';

/**
 * A program's bank as read at most `freshForMs` ago, for starting attempts. When a whole class
 * starts the same quiz at once, the bank is read once and shared instead of once per trainee.
 * Nothing else depends on it: a question edited within that moment reaches the next attempts.
 */
const freshForMs = 2_000;
const reads = new Map<string, { at: number; bank: Promise<QuestionDoc[]> }>();

export function bankSnapshot(programId: string, now = Date.now()): Promise<QuestionDoc[]> {
  const cached = reads.get(programId);
  if (cached && now - cached.at < freshForMs) return cached.bank;
  const bank = bankOf(programId);
  reads.set(programId, { at: now, bank });
  // A failed read is not kept: the next start reads again.
  bank.catch(() => reads.get(programId)?.bank === bank && reads.delete(programId));
  if (reads.size > 500) for (const [key, entry] of reads) if (now - entry.at >= freshForMs) reads.delete(key);
  return bank;
}
