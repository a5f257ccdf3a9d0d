import { countOpenResetRequests, type OpenResetRequest, openResetRequests } from '../auth/passwordResetRequests.js';
import { Cohort } from '../cohorts/model.js';
import { Intake } from '../counselling/model.js';
import { Enrollment } from '../enrolment/model.js';
import { traineeEnrollments } from '../enrolment/service.js';
import { Institution, Sector } from '../institutions/model.js';
import { nationwideScan } from '../platform/db/queryGuard.js';
import { type Actor, can, scope } from '../platform/permissions.js';
import { Program } from '../programs/model.js';
import { CompetencyUnit } from '../units/model.js';
import { User } from '../users/model.js';

export type Dashboard = {
  role: Actor['role'];
  /** The name of the actor's own institution, for staff and trainees who belong to one. */
  institution?: string;
  people?: { trainee: number; instructor: number; coordinator: number; admin: number };
  institutions?: number;
  sectors?: number;
  /** Programs the actor edits: in draft and published. */
  programs?: { draft: number; published: number };
  /** Unit proposals waiting for the actor's approval. */
  proposals?: number;
  /** For a trainee: their cohorts, by whether they study in them yet. */
  learning?: { studying: number; pending: number };
  /** For those who run cohorts: applications and intakes waiting for them, cohorts under way. */
  cohorts?: { active: number; applications: number; intakes: number };
  /** For those who issue password-reset links: how many trainees wait for one, and the newest few. */
  passwordResets?: { count: number; newest: OpenResetRequest[] };
};

/** How many waiting password-reset requests the dashboard lists; the rest are on /password-resets. */
const resetRequestsShown = 5;

/** The figures a role's dashboard shows; each one only where the actor may see it. */
export async function dashboardFor(actor: Actor): Promise<Dashboard> {
  const dashboard: Dashboard = { role: actor.role };
  const work: Promise<void>[] = [];
  if (can(actor, 'user.list')) {
    work.push(
      User.aggregate<{ _id: keyof NonNullable<Dashboard['people']>; count: number }>(
        [
          // An aggregation is not cast by Mongoose: the institution id must be an ObjectId here.
          { $match: User.castObject(scope(actor, 'users')) },
          { $group: { _id: '$role', count: { $sum: 1 } } },
        ],
        { comment: nationwideScan(scope(actor, 'users')) },
      ).then((groups) => {
        const people = { trainee: 0, instructor: 0, coordinator: 0, admin: 0 };
        for (const group of groups) people[group._id] = group.count;
        dashboard.people = people;
      }),
    );
  }
  if (can(actor, 'institution.manage')) {
    work.push(
      Promise.all([Institution.countDocuments(), Sector.countDocuments()]).then(([institutions, sectors]) => {
        dashboard.institutions = institutions;
        dashboard.sectors = sectors;
      }),
    );
  }
  if (can(actor, 'program.edit')) {
    const mine = scope(actor, 'programs');
    work.push(
      Promise.all([
        Program.countDocuments({ ...mine, publishedVersion: 0 }, { comment: nationwideScan(mine) }),
        Program.countDocuments({ ...mine, publishedVersion: { $gt: 0 } }, { comment: nationwideScan(mine) }),
      ]).then(([draft, published]) => {
        dashboard.programs = { draft, published };
      }),
    );
  }
  if (can(actor, 'unit.approve')) {
    work.push(
      CompetencyUnit.countDocuments({ status: 'proposed' }).then((count) => {
        dashboard.proposals = count;
      }),
    );
  }
  if (can(actor, 'enrolment.apply')) {
    work.push(
      traineeEnrollments(actor.id).then((enrollments) => {
        const count = (statuses: string[]) => enrollments.filter((e) => statuses.includes(e.status)).length;
        dashboard.learning = { studying: count(['enrolled', 'completed']), pending: count(['applied', 'waitlisted']) };
      }),
    );
  }
  if (can(actor, 'cohort.view')) {
    const cohortFilter = scope(actor, 'cohorts');
    const applicationFilter = scope(actor, 'enrolments');
    const intakeFilter = scope(actor, 'intakes');
    work.push(
      Promise.all([
        Cohort.countDocuments(
          { ...cohortFilter, status: { $in: ['open', 'running'] } },
          { comment: nationwideScan(cohortFilter) },
        ),
        can(actor, 'cohort.manage')
          ? Enrollment.countDocuments({ ...applicationFilter, status: 'applied' }, { comment: nationwideScan(applicationFilter) })
          : 0,
        can(actor, 'counselling.record')
          ? Intake.countDocuments({ ...intakeFilter, status: 'waiting' }, { comment: nationwideScan(intakeFilter) })
          : 0,
      ]).then(([active, applications, intakes]) => {
        dashboard.cohorts = { active, applications, intakes };
      }),
    );
  }
  if (can(actor, 'user.resetPassword')) {
    work.push(
      Promise.all([countOpenResetRequests(actor), openResetRequests(actor, resetRequestsShown)]).then(([count, newest]) => {
        dashboard.passwordResets = { count, newest };
      }),
    );
  }
  if (actor.institution) {
    work.push(
      Institution.findById(actor.institution, { name: 1 })
        .lean()
        .then((institution) => {
          if (institution) dashboard.institution = institution.name;
        }),
    );
  }
  await Promise.all(work);
  return dashboard;
}
