import { Assignment, Submission, type SubmissionDoc } from '../../assessments/assignments/model.js';
import { UnitResult, type UnitResultDoc } from '../../assessments/results/model.js';
import { CertificationResult } from '../../certification/results/model.js';
import { type CohortView, findCohort } from '../../cohorts/service.js';
import { Enrollment, type EnrollmentDoc } from '../../enrolment/model.js';
import { Institution } from '../../institutions/model.js';
import { lessonIds } from '../../learning/progress.js';
import { cohortSnapshot } from '../../learning/service.js';
import { LiveSession } from '../../live/model.js';
import { LiveParticipation, LiveSummary } from '../../live/reports/model.js';
import { Program } from '../../programs/model.js';
import { TracerSurvey } from '../../tracer/model.js';
import {
  assessmentKey,
  emptyFigures,
  monthOf,
  percentOf,
  placedStatuses,
  type SummaryMeta,
  type SummaryState,
  type TraineeFigures,
  unitKey,
} from './figures.js';
import { readSummary, writeSummary } from './store.js';

/** Reads bounded by the cohort (indexed equality): a cohort's records fit in one batch. */
const cohortLimit = 50_000;

/** What the cohort is, for the tallies' filters. */
async function metaOf(cohort: CohortView, sector: string, province: string): Promise<SummaryMeta> {
  const [program, institution] = await Promise.all([
    Program.findById(cohort.program, { title: 1 }).lean<{ title: string }>(),
    Institution.findById(cohort.institution, { name: 1 }).lean<{ name: string }>(),
  ]);
  return {
    name: cohort.name,
    institution: cohort.institution,
    institutionName: institution?.name ?? '',
    province,
    program: cohort.program,
    programTitle: program?.title ?? '',
    sector,
    month: monthOf(cohort.startsOn),
  };
}

const placedOf = (enrollment: EnrollmentDoc) =>
  placedStatuses.includes(enrollment.status) || (enrollment.status === 'withdrawn' && Boolean(enrollment.enrolledAt));

/**
 * A cohort's summary worked out from the records alone: what the followers keep up to date event by
 * event must equal this (a test checks that), and this is what repairs a summary that missed events
 * (a crash between a record's write and its event, a follower that failed).
 */
export async function summaryFromRecords(cohortId: string): Promise<SummaryState> {
  const cohort = await findCohort(cohortId);
  const snapshot = await cohortSnapshot(cohort);
  const lessons = new Set(lessonIds(snapshot));
  const [enrollments, unitResults, assignments, submissions, sessions, summaries, participation, certification, surveys, meta] =
    await Promise.all([
      Enrollment.find({ cohort: cohortId }, { history: 0, lastChange: 0 }).limit(cohortLimit).lean<EnrollmentDoc[]>(),
      UnitResult.find({ cohort: cohortId }).limit(cohortLimit).lean<UnitResultDoc[]>(),
      Assignment.find({ cohort: cohortId }, { title: 1 }).limit(cohortLimit).lean(),
      Submission.find({ cohort: cohortId }, { assignment: 1, trainee: 1, status: 1, grade: 1 })
        .limit(cohortLimit)
        .lean<SubmissionDoc[]>(),
      LiveSession.find({ cohort: cohortId }, { title: 1 }).limit(cohortLimit).lean(),
      LiveSummary.find({ cohort: cohortId }, { minutes: 1, windowEnd: 1 }).limit(cohortLimit).lean(),
      LiveParticipation.find({ cohort: cohortId }, { session: 1, user: 1, minutes: 1 }).limit(cohortLimit).lean(),
      CertificationResult.find({ cohort: cohortId }, { trainee: 1, outcome: 1, at: 1 }).limit(cohortLimit).lean(),
      TracerSurvey.find({ cohort: cohortId }, { trainee: 1, wave: 1, answers: 1 }).limit(cohortLimit).lean(),
      metaOf(cohort, snapshot.sector, snapshot.institution.province),
    ]);

  const trainees: Record<string, TraineeFigures> = {};
  for (const enrollment of enrollments) {
    const figures = emptyFigures(String(enrollment._id), enrollment.status);
    figures.placed = placedOf(enrollment);
    figures.enrolledAt = enrollment.enrolledAt ?? null;
    figures.done = (enrollment.progress?.completed ?? []).filter((id) => lessons.has(id)).length;
    figures.lastActivityAt = enrollment.progress?.lastActivityAt ?? null;
    trainees[String(enrollment.trainee)] = figures;
  }
  const of = (trainee: unknown) => trainees[String(trainee)];

  const assessments: SummaryState['assessments'] = {};
  for (const result of unitResults) {
    const figures = of(result.trainee);
    if (!figures) continue;
    if (result.verdict) figures.verdicts[unitKey(result.unit)] = result.verdict.status as 'K' | 'BK';
    for (const [quiz, entry] of Object.entries(result.quizzes ?? {})) {
      const key = assessmentKey('quiz', quiz);
      assessments[key] = { kind: 'quiz', title: entry.title };
      if (entry.percent !== null && entry.percent !== undefined && entry.passed !== null && entry.passed !== undefined)
        figures.results[key] = { percent: entry.percent, passed: entry.passed };
    }
  }
  for (const assignment of assignments)
    assessments[assessmentKey('assignment', String(assignment._id))] = { kind: 'assignment', title: assignment.title };
  for (const submission of submissions) {
    const figures = of(submission.trainee);
    const criteria = submission.grade?.criteria ?? [];
    if (!figures || !submission.grade || (submission.status !== 'accepted' && submission.status !== 'resubmit')) continue;
    figures.results[assessmentKey('assignment', String(submission.assignment))] = {
      percent: percentOf(criteria.filter((item) => item.met).length, criteria.length),
      passed: submission.status === 'accepted',
    };
  }

  const titles = new Map(sessions.map((session) => [String(session._id), session.title]));
  const held: SummaryState['sessions'] = {};
  for (const summary of summaries)
    held[String(summary._id)] = {
      title: titles.get(String(summary._id)) ?? '',
      heldMinutes: summary.minutes,
      at: summary.windowEnd,
    };
  for (const row of participation) {
    const figures = of(row.user);
    if (figures && row.minutes > 0 && held[String(row.session)]) figures.attended[String(row.session)] = row.minutes;
  }

  const latest = new Map<string, { outcome: string; at: Date }>();
  for (const result of certification) {
    const seen = latest.get(String(result.trainee));
    if (!seen || seen.at < result.at) latest.set(String(result.trainee), { outcome: result.outcome, at: result.at });
  }
  for (const [trainee, result] of latest) {
    const figures = of(trainee);
    if (figures) figures.certified = result.outcome === 'certified';
  }
  for (const survey of surveys) {
    const figures = of(survey.trainee);
    const situation = (survey.answers as { situation?: string } | null)?.situation;
    if (figures && situation) figures.employed[String(survey.wave)] = situation === 'employed' || situation === 'selfEmployed';
  }
  return { meta, lessonsTotal: lessons.size, trainees, assessments, sessions: held };
}

/** Replaces a cohort's summary (and its tally) with one worked out from the records. */
export async function rebuildCohortSummary(cohortId: string, now = new Date()): Promise<SummaryState> {
  for (;;) {
    const stored = await readSummary(cohortId);
    const state = await summaryFromRecords(cohortId);
    if (await writeSummary(cohortId, stored ? stored.revision : null, state, now)) return state;
  }
}
