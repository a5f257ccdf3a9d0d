import { reopenForReassessment } from '../../assessments/results/verdicts.js';
import { AppError, NotFoundError } from '../../platform/errors.js';
import { type Actor, authorize, can } from '../../platform/permissions.js';
import { namesOfUsers } from '../../users/directory.js';
import { CertificationResult, type CertificationResultDoc } from './model.js';
import { routedBackFor } from './service.js';

/**
 * Routes a trainee the LSP did not certify back to training for the units it found not yet
 * competent: a coordinator of the batch's institution ('handoff.manage') records it, with a note
 * if they wish; the trainee sees which units to redo (views/certification/partials/results.ejs)
 * and the batch's page shows who routed them back and when. Routing back for the same units twice
 * changes nothing; a later report with other units can be routed back again.
 */
export async function routeBack(actor: Actor | null, id: string, input: { note: string }, now = new Date()) {
  const result = typeof id === 'string' ? await CertificationResult.findById(id).lean<CertificationResultDoc>() : null;
  if (!result || !can(actor, 'handoff.view', { institution: String(result.institution) })) throw new NotFoundError();
  authorize(actor, 'handoff.manage', { institution: String(result.institution) });
  if (result.outcome !== 'notCertified') throw new AppError(409, 'certificationDelivery.results.errors.certified');
  if (routedBackFor(result)) return;
  const byName = (await namesOfUsers([actor.id])).get(actor.id) ?? '';
  const updated = await CertificationResult.updateOne(
    { _id: result._id, revision: result.revision },
    { $set: { routeBack: { units: result.units, note: input.note, by: actor.id, byName, at: now } } },
  );
  // The LSP changed its report in between: the coordinator looks again before routing back.
  if (updated.matchedCount !== 1) throw new AppError(409, 'certificationDelivery.results.errors.changed');
  // Back to training: each unit opens for re-assessment in the cohort's gradebook, with the LSP's
  // finding as the note the trainee and the instructors read (an open one is left as it is).
  const note = [`LSP: ${result.units.map((unit) => unit.code).join(', ')}`, input.note].filter(Boolean).join(' · ');
  for (const unit of result.units) {
    await reopenForReassessment(
      actor,
      { cohortId: String(result.cohort), traineeId: String(result.trainee), unit: unit.code },
      note,
      now,
    ).catch((error) => {
      // A unit the cohort's program does not have (the scheme's, not the program's): nothing to reopen.
      if (!(error instanceof NotFoundError)) throw error;
    });
  }
}
