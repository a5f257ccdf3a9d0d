import { Cohort } from '../cohorts/model.js';
import { Enrollment, Seat, seatId } from './model.js';

const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000;

/**
 * Takes a free place in the cohort for the enrolment, or returns false when all `capacity` are
 * taken. Safe under any number of concurrent callers: a place is taken only by inserting its
 * Seat, which the unique `_id` lets one caller do, and an enrolment holds at most one Seat.
 */
export async function claimSeat(cohortId: string, capacity: number, enrollmentId: string): Promise<boolean> {
  for (;;) {
    const taken = await Seat.find({ cohort: cohortId }, { enrollment: 1 }).lean();
    if (taken.some((seat) => String(seat.enrollment) === enrollmentId)) return true;
    const takenIds = new Set(taken.map((seat) => seat._id));
    const free = Array.from({ length: capacity }, (_, index) => index + 1).filter((n) => !takenIds.has(seatId(cohortId, n)));
    if (!free.length) return false;
    for (const number of free) {
      try {
        await Seat.create({ _id: seatId(cohortId, number), cohort: cohortId, enrollment: enrollmentId });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Either another request took this place (try the next) or this enrolment got one meanwhile.
        if (await Seat.exists({ enrollment: enrollmentId })) return true;
      }
    }
    // Every place we saw free was taken meanwhile; look again (the loop ends when none is free).
  }
}

export async function releaseSeat(enrollmentId: string): Promise<void> {
  await Seat.deleteOne({ enrollment: enrollmentId });
}

export async function seatsTaken(cohortId: string): Promise<number> {
  return Seat.countDocuments({ cohort: cohortId });
}

/**
 * Moves waitlisted trainees up, first come first served, while places are free. Several callers
 * at once cannot enrol anyone twice or beyond capacity: each promotion goes through claimSeat.
 */
export async function promoteWaitlisted(cohortId: string, capacity: number): Promise<number> {
  let promoted = 0;
  for (;;) {
    const next = await Enrollment.findOne({ cohort: cohortId, status: 'waitlisted' }, { _id: 1 })
      .sort({ waitlistedAt: 1, _id: 1 })
      .lean();
    if (!next) return promoted;
    if (!(await claimSeat(cohortId, capacity, String(next._id)))) return promoted;
    await Enrollment.updateOne({ _id: next._id, status: 'waitlisted' }, { $set: { status: 'enrolled', enrolledAt: new Date() } });
    promoted += 1;
  }
}

/**
 * Repairs what a crash between two writes can leave: a Seat whose enrolment is no longer seated
 * (withdrawn before its Seat was deleted) is freed, and an enrolment that got a Seat but not yet its
 * new status is enrolled. Run by the periodic clean-up over the recent changes only; the Seat is
 * what counts.
 */
export async function reconcileSeats(since: Date): Promise<number> {
  let repaired = 0;
  const left = await Enrollment.find({ status: { $in: ['withdrawn', 'rejected'] }, updatedAt: { $gte: since } }, { cohort: 1 })
    .comment('scan: periodic repair of places')
    .lean();
  for (const enrollment of left) {
    const { deletedCount } = await Seat.deleteOne({ enrollment: enrollment._id });
    if (!deletedCount) continue;
    repaired += 1;
    const cohort = await Cohort.findById(enrollment.cohort, { capacity: 1 }).lean();
    if (cohort) await promoteWaitlisted(String(cohort._id), cohort.capacity);
  }
  const recent = await Seat.find({ takenAt: { $gte: since } }, { enrollment: 1 })
    .comment('scan: periodic repair of places')
    .lean();
  const waiting = await Enrollment.find(
    { _id: { $in: recent.map((seat) => seat.enrollment) }, status: { $in: ['applied', 'waitlisted'] } },
    { status: 1 },
  ).lean();
  for (const enrollment of waiting) {
    await Enrollment.updateOne(
      { _id: enrollment._id, status: enrollment.status },
      { $set: { status: 'enrolled', enrolledAt: new Date() } },
    );
    repaired += 1;
  }
  return repaired;
}

/**
 * Places for many enrolments at once, in the order given, for bulk enrolment: one read of the
 * taken places and one batch insert, instead of a round of queries each. Returns the enrolments
 * that hold a place. A place another request took in the meantime makes that insert fail; those
 * enrolments then go through claimSeat one by one, so the result is as safe as claimSeat's.
 */
export async function claimSeats(cohortId: string, capacity: number, enrollmentIds: string[]): Promise<Set<string>> {
  const seated = new Set<string>();
  if (!enrollmentIds.length) return seated;
  const taken = await Seat.find({ cohort: cohortId }, { enrollment: 1 }).lean();
  for (const seat of taken) seated.add(String(seat.enrollment));
  const takenIds = new Set(taken.map((seat) => seat._id));
  const free = Array.from({ length: capacity }, (_, index) => index + 1).filter((n) => !takenIds.has(seatId(cohortId, n)));
  const wanting = enrollmentIds.filter((id) => !seated.has(id));
  const seats = wanting.slice(0, free.length).map((enrollment, index) => ({
    _id: seatId(cohortId, free[index]!),
    cohort: cohortId,
    enrollment,
  }));
  if (!seats.length) return new Set(enrollmentIds.filter((id) => seated.has(id)));
  let failed = new Set<string>();
  try {
    await Seat.insertMany(seats, { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { index: number; code?: number; err?: { code?: number } }[] }).writeErrors;
    if (!writeErrors?.every((writeError) => (writeError.code ?? writeError.err?.code) === 11000)) throw error;
    failed = new Set(writeErrors.map((writeError) => seats[writeError.index]!.enrollment));
  }
  for (const seat of seats) if (!failed.has(seat.enrollment)) seated.add(seat.enrollment);
  for (const enrollment of failed) if (await claimSeat(cohortId, capacity, enrollment)) seated.add(enrollment);
  return new Set(enrollmentIds.filter((id) => seated.has(id)));
}
