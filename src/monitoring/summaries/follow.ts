import type { DomainEvents, Followers } from '../../platform/events.js';
import type { LiveConnections } from '../../platform/socket.js';
import { recordCounselling } from './counselling.js';
import {
  assessmentKey,
  emptyFigures,
  percentOf,
  placedStatuses,
  type SummaryState,
  type TraineeFigures,
  unitKey,
} from './figures.js';
import { rebuildCohortSummary } from './rebuild.js';
import { readSummary, stateOf, writeSummary } from './store.js';

/** Rooms of the dashboards watching a cohort's figures (platform/socket.ts broadcasts to them). */
export const dashboardRooms = {
  cohort: (id: string) => `monitoring:cohort:${id}`,
  institution: (id: string) => `monitoring:institution:${id}`,
  national: 'monitoring:national',
};

/** A change to a summary; `false` when it found nothing to change (then nothing is written). */
type Change = (state: SummaryState) => unknown;
type Batch = { changes: { trainee: string | null; change: Change }[]; done: Promise<void> };

/** Changes waiting for a cohort's next write, and the write under way, per cohort (this process). */
const waiting = new Map<string, Batch>();
const writing = new Map<string, Promise<void>>();

/**
 * Applies one event's change to a cohort's summary. Changes to one cohort are written one batch at a
 * time: those that arrive while a write is under way are applied together in the next one, so forty
 * trainees approved at once make a few writes, not forty racing ones. Each write is still
 * conditional on the revision read (another process may write too), and read again if it lost.
 */
function changeSummary(cohort: string, trainee: string | null, change: Change): Promise<void> {
  let batch = waiting.get(cohort);
  if (!batch) {
    const changes: Batch['changes'] = [];
    const before = writing.get(cohort) ?? Promise.resolve();
    const done = before
      .catch(() => undefined)
      .then(() => {
        waiting.delete(cohort);
        return applyChanges(cohort, changes);
      });
    batch = { changes, done };
    waiting.set(cohort, batch);
    writing.set(cohort, done);
    done.then(
      () => writing.get(cohort) === done && writing.delete(cohort),
      () => writing.get(cohort) === done && writing.delete(cohort),
    );
  }
  batch.changes.push({ trainee, change });
  return batch.done;
}

/**
 * Read, change, write if nobody wrote meanwhile, else again. A cohort without a summary yet, or a
 * change about a trainee it does not know (an event missed), gets its summary rebuilt from the
 * records, which already hold every change of the batch.
 */
async function applyChanges(cohort: string, changes: Batch['changes']): Promise<void> {
  for (;;) {
    const stored = await readSummary(cohort);
    const known = (stored?.trainees ?? {}) as Record<string, unknown>;
    if (!stored?.meta || changes.some(({ trainee }) => trainee && !known[trainee])) {
      await rebuildCohortSummary(cohort);
      return;
    }
    const state = stateOf(stored);
    let changed = false;
    for (const { change } of changes) changed = change(state) !== false || changed;
    if (!changed || (await writeSummary(cohort, stored.revision, state))) return;
  }
}

const changeTrainee = (cohort: string, trainee: string, change: (figures: TraineeFigures, state: SummaryState) => unknown) =>
  changeSummary(cohort, trainee, (state) => change(state.trainees[trainee]!, state));

/** How fresh the stored last activity is kept by lesson opens alone (completions always write). */
const activityResolutionMs = 3600_000;

type Event<N extends keyof DomainEvents> = DomainEvents[N];

/** The monitoring summaries' handlers; each change is then announced to the dashboards watching. */
export function summaryFollowers(live: Pick<LiveConnections, 'broadcast'>): Followers {
  const announce = (event: { cohort: string; institution: string }) => {
    const data = { cohort: event.cohort };
    live.broadcast(dashboardRooms.cohort(event.cohort), 'monitoring:changed', data);
    live.broadcast(dashboardRooms.institution(event.institution), 'monitoring:changed', data);
    live.broadcast(dashboardRooms.national, 'monitoring:changed', data);
  };
  const after =
    <N extends keyof DomainEvents>(apply: (event: Event<N>) => Promise<void>) =>
    async (event: Event<N>) => {
      await apply(event);
      if ('cohort' in event) announce(event as { cohort: string; institution: string });
    };
  return {
    // Opening lessons is the most frequent thing trainees do: the dashboards show the day of the last
    // activity and count idle days, so an open within the hour after the stored one writes nothing.
    'lesson.opened': after<'lesson.opened'>((event) =>
      changeTrainee(event.cohort, event.trainee, (figures) => {
        const stored = figures.lastActivityAt ? new Date(figures.lastActivityAt).getTime() : 0;
        if (event.at.getTime() - stored < activityResolutionMs) return false;
        figures.lastActivityAt = event.at;
      }),
    ),
    'lesson.completed': after<'lesson.completed'>((event) =>
      changeTrainee(event.cohort, event.trainee, (figures, state) => {
        figures.done = event.done;
        figures.lastActivityAt = event.at;
        state.lessonsTotal = event.total;
      }),
    ),
    'lesson.reopened': after<'lesson.reopened'>((event) =>
      changeTrainee(event.cohort, event.trainee, (figures) => {
        figures.done = event.done;
      }),
    ),
    'assessment.submitted': after<'assessment.submitted'>((event) =>
      changeTrainee(event.cohort, event.trainee, (figures, state) => {
        const key = assessmentKey(event.kind, event.assessment);
        state.assessments[key] = { kind: event.kind, title: event.title };
        // A resubmitted assignment waits for its new grade; a quiz keeps its best attempt meanwhile.
        if (event.kind === 'assignment') delete figures.results[key];
      }),
    ),
    'assessment.graded': after<'assessment.graded'>((event) =>
      changeTrainee(event.cohort, event.trainee, (figures, state) => {
        const key = assessmentKey(event.kind, event.assessment);
        state.assessments[key] = { kind: event.kind, title: event.title };
        const result = { percent: percentOf(event.score, event.maxScore), passed: event.passed };
        const kept = figures.results[key];
        // A quiz counts its best graded attempt (the first of equals); an assignment its last grade.
        if (event.kind === 'assignment' || !kept || kept.percent < result.percent) figures.results[key] = result;
      }),
    ),
    'verdict.given': after<'verdict.given'>((event) =>
      changeTrainee(event.cohort, event.trainee, (figures) => {
        if (event.verdict) figures.verdicts[unitKey(event.unit)] = event.verdict;
        else delete figures.verdicts[unitKey(event.unit)];
      }),
    ),
    'live.attended': after<'live.attended'>((event) =>
      changeSummary(event.cohort, null, (state) => {
        state.sessions[event.session] = { title: event.title, heldMinutes: event.heldMinutes, at: event.at };
        const figures = state.trainees[event.trainee];
        if (!figures) return;
        if (event.minutes > 0) figures.attended[event.session] = event.minutes;
        else delete figures.attended[event.session];
      }),
    ),
    'enrolment.changed': after<'enrolment.changed'>((event) =>
      changeSummary(event.cohort, null, (state) => {
        if (event.to === null) {
          delete state.trainees[event.trainee];
          return;
        }
        const figures = state.trainees[event.trainee] ?? emptyFigures(event.enrollment, event.to);
        figures.status = event.to;
        figures.placed ||= placedStatuses.includes(event.to);
        figures.enrolledAt = event.enrolledAt;
        state.trainees[event.trainee] = figures;
      }),
    ),
    'certification.result': after<'certification.result'>((event) =>
      changeTrainee(event.cohort, event.trainee, (figures) => {
        figures.certified = event.certified;
      }),
    ),
    'employment.reported': after<'employment.reported'>((event) =>
      changeTrainee(event.cohort, event.trainee, (figures) => {
        figures.employed[String(event.wave)] = event.employed;
      }),
    ),
    'counselling.recorded': async (event) => {
      if (!event.first) return;
      await recordCounselling(event.applicant, event.institution, event.program, event.at);
      live.broadcast(dashboardRooms.institution(event.institution), 'monitoring:changed', {});
      live.broadcast(dashboardRooms.national, 'monitoring:changed', {});
    },
  };
}
