import mongoose from 'mongoose';
import { promoteWaitlisted, updateCohortWithinSeats } from '../enrolment/seats.js';
import { Institution } from '../institutions/model.js';
import { nationwideScan } from '../platform/db/queryGuard.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.js';
import { type Page, paginate } from '../platform/pagination.js';
import { type Actor, authorize, type CohortRef, can, scope } from '../platform/permissions.js';
import { institutionZone, zonedParts } from '../platform/zone.js';
import { Program, type ProgramDoc } from '../programs/model.js';
import { getVersion } from '../programs/publishing.js';
import { User } from '../users/model.js';
import { Cohort, type CohortDoc, type CohortStatus } from './model.js';
import type { CohortInput, CohortListQuery } from './schemas.js';

/** Cohort dates are calendar days at the institution (platform/zone.ts: WIB). */
export const dayStart = (day: string) => new Date(`${day}T00:00:00${institutionZone.offset}`);
export const dayEnd = (day: string) => new Date(`${day}T23:59:59.999${institutionZone.offset}`);
/** A stored day back as the date input's YYYY-MM-DD. */
export const dayOf = (date: Date | null | undefined) => zonedParts(date).day;

export type CohortView = {
  id: string;
  name: string;
  institution: string;
  institutionName?: string;
  program: string;
  version: number;
  programCode: string;
  programTitle: string;
  startsOn: Date;
  endsOn: Date;
  enrolmentOpens: Date;
  enrolmentCloses: Date;
  capacity: number;
  mode: string;
  instructors: string[];
  schedule: { days: number[]; start: string; end: string };
  status: CohortStatus;
  autoApprove: boolean;
};

export function toCohortView(cohort: CohortDoc): CohortView {
  return {
    id: String(cohort._id),
    name: cohort.name,
    institution: String(cohort.institution),
    program: String(cohort.program),
    version: cohort.version,
    programCode: cohort.programCode ?? '',
    programTitle: cohort.programTitle ?? '',
    startsOn: cohort.startsOn,
    endsOn: cohort.endsOn,
    enrolmentOpens: cohort.enrolmentOpens,
    enrolmentCloses: cohort.enrolmentCloses,
    capacity: cohort.capacity,
    mode: cohort.mode ?? 'online',
    instructors: (cohort.instructors ?? []).map(String),
    schedule: { days: cohort.schedule?.days ?? [], start: cohort.schedule?.start ?? '', end: cohort.schedule?.end ?? '' },
    status: cohort.status as CohortStatus,
    autoApprove: cohort.autoApprove ?? false,
  };
}

export const cohortRef = (cohort: Pick<CohortView, 'institution' | 'instructors'>): CohortRef => ({
  institution: cohort.institution,
  instructors: cohort.instructors,
});

/** Whether a trainee may apply on their own right now. */
export function acceptsApplications(cohort: CohortView, now = new Date()): boolean {
  return cohort.status === 'open' && cohort.enrolmentOpens <= now && now <= cohort.enrolmentCloses;
}

/** The cohort, without any permission check: for services that check their own. */
export async function findCohort(id: string): Promise<CohortView> {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const cohort = await Cohort.findById(id).lean<CohortDoc>();
  if (!cohort) throw new NotFoundError();
  return toCohortView(cohort);
}

export async function viewableCohort(actor: Actor | null, id: string): Promise<CohortView> {
  const cohort = await findCohort(id);
  authorize(actor, 'cohort.view', cohortRef(cohort));
  return cohort;
}

export async function manageableCohort(actor: Actor | null, id: string): Promise<CohortView> {
  const cohort = await findCohort(id);
  authorize(actor, 'cohort.manage', cohortRef(cohort));
  return cohort;
}

/**
 * A cohort is planned for days to come: one whose last day has passed (a year typed wrong, most
 * often) is refused when it is created or its dates are moved. A finished cohort kept on record
 * may still be edited (its name, status, instructors) while its dates stay as they are.
 */
function refuseEndInPast(input: CohortInput, current: CohortView | undefined, now = new Date()) {
  const endsOn = dayEnd(input.endsOn);
  if (endsOn.getTime() >= now.getTime()) return;
  const datesMove =
    !current ||
    current.endsOn.getTime() !== endsOn.getTime() ||
    current.startsOn.getTime() !== dayStart(input.startsOn).getTime();
  if (datesMove) throw new ValidationError([{ field: 'endsOn', key: 'cohorts.errors.endsInPast' }]);
}

/** The fields to store; `current` is the cohort being changed, none for a new one. */
async function cohortFields(actor: Actor, input: CohortInput, institution: string, current?: CohortView) {
  refuseEndInPast(input, current);
  if (!mongoose.isValidObjectId(input.program)) throw new ValidationError([{ field: 'program', key: 'validation.choice' }]);
  const program = await Program.findById(input.program, { publishedVersion: 1, institution: 1 }).lean<ProgramDoc>();
  if (!program) throw new ValidationError([{ field: 'program', key: 'validation.choice' }]);
  if (!can(actor, 'cohort.runProgram', { cohort: { institution }, program: { institution: String(program.institution) } })) {
    throw new ValidationError([{ field: 'program', key: 'cohorts.errors.programOfOtherInstitution' }]);
  }
  if (!program.publishedVersion) throw new ValidationError([{ field: 'program', key: 'cohorts.errors.programNotPublished' }]);
  const versionNumber = input.version ?? program.publishedVersion;
  const version = await getVersion(input.program, versionNumber).catch(() => null);
  if (!version) throw new ValidationError([{ field: 'version', key: 'validation.choice' }]);
  const instructors = [...new Set(input.instructors)];
  if ((await User.countDocuments({ _id: { $in: instructors }, role: 'instructor', institution })) !== instructors.length) {
    throw new ValidationError([{ field: 'instructors', key: 'programs.errors.instructorsOutside' }]);
  }
  return {
    name: input.name,
    program: input.program,
    version: versionNumber,
    programCode: version.snapshot.code,
    programTitle: version.snapshot.title,
    startsOn: dayStart(input.startsOn),
    endsOn: dayEnd(input.endsOn),
    enrolmentOpens: dayStart(input.enrolmentOpens),
    enrolmentCloses: dayEnd(input.enrolmentCloses),
    capacity: input.capacity,
    mode: input.mode,
    instructors,
    schedule: { days: [...new Set(input.scheduleDays)].sort(), start: input.scheduleStart, end: input.scheduleEnd },
    status: input.status,
    autoApprove: input.autoApprove,
  };
}

export async function createCohort(actor: Actor | null, input: CohortInput): Promise<string> {
  authorize(actor, 'cohort.manage');
  const institution = can(actor, 'institution.chooseAny') ? input.institution : (actor.institution ?? undefined);
  if (!institution || !(await Institution.exists({ _id: institution }))) {
    throw new ValidationError([{ field: 'institution', key: 'validation.choice' }]);
  }
  const cohort = await Cohort.create({ ...(await cohortFields(actor, input, institution)), institution, createdBy: actor.id });
  return String(cohort._id);
}

/**
 * Changes a cohort. Its program version is fixed once anyone holds a place (they study it), and
 * its capacity cannot drop below the places taken; a larger capacity moves the waiting list up.
 * Both rules are conditions of the one write that changes the cohort (updateCohortWithinSeats),
 * checked against the places taken at that moment: an approval at the same time cannot slip past.
 */
export async function updateCohort(actor: Actor | null, id: string, input: CohortInput): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const cohort = await manageableCohort(actor, id);
    const fields = await cohortFields(actor!, input, cohort.institution, cohort);
    const versionChanges = fields.program !== cohort.program || fields.version !== cohort.version;
    const refused = await updateCohortWithinSeats(id, {
      capacity: fields.capacity,
      noneTaken: versionChanges,
      // The program and version the rule was checked against.
      unchanged: { program: cohort.program, version: cohort.version },
      set: fields,
    });
    if (!refused) break;
    const { taken } = refused;
    if (fields.capacity < taken) {
      throw new ValidationError([{ field: 'capacity', key: 'cohorts.errors.capacityBelowTaken', params: { taken } }]);
    }
    if (versionChanges && taken > 0) throw new ValidationError([{ field: 'version', key: 'cohorts.errors.versionFixed' }]);
    // Someone else changed the program or version meanwhile: check again against theirs, a few times.
    if (attempt === 3) throw new ConflictError('cohorts.errors.changedMeanwhile');
  }
  await promoteWaitlisted(id);
}

export const cohortsPerPage = 25;

/** Cohorts the actor runs: an institution's for its coordinators, their own for instructors. */
export async function listCohorts(actor: Actor | null, query: CohortListQuery): Promise<Page<CohortView>> {
  authorize(actor, 'cohort.view');
  const filter: Record<string, unknown> = { ...scope(actor, 'cohorts') };
  if (query.status) filter.status = query.status;
  return paginate(query.page, cohortsPerPage, async (skip, limit) =>
    (
      await Cohort.find(filter, undefined, { comment: nationwideScan(filter) })
        .sort({ startsOn: -1, _id: 1 })
        .skip(skip)
        .limit(limit)
        .lean<CohortDoc[]>()
    ).map(toCohortView),
  );
}

/** Cohorts a trainee could apply to now, for the catalogue page of a program. */
export async function openCohortsOf(programId: string, now = new Date()): Promise<CohortView[]> {
  if (!mongoose.isValidObjectId(programId)) return [];
  const cohorts = await Cohort.find({ program: programId, status: 'open' }).sort({ startsOn: 1 }).limit(50).lean<CohortDoc[]>();
  return cohorts.map(toCohortView).filter((cohort) => acceptsApplications(cohort, now));
}

/** Cohorts staff may send an applicant to: not finished, at the institution. */
export async function recommendableCohorts(institution: string): Promise<CohortView[]> {
  const cohorts = await Cohort.find({ institution, status: { $in: ['planned', 'open', 'running'] } })
    .sort({ startsOn: 1 })
    .limit(200)
    .lean<CohortDoc[]>();
  return cohorts.map(toCohortView);
}
