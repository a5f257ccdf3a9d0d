import type { Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin, requirePermission } from '../auth/passport.js';
import { listInstitutions } from '../institutions/service.js';
import { messageLinks } from '../platform/contactLinks.js';
import { csvFile } from '../platform/csv.js';
import { form } from '../platform/http/forms.js';
import { objectIdField, parseInput } from '../platform/validation.js';
import { apiReport, apiSurvey, reportCsv, reportView, surveyView } from './exports.js';
import { markReminded, type ReminderEntry, reminderList } from './reminders.js';
import { tracerReport } from './report.js';
import { answersInput, formValuesOf, incomeBands, otherSector, situations } from './schemas.js';
import {
  answerByLink,
  answerSurvey,
  type LinkedSurvey,
  linkedSurvey,
  mySurveys,
  type SurveyView,
  sectorChoices,
  surveyOf,
} from './service.js';

const views = 'tracer';
const T = 'tracer.';
const surveyParam = (req: Request) => String(req.params.survey);
const tokenParam = (req: Request) => String(req.params.token);
const ipOf = (req: Request) => req.ip ?? 'unknown';

/** A select's blank choice sends ''; that is "not given". */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
const reportQuery = z.object({
  institution: optional(objectIdField),
  year: optional(z.coerce.number().int().min(2000).max(2100)),
});
const institutionQuery = z.object({ institution: optional(objectIdField) });

export function registerTracerRoutes({ web, api, highlights, sessionSecret }: FeatureContext): void {
  highlights.add('trainees', 'tracer.highlight.trainees');
  highlights.add('coordinators', 'tracer.highlight.coordinators');

  /** What every survey form needs besides the survey: the choices of its selects. */
  const formChoices = async () => ({
    sectors: await sectorChoices(),
    situations,
    incomeBands,
    otherSector,
    styles: ['/css/tracer.css'],
  });
  const surveyLocals = async (req: Request, survey: SurveyView, extra: Record<string, unknown>) => ({
    title: req.t(`${T}survey.title`, { wave: survey.wave }),
    survey,
    ...(await formChoices()),
    saved: req.query.saved === '1',
    ...extra,
  });

  // --- the graduate, logged in ---------------------------------------------------------------------
  web.get('/tracer', requirePermission('tracer.answer'), async (req, res) => {
    const surveys = await mySurveys(req.actor!);
    res.render(`${views}/index`, { title: req.t(`${T}title`), surveys, styles: ['/css/tracer.css'] });
  });

  const appSurveyLocals = async (req: Request) => {
    const survey = await surveyOf(req.actor!, surveyParam(req));
    return surveyLocals(req, survey, { action: `/tracer/surveys/${survey.id}`, firstName: null });
  };
  web.get('/tracer/surveys/:survey', requireLogin, async (req, res) => {
    const locals = await appSurveyLocals(req);
    res.render(`${views}/survey`, { ...locals, values: formValuesOf(locals.survey.answers), errors: {} });
  });
  web.post('/tracer/surveys/:survey', requireLogin, form(`${views}/survey`, appSurveyLocals), async (req, res) => {
    const survey = await answerSurvey(req.actor!, surveyParam(req), req.body);
    res.redirect(303, `/tracer/surveys/${survey.id}?saved=1`);
  });

  // --- the graduate, through the survey link (no login) ----------------------------------------
  /** The link's page, or the one "not valid" page for every token that opens nothing. */
  const showInvalid = (req: Request, res: Response) =>
    res.status(404).render(`${views}/linkInvalid`, { title: req.t(`${T}link.invalidTitle`) });
  const linkLocals = async (req: Request, linked: LinkedSurvey) =>
    surveyLocals(req, linked.survey, { action: `/tracer/s/${tokenParam(req)}`, firstName: linked.firstName });
  web.get('/tracer/s/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const linked = await linkedSurvey(sessionSecret, tokenParam(req), ipOf(req));
    if (!linked) return showInvalid(req, res);
    res.render(`${views}/survey`, {
      ...(await linkLocals(req, linked)),
      values: formValuesOf(linked.survey.answers),
      errors: {},
    });
  });
  const linkFormLocals = async (req: Request) => {
    // Shown again with its errors: the survey as it stands, looked up without counting a failure.
    const linked = await linkedSurvey(sessionSecret, tokenParam(req), ipOf(req));
    return linked ? linkLocals(req, linked) : {};
  };
  web.post('/tracer/s/:token', form(`${views}/survey`, linkFormLocals), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const linked = await answerByLink(sessionSecret, tokenParam(req), ipOf(req), req.body);
    if (!linked) return showInvalid(req, res);
    res.redirect(303, `/tracer/s/${tokenParam(req)}?saved=1`);
  });

  // --- coordinators: the report and the reminders ---------------------------------------------------
  /** An admin belongs to no institution: they pick one first. */
  const needsInstitution = (req: Request, institution: string | undefined) => !institution && !req.actor!.institution;
  const chooseInstitution = async (req: Request, res: Response, titleKey: string, path: string) =>
    res.render(`${views}/chooseInstitution`, {
      title: req.t(titleKey),
      institutions: await listInstitutions(req.actor!),
      path,
    });

  web.get('/tracer/report', requirePermission('tracer.report'), async (req, res) => {
    const query = parseInput(reportQuery, req.query);
    if (needsInstitution(req, query.institution)) return chooseInstitution(req, res, `${T}report.title`, '/tracer/report');
    const report = await tracerReport(req.actor!, query);
    res.render(`${views}/report`, {
      title: req.t(`${T}report.title`),
      report: reportView(report),
      situations,
      incomeBands,
      styles: ['/css/tracer.css'],
    });
  });
  web.get('/tracer/report.csv', requirePermission('tracer.report'), async (req, res) => {
    const query = parseInput(reportQuery, req.query);
    const report = await tracerReport(req.actor!, query);
    res
      .attachment(`kompeten-tracer-${report.year}.csv`)
      .type('text/csv; charset=utf-8')
      .send(csvFile(reportCsv(report, req.t)));
  });

  web.get('/tracer/reminders', requirePermission('tracer.report'), async (req, res) => {
    const query = parseInput(institutionQuery, req.query);
    if (needsInstitution(req, query.institution)) return chooseInstitution(req, res, `${T}reminders.title`, '/tracer/reminders');
    const list = await reminderList(req.actor!, query, sessionSecret);
    const base = `${req.protocol}://${req.get('host')}`;
    const ready = (entry: ReminderEntry) => readyMessage(req, entry, `${base}/tracer/s/${entry.token}`, list.institution.name);
    res.render(`${views}/reminders`, {
      title: req.t(`${T}reminders.title`),
      institution: list.institution,
      toRemind: list.toRemind.map(ready),
      reminded: list.reminded.map(ready),
      more: list.more,
      marked: req.query.marked === '1',
      styles: ['/css/tracer.css'],
    });
  });
  web.post('/tracer/reminders/:survey', requirePermission('tracer.report'), async (req, res) => {
    const institution = await markReminded(req.actor!, surveyParam(req));
    const back = req.actor!.institution ? '' : `&institution=${institution}`;
    res.redirect(303, `/tracer/reminders?marked=1${back}`);
  });

  // --- API ------------------------------------------------------------------------------------------
  const tag = 'Employment tracer';
  api.endpoint(
    {
      method: 'get',
      path: '/tracer/surveys',
      summary:
        "The caller's employment surveys (graduates): 3 and 6 months after each completion, with their state and answers; surveys of a revoked record are left out",
      tag,
      access: 'user',
      permission: 'tracer.answer',
      response: z.object({ items: z.array(surveyView) }),
    },
    async ({ actor }) => ({ items: (await mySurveys(actor)).map(apiSurvey) }),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/tracer/surveys/{survey}',
      summary:
        "Answers (or changes the answers to) one of the caller's surveys, while it is open: from its due date until the next survey's (the last: six months on). Only the chosen situation's fields are read; 409 before or after its window",
      tag,
      access: 'user',
      permission: 'tracer.answer',
      body: answersInput,
      response: surveyView,
    },
    async ({ actor, params, req }) => apiSurvey(await answerSurvey(actor, String(params.survey), req.body)),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/tracer/report',
      summary:
        "An institution's employment outcomes for graduates who completed in a year (its coordinators; admins name the institution): invited, answered and response rate, situations, wage and income bands, per cohort, per program and overall, each per wave",
      tag,
      access: 'user',
      permission: 'tracer.report',
      query: reportQuery,
      response: apiReport,
    },
    async ({ actor, query }) => reportView(await tracerReport(actor, query)),
  );
}

/** A reminder ready to send: the text in the coordinator's language, as a wa.me link when there is a mobile number, else mailto. */
function readyMessage(req: Request, entry: ReminderEntry, link: string, institution: string) {
  const text = req.t(`${T}reminders.message`, {
    name: entry.firstName,
    institution,
    wave: entry.wave,
    program: entry.programTitle,
    link,
  });
  const subject = req.t(`${T}reminders.subject`, { wave: entry.wave });
  return { ...entry, link, text, ...messageLinks(entry, { subject, text }) };
}
