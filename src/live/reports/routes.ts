import type { Request } from 'express';
import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { FeatureContext } from '../../app.js';
import { wibParts, wibText } from '../../assessments/assignments/schemas.js';
import { requireLogin } from '../../auth/passport.js';
import { csvFile } from '../../platform/csv.js';
import { type CohortReport, cohortReport, type SessionReport, sessionReport } from './service.js';
import { type SessionTranscript, sessionTranscript } from './transcript.js';

const views = 'live';
const R = 'liveReports.';
const param = (req: Request, name: string) => String(req.params[name]);

// --- CSV ------------------------------------------------------------------------------------------

const when = (date: Date | null) => (date ? wibText(date) : '');

function reportCsv(report: SessionReport, t: TFunction): string {
  const C = `${R}csv.`;
  const header = [
    t(`${C}name`),
    t(`${C}email`),
    t(`${C}minutes`),
    t(`${C}duration`),
    t(`${C}present`),
    t(`${C}joined`),
    t(`${C}left`),
    t(`${C}messages`),
    t(`${C}questions`),
    t(`${C}votes`),
    t(`${C}hands`),
    t(`${C}enrolled`),
  ];
  const yes = (value: boolean) => t(value ? `${C}yes` : `${C}no`);
  return csvFile([
    header,
    ...report.rows.map((row) => [
      row.name,
      row.email,
      row.minutes,
      report.duration,
      yes(row.present),
      when(row.firstJoinAt),
      when(row.lastLeaveAt),
      row.messages,
      row.questions,
      row.votes,
      row.hands,
      yes(row.enrolled),
    ]),
  ]);
}

function cohortCsv(report: CohortReport, t: TFunction): string {
  const C = `${R}csv.`;
  const header = [
    t(`${C}name`),
    t(`${C}email`),
    ...report.sessions.map((session) =>
      t(`${C}sessionMinutes`, { day: wibParts(session.startsAt).day, title: session.title, duration: session.duration }),
    ),
    t(`${C}totalMinutes`, { duration: report.duration }),
    t(`${C}attended`, { held: report.held }),
  ];
  return csvFile([
    header,
    ...report.rows.map((row) => [row.name, row.email, ...row.cells.map((cell) => cell.minutes), row.minutes, row.attended]),
  ]);
}

function transcriptCsv(transcript: SessionTranscript, t: TFunction): string {
  const C = `${R}csv.`;
  const lines: (string | number)[][] = [
    [t(`${C}time`), t(`${C}kind`), t(`${C}author`), t(`${C}text`), t(`${C}upvotes`), t(`${C}state`)],
  ];
  type Line = { at: Date; cells: (string | number)[] };
  const items: Line[] = transcript.entries.map((entry) => ({
    at: entry.at,
    cells: [
      when(entry.at),
      t(`${R}kind.${entry.kind}`),
      entry.authorName,
      entry.text,
      entry.kind === 'question' ? entry.votes : '',
      [entry.deleted ? t(`${R}deleted`) : '', entry.answered ? t(`${R}answered`) : ''].filter(Boolean).join(', '),
    ],
  }));
  for (const poll of transcript.polls)
    items.push({
      at: poll.at,
      cells: [
        when(poll.at),
        t(`${R}kind.poll`),
        '',
        poll.question,
        '',
        poll.countsShown
          ? poll.options.map((option) => `${option.text}: ${option.votes}`).join('; ')
          : poll.options.map((option) => option.text).join('; '),
      ],
    });
  items.sort((a, b) => a.at.getTime() - b.at.getTime());
  return csvFile([...lines, ...items.map((item) => item.cells)]);
}

/** For the views: a time's WIB day and time of day (a class's times are shown without its day). */
const wibClock = { wibDay: (date: Date) => wibParts(date).day, wibTime: (date: Date) => wibParts(date).time };

/** Files named after the session's day (WIB), as the app's other exports are named after theirs. */
const fileDay = (date: Date) => wibParts(date).day;

// --- API shapes -----------------------------------------------------------------------------------

const participation = z.object({
  trainee: z.object({ id: z.string(), name: z.string(), email: z.string() }),
  enrolled: z.boolean().describe("on the cohort's roster now (false: withdrawn since)"),
  minutes: z
    .number()
    .int()
    .describe('whole minutes in the room within the class (joins before the start and after the end do not count)'),
  present: z.boolean().describe('attended at least one minute'),
  firstJoinAt: z.string().nullable(),
  lastLeaveAt: z.string().nullable().describe('null while still in the room'),
  messages: z.number().int(),
  questions: z.number().int(),
  votes: z.number().int().describe('poll votes'),
  hands: z.number().int().describe('hands raised'),
});
const sessionReportView = z.object({
  session: z.object({ id: z.string(), cohort: z.string(), title: z.string(), startsAt: z.string(), status: z.string() }),
  window: z.object({ start: z.string(), end: z.string(), minutes: z.number().int() }),
  ended: z.boolean().describe('the class is over: figures are its stored summary; else as they stand now'),
  trainees: z.array(participation),
  staff: z.array(z.object({ id: z.string(), name: z.string(), role: z.string(), minutes: z.number().int() })),
  polls: z.array(
    z.object({
      id: z.string(),
      question: z.string(),
      options: z.array(z.object({ text: z.string(), votes: z.number().int() })),
      total: z.number().int(),
    }),
  ),
});
const cohortReportView = z.object({
  cohort: z.object({ id: z.string(), name: z.string() }),
  sessions: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      startsAt: z.string(),
      minutes: z.number().int().describe("the class's length"),
      present: z.number().int(),
    }),
  ),
  trainees: z.array(
    z.object({
      trainee: z.object({ id: z.string(), name: z.string(), email: z.string() }),
      enrolled: z.boolean(),
      minutes: z.array(z.number().int()).describe('per session, in the order of `sessions`'),
      totalMinutes: z.number().int(),
      attended: z.number().int().describe('sessions attended (at least one minute) of those held'),
    }),
  ),
  held: z.number().int(),
});

const iso = (date: Date | null) => (date ? date.toISOString() : null);

const apiSessionReport = (report: SessionReport): z.input<typeof sessionReportView> => ({
  session: {
    id: report.session.id,
    cohort: report.session.cohort,
    title: report.session.title,
    startsAt: report.session.startsAt.toISOString(),
    status: report.session.status,
  },
  window: { start: report.window.start.toISOString(), end: report.window.end.toISOString(), minutes: report.duration },
  ended: report.ended,
  trainees: report.rows.map((row) => ({
    trainee: { id: row.user, name: row.name, email: row.email },
    enrolled: row.enrolled,
    minutes: row.minutes,
    present: row.present,
    firstJoinAt: iso(row.firstJoinAt),
    lastLeaveAt: iso(row.lastLeaveAt),
    messages: row.messages,
    questions: row.questions,
    votes: row.votes,
    hands: row.hands,
  })),
  staff: report.staff.map((person) => ({ id: person.user, name: person.name, role: person.role, minutes: person.minutes })),
  polls: report.polls.map((poll) => ({ id: poll.id, question: poll.question, options: poll.options, total: poll.total })),
});

const apiCohortReport = (report: CohortReport): z.input<typeof cohortReportView> => ({
  cohort: { id: report.cohort.id, name: report.cohort.name },
  sessions: report.sessions.map((session) => ({
    id: session.id,
    title: session.title,
    startsAt: session.startsAt.toISOString(),
    minutes: session.duration,
    present: session.present,
  })),
  trainees: report.rows.map((row) => ({
    trainee: { id: row.user, name: row.name, email: row.email },
    enrolled: row.enrolled,
    minutes: row.cells.map((cell) => cell.minutes),
    totalMinutes: row.minutes,
    attended: row.attended,
  })),
  held: report.held,
});

export function registerLiveReportRoutes({ web, api }: Pick<FeatureContext, 'web' | 'api'>): void {
  // --- one session: attendance report (its staff) and transcript ----------------------------------
  web.get('/live/:id/report', requireLogin, async (req, res) => {
    const report = await sessionReport(req.actor!, param(req, 'id'));
    res.render(`${views}/report`, { title: `${req.t(`${R}title`)} · ${report.session.title}`, ...report, ...wibClock });
  });
  web.get('/live/:id/report.csv', requireLogin, async (req, res) => {
    const report = await sessionReport(req.actor!, param(req, 'id'));
    res
      .attachment(`kompeten-live-attendance-${fileDay(report.session.startsAt)}.csv`)
      .type('text/csv; charset=utf-8')
      .send(reportCsv(report, req.t));
  });
  web.get('/live/:id/transcript', requireLogin, async (req, res) => {
    const transcript = await sessionTranscript(req.actor!, param(req, 'id'));
    res.render(`${views}/transcript`, {
      title: `${req.t(`${R}transcript`)} · ${transcript.session.title}`,
      ...transcript,
      ...wibClock,
    });
  });
  web.get('/live/:id/transcript.csv', requireLogin, async (req, res) => {
    const transcript = await sessionTranscript(req.actor!, param(req, 'id'));
    res
      .attachment(`kompeten-live-transcript-${fileDay(transcript.session.startsAt)}.csv`)
      .type('text/csv; charset=utf-8')
      .send(transcriptCsv(transcript, req.t));
  });

  // --- a cohort: trainees × held sessions (its staff) ---------------------------------------------
  web.get('/cohorts/:cohortId/live/report', requireLogin, async (req, res) => {
    const report = await cohortReport(req.actor!, param(req, 'cohortId'));
    res.render(`${views}/cohortReport`, { title: `${req.t(`${R}cohortTitle`)} · ${report.cohort.name}`, ...report });
  });
  web.get('/cohorts/:cohortId/live/report.csv', requireLogin, async (req, res) => {
    const report = await cohortReport(req.actor!, param(req, 'cohortId'));
    res
      .attachment(`kompeten-live-cohort-${new Date().toISOString().slice(0, 10)}.csv`)
      .type('text/csv; charset=utf-8')
      .send(cohortCsv(report, req.t));
  });

  // --- API ----------------------------------------------------------------------------------------
  const tag = 'Live sessions';
  api.endpoint(
    {
      method: 'get',
      path: '/live-sessions/{id}/report',
      summary:
        "A live session's attendance and engagement (its staff): every trainee of the cohort with minutes attended, first join and last leave, messages, questions, poll votes and hands raised; the staff present; poll results",
      tag,
      access: 'user',
      response: sessionReportView,
    },
    async ({ actor, params }) => apiSessionReport(await sessionReport(actor, String(params.id))),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/live-report',
      summary:
        "A cohort's live-class attendance (its staff): per trainee the minutes in each held session (past and not cancelled), the total and the sessions attended",
      tag,
      access: 'user',
      response: cohortReportView,
    },
    async ({ actor, params }) => apiCohortReport(await cohortReport(actor, String(params.id))),
  );
}
