import mongoose from 'mongoose';
import { type CohortView, cohortRef, findCohort } from '../../cohorts/service.js';
import { enrollmentOf } from '../../enrolment/service.js';
import { ConflictError, ForbiddenError, isDuplicateKeyError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { type Actor, authorize, can } from '../../platform/permissions.js';
import { namesOfUsers } from '../../users/directory.js';
import { cohortTrainee, cohortTrainees } from '../assignments/listing.js';
import { type CohortUnit, cohortUnits, criteriaTexts } from '../assignments/service.js';
import { forgetEvidence, recordEvidence } from '../results/record.js';
import { Observation, type ObservationDoc } from './model.js';
import type { ObservationChange, ObservationCheck, ObservationInput } from './schemas.js';

/**
 * Practical observations: staff teaching a cohort (`observation.record`) fill a checklist of one
 * unit's performance criteria for one of its trainees, met or not yet met per criterion observed;
 * the trainee reads their own. Every save is mirrored into the unit results (results/record.ts) as
 * evidence of source `observation`, and a delete takes it out again.
 */

export type ObservationView = {
  id: string;
  cohort: string;
  trainee: string;
  traineeName: string;
  unit: string;
  observedAt: Date;
  activity: string;
  criteria: ObservationCheck[];
  note: string;
  observer: string;
  observerName: string;
  revision: number;
  updatedAt: Date;
};

const toView = (doc: ObservationDoc, names: Map<string, string>): ObservationView => ({
  id: String(doc._id),
  cohort: String(doc.cohort),
  trainee: String(doc.trainee),
  traineeName: names.get(String(doc.trainee)) ?? '',
  unit: doc.unit,
  observedAt: doc.observedAt,
  activity: doc.activity,
  criteria: doc.criteria.map((item) => ({ ref: item.ref, met: item.met, comment: item.comment ?? '' })),
  note: doc.note ?? '',
  observer: String(doc.observer),
  observerName: doc.observerName ?? '',
  revision: doc.revision ?? 1,
  updatedAt: doc.updatedAt,
});

const viewOf = async (doc: ObservationDoc) => toView(doc, await namesOfUsers([doc.trainee]));

/** The cohort, if the actor may record observations in it (its instructors, its institution's coordinators, admins). */
export async function observingCohort(actor: Actor | null, cohortId: string): Promise<CohortView> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'observation.record', cohortRef(cohort));
  return cohort;
}

async function findObservation(id: string): Promise<ObservationDoc> {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const doc = await Observation.findById(id).lean<ObservationDoc>();
  if (!doc) throw new NotFoundError();
  return doc;
}

/** Whether the actor is the cohort's own trainee (enrolled or graduated), as for its lessons. */
async function studies(actor: Actor | null, cohortId: string): Promise<boolean> {
  if (!actor) return false;
  const enrollment = await enrollmentOf(actor.id, cohortId);
  return can(actor, 'cohort.study', { trainee: enrollment?.trainee ?? '', status: enrollment?.status ?? '' });
}

/** An observation, for the cohort's staff (`staff`) or, read only, for the trainee it is about. */
export async function readObservation(actor: Actor | null, id: string) {
  const doc = await findObservation(id);
  const cohort = await findCohort(String(doc.cohort));
  const staff = can(actor, 'observation.record', cohortRef(cohort));
  if (!staff && (String(doc.trainee) !== actor?.id || !(await studies(actor, cohort.id)))) throw new ForbiddenError();
  const units = await cohortUnits(cohort);
  return {
    observation: await viewOf(doc),
    cohort,
    staff,
    unit: units.find((unit) => unit.code === doc.unit) ?? null,
    criteriaText: criteriaTexts(units),
  };
}

/** An observation and its cohort, for staff who may change it. */
async function managedObservation(actor: Actor | null, id: string) {
  const doc = await findObservation(id);
  const cohort = await observingCohort(actor, String(doc.cohort));
  return { doc, cohort };
}

/**
 * The checklist checked against the unit: a unit of the cohort's program, criteria of that unit
 * each once, at least one observed. Returned in the unit's order, as the standard reads.
 */
function checkChecklist(units: CohortUnit[], unitCode: string, criteria: ObservationCheck[]): ObservationCheck[] {
  const unit = units.find((candidate) => candidate.code === unitCode);
  if (!unit) throw new ValidationError([{ field: 'unit', key: 'assessments.observations.errors.unit' }]);
  const known = new Set(unit.criteria.map((criterion) => criterion.ref));
  const foreign = criteria.filter((item) => !known.has(item.ref)).map((item) => item.ref);
  if (foreign.length)
    throw new ValidationError([
      { field: 'criteria', key: 'assessments.observations.errors.criteria', params: { refs: foreign.join(', ') } },
    ]);
  const given = new Map(criteria.map((item) => [item.ref, item]));
  if (given.size !== criteria.length)
    throw new ValidationError([{ field: 'criteria', key: 'assessments.observations.errors.twice' }]);
  if (!criteria.length) throw new ValidationError([{ field: 'criteria', key: 'assessments.observations.errors.noCriteria' }]);
  return unit.criteria
    .filter((criterion) => given.has(criterion.ref))
    .map((criterion) => {
      const item = given.get(criterion.ref)!;
      return { ref: item.ref, met: item.met, comment: item.comment };
    });
}

/** A clock a few minutes ahead of the server's is not the future; more is a typing slip. */
const clockSlack = 10 * 60_000;
function checkObservedAt(observedAt: Date, now: Date) {
  if (observedAt.getTime() > now.getTime() + clockSlack)
    throw new ValidationError([{ field: 'observedDay', key: 'assessments.observations.errors.future' }]);
}

type Stored = { observedAt: Date; activity: string; note: string; criteria: ObservationCheck[] };
const sameContent = (doc: ObservationDoc, fields: Stored) =>
  doc.observedAt.getTime() === fields.observedAt.getTime() &&
  doc.activity === fields.activity &&
  (doc.note ?? '') === fields.note &&
  JSON.stringify(toView(doc, new Map()).criteria) === JSON.stringify(fields.criteria);

const evidenceOwner = (doc: { _id: unknown; cohort: unknown; trainee: unknown; unit: string }) => ({
  cohort: String(doc.cohort),
  trainee: String(doc.trainee),
  unit: doc.unit,
  source: 'observation' as const,
  id: String(doc._id),
});

/**
 * Brings the unit results in line with the stored observation: records what it shows, or forgets
 * it once it is gone. Two saves finishing in either order could record the older content last, so
 * after recording it reads the revision again and records anew until what it recorded is current.
 * Idempotent: a retry, or a second call after a crash between the save and this, repairs the entry.
 */
async function syncEvidence(owner: ReturnType<typeof evidenceOwner>): Promise<void> {
  for (let round = 0; round < 5; round += 1) {
    const doc = await Observation.findById(owner.id).lean<ObservationDoc>();
    if (!doc) {
      await forgetEvidence(owner);
      return;
    }
    await recordEvidence({
      ...owner,
      title: doc.activity,
      criteria: doc.criteria.map((item) => ({ ref: item.ref, met: item.met })),
      by: String(doc.observer),
      at: doc.observedAt,
    });
    const now = await Observation.findById(owner.id, { revision: 1 }).lean<{ revision: number }>();
    if (now?.revision === doc.revision) return;
  }
}

/**
 * Records an observation of a trainee of the cohort. With `input.id` (the form carries one from
 * when it was opened) a double submit or a retry stores it once: the same content under the same
 * id is the same observation; different content under a taken id is refused (409).
 */
export async function createObservation(actor: Actor | null, cohortId: string, input: ObservationInput, now = new Date()) {
  const cohort = await observingCohort(actor, cohortId);
  await cohortTrainee(cohort.id, input.trainee);
  const criteria = checkChecklist(await cohortUnits(cohort), input.unit, input.criteria);
  checkObservedAt(input.observedAt, now);
  const observerName = (await namesOfUsers([actor!.id])).get(actor!.id) ?? '';
  const id = input.id ?? String(new mongoose.Types.ObjectId());
  const fields = { observedAt: input.observedAt, activity: input.activity, note: input.note, criteria };
  const owner = { _id: id, cohort: cohort.id, trainee: input.trainee, unit: input.unit };
  try {
    await Observation.create({ ...owner, ...fields, observer: actor!.id, observerName, revision: 1 });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await Observation.findById(id).lean<ObservationDoc>();
    const same =
      existing &&
      String(existing.cohort) === cohort.id &&
      String(existing.trainee) === input.trainee &&
      existing.unit === input.unit &&
      String(existing.observer) === actor!.id &&
      sameContent(existing, fields);
    if (!same) throw new ConflictError('assessments.observations.errors.idTaken');
  }
  await syncEvidence(evidenceOwner(owner));
  return viewOf(await findObservation(id));
}

/**
 * Changes an observation's time, activity, checklist and note. Only from the revision the editor
 * saw: after another's save it is refused (409) and nothing is overwritten, unless the stored
 * observation already says exactly this (a retried save whose answer was lost).
 */
export async function updateObservation(actor: Actor | null, id: string, change: ObservationChange, now = new Date()) {
  const { doc, cohort } = await managedObservation(actor, id);
  const criteria = checkChecklist(await cohortUnits(cohort), doc.unit, change.criteria);
  checkObservedAt(change.observedAt, now);
  const fields = { observedAt: change.observedAt, activity: change.activity, note: change.note, criteria };
  const result = await Observation.updateOne({ _id: id, revision: change.revision }, { $set: fields, $inc: { revision: 1 } });
  if (result.matchedCount === 0) {
    const current = await findObservation(id);
    if (!sameContent(current, fields)) throw new ConflictError('assessments.observations.errors.changedMeanwhile');
  }
  await syncEvidence(evidenceOwner(doc));
  return viewOf(await findObservation(id));
}

/**
 * Deletes an observation and its evidence in the unit results. With `revision`, only the version
 * the person saw: an edit meanwhile makes it a 409 (they may want to read it first).
 */
export async function deleteObservation(actor: Actor | null, id: string, revision?: number): Promise<string> {
  const { doc, cohort } = await managedObservation(actor, id);
  const owner = evidenceOwner(doc);
  const seen = revision ?? doc.revision;
  if (seen !== doc.revision) throw new ConflictError('assessments.observations.errors.changedMeanwhile');
  // The evidence goes first: a crash before the delete leaves an observation to delete again,
  // never evidence pointing at nothing.
  await forgetEvidence(owner);
  const result = await Observation.deleteOne({ _id: id, revision: seen });
  await syncEvidence(owner); // an edit in between recorded it again: put the summary right
  if (result.deletedCount === 0) throw new ConflictError('assessments.observations.errors.changedMeanwhile');
  return cohort.id;
}

export type ObservationFilter = { trainee?: string; unit?: string };

/**
 * A cohort's observations, newest first: for its staff all of them (filtered by trainee or unit),
 * with the trainees and units to choose from; for its trainee their own.
 */
export async function cohortObservations(actor: Actor | null, cohortId: string, filter: ObservationFilter = {}) {
  const cohort = await findCohort(cohortId);
  const staff = can(actor, 'observation.record', cohortRef(cohort));
  if (!staff && !(await studies(actor, cohort.id))) throw new ForbiddenError();
  const query: Record<string, unknown> = { cohort: cohort.id };
  if (!staff) query.trainee = actor!.id;
  else if (filter.trainee && mongoose.isValidObjectId(filter.trainee)) query.trainee = filter.trainee;
  if (filter.unit) query.unit = filter.unit;
  const [docs, units, trainees] = await Promise.all([
    Observation.find(query).sort({ observedAt: -1, _id: -1 }).limit(1000).lean<ObservationDoc[]>(),
    cohortUnits(cohort),
    staff ? cohortTrainees(actor, cohort.id) : Promise.resolve([]),
  ]);
  const names = await namesOfUsers([...new Set(docs.map((doc) => String(doc.trainee)))]);
  return { cohort, staff, items: docs.map((doc) => toView(doc, names)), units, trainees, filter };
}

/**
 * What the new-observation form offers: the cohort's trainees and units, and the ones picked when
 * both are valid (the checklist is shown for them).
 */
export async function observationChoices(actor: Actor | null, cohortId: string, pick: { trainee?: string; unit?: string }) {
  const cohort = await observingCohort(actor, cohortId);
  const [trainees, units] = await Promise.all([cohortTrainees(actor, cohort.id), cohortUnits(cohort)]);
  const trainee = trainees.find((candidate) => candidate.id === pick.trainee) ?? null;
  const unit = units.find((candidate) => candidate.code === pick.unit && candidate.criteria.length) ?? null;
  return { cohort, trainees, units: units.filter((candidate) => candidate.criteria.length), trainee, unit };
}

/** The observation with what its edit form needs (staff only). */
export async function observationForEdit(actor: Actor | null, id: string) {
  const { doc, cohort } = await managedObservation(actor, id);
  const units = await cohortUnits(cohort);
  return { observation: await viewOf(doc), cohort, unit: units.find((unit) => unit.code === doc.unit) ?? null };
}
