import type mongoose from 'mongoose';
import { Cohort } from '../cohorts/model.js';
import { publishEnrolments } from './events.js';
import { Enrollment, type EnrollmentStatus, LegacySeat, SeatChange, seatedStatuses } from './model.js';

/**
 * Places in a cohort. The cohort document keeps its capacity and the places taken (`seats`: one
 * entry per enrolment holding a place) side by side, and each change of either is one conditional
 * update of that document:
 * - taking places adds entries only if, with them, no more than the capacity are taken, and only
 *   if the capacity is still the one the caller read;
 * - handing a place back removes its entry;
 * - a capacity change (updateCohortWithinSeats) is written only if it does not go down or the
 *   entries fit in it.
 * MongoDB applies an update of one document atomically, and so does FerretDB once one connection
 * carries every update (platform/db/ferretdbAdapter.ts); no transaction is needed. So the places
 * taken never outnumber the capacity, whatever the order of approvals, withdrawals, capacity
 * changes, promotions from the waiting list and imports. (Before, places were numbered documents
 * 1..capacity, and after the capacity was lowered the numbers and the capacity could disagree; a
 * cohort that filled past its capacity then takes nobody new until enough trainees have left.)
 *
 * An entry names the enrolment and the application it holds the place for: "<enrolment>@<its
 * appliedAt in ms>". A withdrawn trainee who applies again makes a new application, so a late
 * hand-back of the old place can never take the new one.
 *
 * The place and the enrolment's status are two documents. Taking, the place comes first and the
 * status follows; leaving, the status comes first and the place is handed back after. Between the
 * two, a crash (or a failed write) leaves a place held for an application that is not enrolled yet,
 * or by a trainee who left. Each such pair of writes is marked by a SeatChange from before the
 * first to after the last, and the periodic clean-up finishes what one left (repairSeats).
 */

/** An application to seat; its status, where known, is what the change is told as coming from. */
export type Applicant = { id: string; appliedAt: Date; status?: string };

/** The entry of the place an application holds. */
export const seatOf = (applicant: Applicant) => `${applicant.id}@${applicant.appliedAt.getTime()}`;
const holderOf = (seat: string) => seat.slice(0, seat.lastIndexOf('@'));

type Places = { capacity: number; seats: string[] };
type PlacesDoc = { capacity: number; seats?: string[] };
const waitingStatuses: readonly EnrollmentStatus[] = ['applied', 'waitlisted'];

/** The cohort's capacity and the places taken in it; null when there is no such cohort. */
async function placesOf(cohortId: string): Promise<Places | null> {
  const read = () => Cohort.findById(cohortId, { capacity: 1, seats: 1 }).lean<PlacesDoc>();
  let cohort = await read();
  if (cohort && !cohort.seats) {
    await carryOverLegacySeats(cohortId);
    cohort = await read();
  }
  if (!cohort) return null;
  if (!cohort.seats) throw new Error(`The places of cohort ${cohortId} could not be carried over`);
  return { capacity: cohort.capacity, seats: cohort.seats };
}

/** The filter of a cohort whose places are kept in `seats` (carried over, see placesOf). */
const withSeats = (cohortId: string) => ({ _id: cohortId, seats: { $exists: true } });

/**
 * Carries a cohort's places over from the old Seat documents into its `seats`, once: the
 * conditional write lets one of several callers at once do it. A place held by a trainee who left
 * (a crash between their two writes) is not carried over; one taken for an application a crash
 * left unenrolled is, and that application is then enrolled, as the old repair did.
 */
async function carryOverLegacySeats(cohortId: string): Promise<void> {
  const legacy = await LegacySeat.find({ cohort: cohortId }, { enrollment: 1 }).lean();
  const holders = legacy.length
    ? await Enrollment.find({ _id: { $in: legacy.map((seat) => seat.enrollment) } }, { status: 1, appliedAt: 1 }).lean()
    : [];
  const kept = holders.filter((holder) => holder.status !== 'withdrawn' && holder.status !== 'rejected');
  const unfinished = kept.filter((holder) => waitingStatuses.includes(holder.status)).map((holder) => String(holder._id));
  const change = unfinished.length ? await beginChange(cohortId, unfinished) : null;
  await Cohort.updateOne(
    { _id: cohortId, seats: { $exists: false } },
    { $set: { seats: kept.map((holder) => seatOf({ id: String(holder._id), appliedAt: holder.appliedAt })) } },
  );
  await LegacySeat.deleteMany({ cohort: cohortId });
  if (change) {
    for (const id of unfinished) await reconcileSeat(cohortId, id);
    await endChange(change);
  }
}

async function beginChange(cohortId: string, enrollments: string[]): Promise<mongoose.Types.ObjectId> {
  return (await SeatChange.create({ cohort: cohortId, enrollments }))._id;
}

/**
 * Only a change that finished is unmarked: one whose writes failed half-way keeps its mark for the
 * clean-up, as a crash does.
 */
async function endChange(id: mongoose.Types.ObjectId): Promise<void> {
  await SeatChange.deleteOne({ _id: id });
}

/**
 * Runs `write` (a status change that may free places) marked as a change of places, and then hands
 * back the places the enrolments no longer hold (reconcileSeat), moving the waiting list up.
 */
export async function changingSeats(cohortId: string, enrollments: string[], write: () => Promise<unknown>): Promise<void> {
  const change = await beginChange(cohortId, enrollments);
  await write();
  for (const id of enrollments) await reconcileSeat(cohortId, id);
  await endChange(change);
}

/**
 * Adds places for `wanted` (entries, in order) while the capacity allows; returns the entries that
 * hold a place now. The write is conditional on the capacity read and on room for every entry
 * added, so whoever changed the cohort meanwhile is seen on the next look, not overwritten.
 */
async function addSeats(cohortId: string, wanted: string[]): Promise<Set<string>> {
  for (;;) {
    const places = await placesOf(cohortId);
    if (!places) return new Set();
    const taken = new Set(places.seats);
    const holding = new Set(wanted.filter((seat) => taken.has(seat)));
    const room = Math.max(0, places.capacity - places.seats.length);
    const adding = wanted.filter((seat) => !taken.has(seat)).slice(0, room);
    if (!adding.length) return holding;
    const { matchedCount } = await Cohort.updateOne(
      // No entry at index capacity - adding: at most that many taken, so at most capacity after.
      { ...withSeats(cohortId), capacity: places.capacity, [`seats.${places.capacity - adding.length}`]: { $exists: false } },
      { $addToSet: { seats: { $each: adding } } },
    );
    if (matchedCount) {
      for (const seat of adding) holding.add(seat);
      return holding;
    }
  }
}

async function removeSeats(cohortId: string, seats: string[]): Promise<void> {
  await Cohort.updateOne(withSeats(cohortId), { $pullAll: { seats } });
}

/**
 * Gives places to the applications (applied or waiting) in the order given while places are free,
 * and enrols them. Returns the ids of those it enrolled; the others are left as they were. An
 * application withdrawn or refused between the two writes hands its place on (reconcileSeat).
 */
export async function takeSeats(cohortId: string, applicants: Applicant[], decidedBy?: string | null): Promise<Set<string>> {
  const enrolled = new Set<string>();
  if (!applicants.length) return enrolled;
  const change = await beginChange(
    cohortId,
    applicants.map((applicant) => applicant.id),
  );
  const seated = await addSeats(cohortId, applicants.map(seatOf));
  const placed = applicants.filter((applicant) => seated.has(seatOf(applicant)));
  if (placed.length) {
    const enrolledAt = new Date();
    const { matchedCount } = await Enrollment.bulkWrite(
      placed.map((applicant) => ({
        updateOne: {
          // The application that holds the place, still waiting for it.
          filter: { _id: applicant.id, appliedAt: applicant.appliedAt, status: { $in: waitingStatuses } },
          update: { $set: { status: 'enrolled', enrolledAt, ...(decidedBy === undefined ? {} : { decidedBy }) } },
        },
      })),
    );
    let settled = new Set(placed);
    if (matchedCount < placed.length) {
      const stored = new Map(
        (
          await Enrollment.find({ _id: { $in: placed.map((applicant) => applicant.id) } }, { status: 1, appliedAt: 1 }).lean()
        ).map((enrollment) => [String(enrollment._id), enrollment]),
      );
      settled = new Set(
        placed.filter((applicant) => {
          const now = stored.get(applicant.id);
          return now?.status === 'enrolled' && now.appliedAt.getTime() === applicant.appliedAt.getTime();
        }),
      );
      for (const applicant of placed) if (!settled.has(applicant)) await reconcileSeat(cohortId, applicant.id);
    }
    for (const applicant of settled) enrolled.add(applicant.id);
    await publishEnrolments(
      decidedBy ?? null,
      [...settled].map((applicant) => ({ id: applicant.id, from: applicant.status ?? null })),
    );
  }
  await endChange(change);
  return enrolled;
}

/**
 * Makes an enrolment's places agree with what its document says now. A place held for its current
 * application is kept, and that application enrolled if it is not yet (a place is only ever taken
 * to enrol); a place of an earlier application, or of a trainee who left or was refused, is handed
 * back and the waiting list moves up. Returns how many places it put right. Safe at any moment, also
 * while the change it repairs is still going on: both make the same writes, each conditional on the
 * state it changes from.
 */
export async function reconcileSeat(cohortId: string, enrollmentId: string): Promise<number> {
  let repaired = 0;
  for (;;) {
    const places = await placesOf(cohortId);
    const held = (places?.seats ?? []).filter((seat) => holderOf(seat) === enrollmentId);
    if (!held.length) return repaired;
    const enrollment = await Enrollment.findById(enrollmentId, { status: 1, appliedAt: 1 }).lean();
    const current = enrollment ? seatOf({ id: enrollmentId, appliedAt: enrollment.appliedAt }) : '';
    const keeps = enrollment && (seatedStatuses.includes(enrollment.status) || waitingStatuses.includes(enrollment.status));
    const stale = held.filter((seat) => seat !== current || !keeps);
    if (stale.length) {
      await removeSeats(cohortId, stale);
      repaired += stale.length;
      await promoteWaitlisted(cohortId);
    }
    if (!enrollment || !held.includes(current) || !waitingStatuses.includes(enrollment.status)) return repaired;
    const { matchedCount } = await Enrollment.updateOne(
      { _id: enrollmentId, appliedAt: enrollment.appliedAt, status: enrollment.status },
      { $set: { status: 'enrolled', enrolledAt: new Date() } },
    );
    if (matchedCount) {
      await publishEnrolments(null, [{ id: enrollmentId, from: enrollment.status }]);
      return repaired + 1;
    }
    // Its status changed meanwhile: look again.
  }
}

/**
 * Moves waiting trainees up, first come first served, while places are free. Any number of callers
 * at once cannot enrol anyone beyond the capacity: each place is taken through takeSeats.
 */
export async function promoteWaitlisted(cohortId: string): Promise<number> {
  let promoted = 0;
  for (;;) {
    const places = await placesOf(cohortId);
    if (!places || places.seats.length >= places.capacity) return promoted;
    const next = await Enrollment.find({ cohort: cohortId, status: 'waitlisted' }, { appliedAt: 1 })
      .sort({ waitlistedAt: 1, _id: 1 })
      .limit(places.capacity - places.seats.length)
      .lean();
    if (!next.length) return promoted;
    const enrolled = await takeSeats(
      cohortId,
      next.map((enrollment) => ({ id: String(enrollment._id), appliedAt: enrollment.appliedAt })),
    );
    // None enrolled: the places went to others meanwhile, or these left (and their leaving moves the list up).
    if (!enrolled.size) return promoted;
    promoted += enrolled.size;
  }
}

export async function seatsTaken(cohortId: string): Promise<number> {
  return (await placesOf(cohortId))?.seats.length ?? 0;
}

/** Whether the enrolment holds a place in the cohort (for any of its applications). */
export async function holdsSeat(cohortId: string, enrollmentId: string): Promise<boolean> {
  return ((await placesOf(cohortId))?.seats ?? []).some((seat) => holderOf(seat) === enrollmentId);
}

/**
 * Writes `set` to the cohort, its capacity among them, in one update conditional on the places
 * taken at that moment: the capacity does not go down, or the places taken fit in the new one (and
 * with `noneTaken` there must be none). `unchanged` pins fields the caller checked `set` against.
 * So an approval at the same moment cannot slip a place past the check, as it could between a
 * count and a separate write. Returns null when written, else the places taken now.
 */
export async function updateCohortWithinSeats(
  cohortId: string,
  change: { capacity: number; noneTaken: boolean; unchanged: Record<string, unknown>; set: Record<string, unknown> },
): Promise<{ taken: number } | null> {
  if (!(await placesOf(cohortId))) return { taken: 0 };
  const filter = { ...withSeats(cohortId), ...change.unchanged, ...(change.noneTaken ? { 'seats.0': { $exists: false } } : {}) };
  // Either condition keeps the places taken within the capacity written.
  const fits = [{ capacity: { $lte: change.capacity } }, { [`seats.${change.capacity}`]: { $exists: false } }];
  for (const condition of fits) {
    const { matchedCount } = await Cohort.updateOne({ ...filter, ...condition }, { $set: change.set }, { runValidators: true });
    if (matchedCount) return null;
  }
  return { taken: await seatsTaken(cohortId) };
}

/** How long a change of places may take before the clean-up finishes it: far beyond any request. */
export const seatChangeTimeoutMs = 10 * 60 * 1000;

/**
 * Finishes the changes of places a crash or a failed write left half-made, however long ago: every
 * marked change older than seatChangeTimeoutMs (younger ones are still going on, and are left to
 * finish themselves). Returns how many places it put right.
 */
export async function repairSeats(now = new Date()): Promise<number> {
  const changes = await SeatChange.find({ startedAt: { $lte: new Date(now.getTime() - seatChangeTimeoutMs) } })
    .sort({ startedAt: 1 })
    .limit(500)
    // Only changes in flight or interrupted are kept: a handful of documents, read whole.
    .comment('scan: changes of places in flight or interrupted')
    .lean();
  let repaired = 0;
  let failure: unknown;
  for (const change of changes) {
    try {
      for (const id of change.enrollments) repaired += await reconcileSeat(String(change.cohort), id);
      await SeatChange.deleteOne({ _id: change._id });
    } catch (error) {
      // One that cannot be finished now is tried again on the next run; the others go on.
      failure ??= error;
    }
  }
  if (failure) throw failure;
  return repaired;
}
