import { institutionZone } from '../../platform/zone.js';
import type { CohortStage, StageCounts } from './model.js';

/** One trainee's figures in a cohort, as the cohort dashboard shows them. */
export type TraineeFigures = {
  enrollment: string;
  status: string;
  /** Given a place once (enrolled, completed, or withdrawn after being enrolled). */
  placed: boolean;
  /** When they were given their place: idle days count from it until their first lesson. */
  enrolledAt: Date | null;
  done: number;
  lastActivityAt: Date | null;
  /** Unit code (as unitKey) → the assessor's verdict. */
  verdicts: Record<string, 'K' | 'BK'>;
  /** Assessment key → the result that counts: a quiz's best graded attempt, an assignment's last grade. */
  results: Record<string, { percent: number; passed: boolean | null }>;
  /** Live session id → minutes attended (absent classes are not kept). */
  attended: Record<string, number>;
  /** The certification body's latest result: true certified, false not (yet), null none. */
  certified: boolean | null;
  /** Tracer wave (months) → whether the graduate was working then. */
  employed: Record<string, boolean>;
};

export type AssessmentInfo = { kind: 'quiz' | 'assignment'; title: string };
export type SessionInfo = { title: string; heldMinutes: number; at: Date };
export type SummaryMeta = {
  name: string;
  institution: string;
  institutionName: string;
  province: string;
  program: string;
  programTitle: string;
  sector: string;
  month: string;
};

/** The parts of a summary the followers change and the rebuild produces. */
export type SummaryState = {
  meta: SummaryMeta;
  lessonsTotal: number;
  trainees: Record<string, TraineeFigures>;
  assessments: Record<string, AssessmentInfo>;
  sessions: Record<string, SessionInfo>;
};

export const placedStatuses = ['enrolled', 'completed'];

export const emptyFigures = (enrollment: string, status: string): TraineeFigures => ({
  enrollment,
  status,
  placed: placedStatuses.includes(status),
  enrolledAt: null,
  done: 0,
  lastActivityAt: null,
  verdicts: {},
  results: {},
  attended: {},
  certified: null,
  employed: {},
});

/**
 * A unit code as a key of a stored map: unit codes have dots ("J.620100.004.02"), which a stored
 * field name must not (a dot is a path), so they are kept as "%2E" (and a leading "$" as "%24").
 */
export const unitKey = (code: string) => code.replaceAll('%', '%25').replaceAll('.', '%2E').replaceAll('$', '%24');

export const assessmentKey = (kind: 'quiz' | 'assignment', id: string) => `${kind}-${id}`;

/** Percent as quiz scoring rounds it (two decimals). */
export const percentOf = (score: number, max: number) =>
  max ? Math.round(((score / max) * 100 + Number.EPSILON) * 100) / 100 : 0;

/** Working at the latest wave answered. */
export function employedNow(figures: Pick<TraineeFigures, 'employed'>): boolean {
  const waves = Object.keys(figures.employed).sort((a, b) => Number(b) - Number(a));
  return waves.length ? figures.employed[waves[0]!] === true : false;
}

/** The cohort's funnel from its trainees' figures: each stage counts the trainees who reached it. */
export function countsOf(trainees: Record<string, TraineeFigures>): StageCounts {
  const counts: Record<CohortStage, number> = {
    applied: 0,
    enrolled: 0,
    active: 0,
    completed: 0,
    certified: 0,
    employed: 0,
    withdrawn: 0,
  };
  for (const figures of Object.values(trainees)) {
    counts.applied += 1;
    if (!figures.placed) continue;
    counts.enrolled += 1;
    if (figures.done > 0) counts.active += 1;
    if (figures.status === 'completed') counts.completed += 1;
    if (figures.certified === true) counts.certified += 1;
    if (employedNow(figures)) counts.employed += 1;
    if (figures.status === 'withdrawn') counts.withdrawn += 1;
  }
  return counts;
}

/** Month (`YYYY-MM`) of a date at the institution (WIB). */
export const monthOf = (date: Date) => new Date(date.getTime() + institutionZone.offsetMs).toISOString().slice(0, 7);
