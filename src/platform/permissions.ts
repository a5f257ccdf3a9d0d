import { ForbiddenError } from './errors.js';

/**
 * The one place that decides who may do what. Services call `authorize` (with the resource
 * they act on), route middleware calls `can` without a resource for a coarse gate, and list
 * queries take their filter from `scope`, so pages, the API and sockets cannot disagree.
 */
export const roles = ['trainee', 'instructor', 'coordinator', 'admin'] as const;
export type Role = (typeof roles)[number];

export type Actor = { id: string; role: Role; institution: string | null };

/** The parts of a user account that decide what may be done to it. */
export type AccountRef = { id?: string; role: Role; institution: string | null };

/** Roles a coordinator may hand out, inside their own institution. */
const rolesCoordinatorManages: readonly Role[] = ['instructor', 'trainee'];

const isAdmin = (actor: Actor) => actor.role === 'admin';
const sameInstitution = (actor: Actor, institution: string | null | undefined) =>
  actor.institution !== null && institution != null && String(institution) === actor.institution;

const isStaff = (actor: Actor) => actor.role !== 'trainee';
const canApproveUnits = (actor: Actor) => actor.role === 'admin' || actor.role === 'coordinator';

const editsProgram = (actor: Actor, program: ProgramRef) =>
  isAdmin(actor) ||
  (actor.role === 'coordinator' && sameInstitution(actor, program.institution)) ||
  (actor.role === 'instructor' && program.instructors.includes(actor.id));

const managesCohort = (actor: Actor, cohort: Pick<CohortRef, 'institution'> | undefined) =>
  isAdmin(actor) || (actor.role === 'coordinator' && (cohort === undefined || sameInstitution(actor, cohort.institution)));

/** A cohort runs only a program of its own institution (see 'cohort.runProgram'). */
export const runsOwnProgram = (run: { cohort: { institution: string }; program: { institution: string } }) =>
  String(run.program.institution) === String(run.cohort.institution);

const coordinatorManages = (actor: Actor, account: AccountRef) =>
  actor.role === 'coordinator' && rolesCoordinatorManages.includes(account.role) && sameInstitution(actor, account.institution);

type Rules = {
  'user.list': undefined;
  'user.view': AccountRef;
  'user.create': AccountRef;
  /** `before` is the account now, `after` what the change would make of it. */
  'user.update': { before: AccountRef; after: AccountRef };
  'token.manage': { owner: string };
  /**
   * Issuing a password-reset link for an account: admins for anyone; coordinators for trainees of
   * their institution, by the account or by the centres the trainee belongs to through an
   * enrolment or an intake (`centres`). The link logs its holder in as the account.
   */
  'user.resetPassword': { account: AccountRef; centres: string[] };
  'institution.list': undefined;
  'institution.view': { id: string };
  'institution.manage': undefined;
  /** Naming the institution a new program or cohort belongs to (everyone else works in their own): admins. */
  'institution.chooseAny': undefined;
  'sector.manage': undefined;
  'apiDocs.view': undefined;
  /** Approved units are the national standard: every logged-in user may read them. */
  'unit.browse': undefined;
  'unit.viewProposed': undefined;
  'unit.propose': undefined;
  'unit.import': undefined;
  'unit.approve': undefined;
  'unit.edit': { status: string; proposedBy: string | null };
  'program.create': { institution: string | null } | undefined;
  /** Editing a program's draft: its owner instructors, its institution's coordinators, admins. */
  'program.edit': ProgramRef;
  /** A program's question bank: whoever may edit the program (its draft and its bank go together). */
  'question.edit': ProgramRef;
  /**
   * A bank question's image: whoever may edit the bank, and whoever the quizzes vouch for
   * (`throughQuiz`: a trainee whose attempt shows the question; see assessments/bank.ts).
   */
  'question.viewImage': { program: ProgramRef; throughQuiz: boolean };
  /**
   * A lesson outside a cohort: a draft for its editors, a published version for the staff of its
   * institution and admins. Trainees read lessons through their cohort (`cohort.study`).
   */
  'lesson.view': { published: boolean; program: ProgramRef };
  /** Creating and changing cohorts, deciding and importing enrolments: the institution's coordinators. */
  'cohort.manage': CohortRef;
  /**
   * Which programs a cohort may run: its own institution's. A cohort of another institution's
   * program would hand that institution's lessons and files to trainees it never admitted.
   */
  'cohort.runProgram': { cohort: { institution: string }; program: { institution: string } };
  /** Seeing a cohort, its roster and its trainees' progress: its instructors and managers. */
  'cohort.view': CohortRef;
  'enrolment.apply': undefined;
  /** Withdrawing: the trainee themself, or whoever manages the cohort. */
  'enrolment.withdraw': { trainee: string; cohort: CohortRef };
  /** Reading a cohort's lessons and recording progress: its enrolled (or graduated) trainees. */
  'cohort.study': { trainee: string; status: string };
  'intake.fill': undefined;
  /** An applicant's intake and counselling record: themself, and the counsellors of its institution. */
  'intake.view': { applicant: string; institution: string };
  'counselling.record': { institution: string } | undefined;
  /**
   * A cohort's assignments (evidence): setting them, extensions, grading, downloading every
   * submission. The staff teaching the cohort: its instructors, its institution's coordinators, admins.
   */
  'assignment.manage': CohortRef;
  /** Submitting evidence to a cohort's assignment: its enrolled (or graduated) trainees, as for its lessons. */
  'assignment.submit': { trainee: string; status: string };
  /** Quizzes of a cohort: set up, schedule, review attempts, grade essays, regrade. */
  'quiz.manage': CohortRef;
  /** Taking a cohort's quizzes: its own enrolled (or completed) trainee. */
  'quiz.take': { trainee: string; status: string };
  /** Filling a practical-observation checklist for a trainee of the cohort. */
  'observation.record': CohortRef;
  /** Confirming or overriding a K/BK verdict: the cohort's own instructors, who assessed. */
  'verdict.decide': CohortRef;
  /**
   * Reopening a unit for re-assessment after an outside finding (the certification body found it
   * not yet competent): the cohort's managers, who route the trainee back to training.
   */
  'verdict.reopen': CohortRef;
  /** The cohort's gradebook and each trainee's results in it. */
  'gradebook.view': CohortRef;
  /** Scheduling, moving and cancelling a cohort's live sessions: the staff teaching it (as 'cohort.view'). */
  'live.schedule': CohortRef;
  /** Seeing a cohort's live sessions: its staff, and its enrolled (or graduated) trainees. */
  'live.view': { cohort: CohortRef; enrolment: { trainee: string; status: string } | null };
  /** A cohort's completion standings and records: the staff teaching it (as 'cohort.view'). */
  'completion.view': CohortRef;
  /** Approving completion records, recording completion by hand, revoking: whoever manages the cohort. */
  'completion.approve': CohortRef;
  /** A cohort's monitoring dashboard: the staff teaching it (as 'cohort.view'). */
  'monitoring.cohort': CohortRef;
  /**
   * Funnels and rates across cohorts: an institution's for its coordinators (and admins); without an
   * institution (a province, the whole country), admins only. Without a scope: whether the actor has
   * such dashboards at all (the navigation).
   */
  'monitoring.institution': { institution: string | null } | undefined;
  /** One completion record (and its certificate): its trainee, and the staff of its cohort. */
  'completion.record': { trainee: string; cohort: CohortRef };
  // Certification hand-off (certification/): LSPs, trainees' personal data, hand-off batches.
  /** Certification bodies are national: admins register and edit them. */
  'lsp.manage': undefined;
  /** Picking an LSP when handing off: the staff who hand off (coordinators, admins). */
  'lsp.list': undefined;
  /** Asking for certification (giving NIK, birth data, photo with consent): a trainee, for themself. */
  'certification.request': undefined;
  /**
   * Seeing a trainee's NIK, birth data and photo unmasked: the trainee, and the coordinators of the
   * institutions of their completion records (`institutions`). Everyone else sees them masked.
   */
  'certification.personalData': { trainee: string; institutions: string[] };
  /** Making, handing over and exporting an institution's batches (the LSP's files carry full NIKs): its coordinators. */
  'handoff.manage': { institution: string } | undefined;
  /** Seeing an institution's batches (personal data masked unless 'certification.personalData'): its coordinators, admins. */
  'handoff.view': { institution: string } | undefined;
  // Employment tracer (tracer/): the graduates' surveys, their reminders and the report.
  /** Answering an employment survey in the app: its own graduate. */
  'tracer.answer': { trainee: string } | undefined;
  /** An institution's response rates and outcomes, and reminding its graduates: its coordinators, admins. */
  'tracer.report': { institution: string } | undefined;
  // Activity and audit logs (activity/).
  /** A trainee's activity log in a cohort: the trainee themself, and the cohort's staff (as 'cohort.view'). */
  'activity.view': { trainee: string; cohort: CohortRef };
  /** One's own activity log across cohorts (/me/activity): trainees. */
  'activity.viewOwn': undefined;
  /** The audit log: admins (every institution), coordinators (their institution's entries only). */
  'audit.view': { institution: string | null } | undefined;
  // Exports (exports/): each table's own `authorize` decides who may have it.
  /** A background export's progress and file: who asked for it, and admins. */
  'export.job': { requester: string };
  /** The xAPI outbox (xapi/): whether an LRS is configured, what waits or failed, sending again: admins. */
  'xapi.manage': undefined;
};
export type ProgramRef = { institution: string; instructors: string[] };
export type CohortRef = { institution: string; instructors: string[] };
export type Action = keyof Rules;

const rules: { [A in Action]: (actor: Actor, resource: Rules[A] | undefined) => boolean } = {
  'user.list': (actor) => isAdmin(actor) || actor.role === 'coordinator',
  'user.view': (actor, account) =>
    isAdmin(actor) ||
    (account === undefined
      ? actor.role === 'coordinator'
      : account.id === actor.id || (actor.role === 'coordinator' && sameInstitution(actor, account.institution))),
  'user.create': (actor, account) =>
    isAdmin(actor) || (actor.role === 'coordinator' && (account === undefined || coordinatorManages(actor, account))),
  'user.update': (actor, change) =>
    isAdmin(actor) ||
    (actor.role === 'coordinator' &&
      (change === undefined || (coordinatorManages(actor, change.before) && coordinatorManages(actor, change.after)))),
  'user.resetPassword': (actor, target) =>
    isAdmin(actor) ||
    (actor.role === 'coordinator' &&
      (target === undefined ||
        (target.account.role === 'trainee' &&
          [target.account.institution, ...target.centres].some((centre) => sameInstitution(actor, centre))))),
  'token.manage': (actor, token) => isAdmin(actor) || (token !== undefined && token.owner === actor.id),
  'institution.list': () => true,
  'institution.view': (actor, institution) =>
    isAdmin(actor) || (institution !== undefined && sameInstitution(actor, institution.id)),
  'institution.manage': (actor) => isAdmin(actor),
  'institution.chooseAny': (actor) => isAdmin(actor),
  'sector.manage': (actor) => isAdmin(actor),
  'apiDocs.view': () => true,
  'unit.browse': () => true,
  'unit.viewProposed': (actor) => isStaff(actor),
  'unit.propose': (actor) => isStaff(actor),
  'unit.import': (actor) => isStaff(actor),
  'unit.approve': (actor) => canApproveUnits(actor),
  'program.create': (actor, target) =>
    isAdmin(actor) ||
    ((actor.role === 'coordinator' || actor.role === 'instructor') &&
      (target === undefined || sameInstitution(actor, target.institution))),
  'program.edit': (actor, program) => (program === undefined ? isStaff(actor) : editsProgram(actor, program)),
  'question.edit': (actor, program) => rules['program.edit'](actor, program),
  'question.viewImage': (actor, image) =>
    image !== undefined && (rules['question.edit'](actor, image.program) || image.throughQuiz),
  'lesson.view': (actor, lesson) =>
    lesson === undefined ||
    editsProgram(actor, lesson.program) ||
    (lesson.published && isStaff(actor) && (isAdmin(actor) || sameInstitution(actor, lesson.program.institution))),
  'cohort.manage': (actor, cohort) => managesCohort(actor, cohort),
  'cohort.runProgram': (actor, run) => run !== undefined && managesCohort(actor, run.cohort) && runsOwnProgram(run),
  'cohort.view': (actor, cohort) =>
    managesCohort(actor, cohort) ||
    (actor.role === 'instructor' && (cohort === undefined || cohort.instructors.includes(actor.id))),
  'enrolment.apply': (actor) => actor.role === 'trainee',
  'enrolment.withdraw': (actor, enrolment) =>
    enrolment === undefined || enrolment.trainee === actor.id || managesCohort(actor, enrolment.cohort),
  'cohort.study': (actor, enrolment) =>
    enrolment !== undefined &&
    enrolment.trainee === actor.id &&
    (enrolment.status === 'enrolled' || enrolment.status === 'completed'),
  'intake.fill': (actor) => actor.role === 'trainee',
  'intake.view': (actor, intake) =>
    isAdmin(actor) ||
    (intake === undefined
      ? actor.role === 'coordinator'
      : intake.applicant === actor.id || (actor.role === 'coordinator' && sameInstitution(actor, intake.institution))),
  'counselling.record': (actor, target) =>
    isAdmin(actor) || (actor.role === 'coordinator' && (target === undefined || sameInstitution(actor, target.institution))),
  'assignment.manage': (actor, cohort) => rules['cohort.view'](actor, cohort),
  'assignment.submit': (actor, enrolment) => rules['cohort.study'](actor, enrolment),
  'quiz.manage': (actor, cohort) => rules['cohort.view'](actor, cohort),
  'quiz.take': (actor, enrolment) => rules['cohort.study'](actor, enrolment),
  'observation.record': (actor, cohort) => rules['cohort.view'](actor, cohort),
  'verdict.decide': (actor, cohort) =>
    actor.role === 'instructor' && cohort !== undefined && cohort.instructors.includes(actor.id),
  'verdict.reopen': (actor, cohort) => cohort !== undefined && managesCohort(actor, cohort),
  'gradebook.view': (actor, cohort) => rules['cohort.view'](actor, cohort),
  'live.schedule': (actor, cohort) => cohort !== undefined && rules['cohort.view'](actor, cohort),
  'live.view': (actor, target) =>
    target !== undefined &&
    (rules['cohort.view'](actor, target.cohort) || (target.enrolment !== null && rules['cohort.study'](actor, target.enrolment))),
  'monitoring.cohort': (actor, cohort) => cohort !== undefined && rules['cohort.view'](actor, cohort),
  'monitoring.institution': (actor, scope) =>
    isAdmin(actor) ||
    (actor.role === 'coordinator' &&
      (scope === undefined || (scope.institution !== null && sameInstitution(actor, scope.institution)))),
  'completion.view': (actor, cohort) => cohort !== undefined && rules['cohort.view'](actor, cohort),
  'completion.approve': (actor, cohort) => cohort !== undefined && managesCohort(actor, cohort),
  'completion.record': (actor, record) =>
    record !== undefined && (record.trainee === actor.id || rules['cohort.view'](actor, record.cohort)),
  'unit.edit': (actor, unit) =>
    canApproveUnits(actor) ||
    (actor.role === 'instructor' && (unit === undefined || (unit.status === 'proposed' && unit.proposedBy === actor.id))),
  // Certification hand-off (certification/).
  'lsp.manage': (actor) => isAdmin(actor),
  'lsp.list': (actor) => isAdmin(actor) || actor.role === 'coordinator',
  'certification.request': (actor) => actor.role === 'trainee',
  'certification.personalData': (actor, data) =>
    data !== undefined &&
    (data.trainee === actor.id ||
      (actor.role === 'coordinator' && data.institutions.some((institution) => sameInstitution(actor, institution)))),
  'handoff.manage': (actor, batch) =>
    actor.role === 'coordinator' && (batch === undefined || sameInstitution(actor, batch.institution)),
  'handoff.view': (actor, batch) =>
    isAdmin(actor) || (actor.role === 'coordinator' && (batch === undefined || sameInstitution(actor, batch.institution))),
  // Employment tracer (tracer/).
  'tracer.answer': (actor, survey) => actor.role === 'trainee' && (survey === undefined || survey.trainee === actor.id),
  'tracer.report': (actor, target) =>
    isAdmin(actor) || (actor.role === 'coordinator' && (target === undefined || sameInstitution(actor, target.institution))),
  // Activity and audit logs (activity/).
  'activity.view': (actor, target) =>
    target !== undefined && (target.trainee === actor.id || rules['cohort.view'](actor, target.cohort)),
  'activity.viewOwn': (actor) => actor.role === 'trainee',
  'audit.view': (actor, target) =>
    isAdmin(actor) || (actor.role === 'coordinator' && (target === undefined || sameInstitution(actor, target.institution))),
  'export.job': (actor, job) => isAdmin(actor) || (job !== undefined && job.requester === actor.id),
  'xapi.manage': (actor) => isAdmin(actor),
};

export function can<A extends Action>(actor: Actor | null | undefined, action: A, resource?: Rules[A]): boolean {
  if (!actor) return false;
  return rules[action](actor, resource);
}

export function authorize<A extends Action>(
  actor: Actor | null | undefined,
  action: A,
  resource?: Rules[A],
): asserts actor is Actor {
  if (!can(actor, action, resource)) throw new ForbiddenError();
}

/** Collections whose lists are limited by `scope`. */
export type Scoped =
  | 'users'
  | 'institutions'
  | 'intakes'
  | 'counsellingSessions'
  | 'programs'
  | 'cohorts'
  | 'enrolments'
  | 'passwordResets'
  | 'tracerSurveys';

/** A filter no document matches (`_id` is never null): for lists a role has no part of. */
const nothing = { _id: null } as const;

/**
 * The query filter that limits a list to what the actor may see, the list counterpart of `can`:
 * every list, count and dashboard figure takes its filter from here.
 */
export function scope(actor: Actor, collection: Scoped): Record<string, unknown> {
  if (isAdmin(actor)) return {};
  const ownInstitution = actor.institution === null ? nothing : { institution: actor.institution };
  switch (collection) {
    case 'institutions':
      return actor.institution === null ? nothing : { _id: actor.institution };
    // Programs an actor edits and cohorts they run: their institution's for coordinators, the
    // ones they teach for instructors.
    case 'programs':
    case 'cohorts':
      if (actor.role === 'coordinator') return ownInstitution;
      return actor.role === 'instructor' ? { instructors: actor.id } : nothing;
    // Enrolments are decided, and counselling sessions recorded, by an institution's coordinators;
    // a session belongs to the institution that recorded it, wherever the applicant goes next.
    case 'enrolments':
    case 'counsellingSessions':
      return actor.role === 'coordinator' ? ownInstitution : nothing;
    // A trainee's request for a password reset goes to every centre they belong to.
    case 'passwordResets':
      return actor.role === 'coordinator' && actor.institution !== null ? { institutions: actor.institution } : nothing;
    // Employment surveys (tracer/): an institution's for its coordinators, a graduate's own for them.
    case 'tracerSurveys':
      if (actor.role === 'coordinator') return ownInstitution;
      return actor.role === 'trainee' ? { trainee: actor.id } : nothing;
    // Accounts and intakes belong to an institution.
    default:
      return ownInstitution;
  }
}
