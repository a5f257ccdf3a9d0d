import { publish } from '../platform/events.js';
import { Enrollment } from './model.js';

/**
 * Tells the other features that enrolments changed status, read back after the write: what a
 * follower is told is what the record says now (`to`), whichever of two racing writes won.
 * `from` is the status the writer changed it from, where it knows it.
 */
export async function publishEnrolments(actor: string | null, changes: { id: string; from: string | null }[]): Promise<void> {
  if (!changes.length) return;
  const docs = await Enrollment.find(
    { _id: { $in: changes.map((change) => change.id) } },
    { status: 1, cohort: 1, trainee: 1, institution: 1, enrolledAt: 1 },
  ).lean();
  const byId = new Map(docs.map((doc) => [String(doc._id), doc]));
  const at = new Date();
  for (const { id, from } of changes) {
    const doc = byId.get(id);
    if (!doc || doc.status === from) continue;
    await publish('enrolment.changed', {
      actor,
      enrollment: id,
      trainee: String(doc.trainee),
      cohort: String(doc.cohort),
      institution: String(doc.institution),
      from,
      to: doc.status,
      enrolledAt: doc.enrolledAt ?? null,
      at,
    });
  }
}
