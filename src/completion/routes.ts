import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin, requirePermission } from '../auth/passport.js';
import { ForbiddenError } from '../platform/errors.js';
import { form } from '../platform/http/forms.js';
import { checkboxField, parseInput } from '../platform/validation.js';
import { formatCode, intact, type RecordView, recordLinksSlot } from './records.js';
import {
  approveCompletion,
  approveProposed,
  cohortCompletion,
  completionPreview,
  myRecords,
  revokeCompletion,
  viewRecord,
} from './service.js';

const reasonField = z.string().trim().max(1000).default('');
const approveSchema = z.object({ reason: reasonField });
const approveManySchema = z.object({
  enrollments: z
    .preprocess(
      (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]),
      z.array(z.string().max(60)).max(500),
    )
    .refine((list) => list.length > 0, 'completion.errors.noneChosen'),
});
const revokeSchema = z.object({ reason: reasonField, reissue: checkboxField(false) });

const param = (req: Request, name: string) => String(req.params[name]);

/** A record as the API gives it: what was approved (frozen), its hash and whether it still matches. */
const recordJson = (record: RecordView) => ({
  id: record.id,
  code: formatCode(record.code),
  status: record.status,
  enrollment: record.enrollment,
  content: record.content,
  hash: record.hash,
  intact: intact(record),
  revocation: record.revocation ? { ...record.revocation, at: record.revocation.at.toISOString() } : null,
  replaces: record.replaces,
  replacedBy: record.replacedBy,
});
const recordOut = z.object({
  id: z.string(),
  code: z.string(),
  status: z.enum(['approved', 'revoked']),
  enrollment: z.string(),
  content: z.record(z.string(), z.unknown()),
  hash: z.string(),
  intact: z.boolean(),
  revocation: z.object({ at: z.string(), byName: z.string(), reason: z.string() }).nullable(),
  replaces: z.string().nullable(),
  replacedBy: z.string().nullable(),
});
const standingOut = z.object({
  enrollment: z.string(),
  trainee: z.string(),
  name: z.string(),
  status: z.string(),
  eligible: z.boolean(),
  checks: z.array(z.object({ rule: z.string(), on: z.boolean(), met: z.boolean() })),
  attendance: z.object({ minutes: z.number(), scheduledMinutes: z.number(), percent: z.number().nullable() }),
  record: z.string().nullable(),
});

export function registerCompletionRoutes({ web, api, linkSlots, highlights }: FeatureContext): void {
  highlights.add('coordinators', 'completion.highlight');
  // --- a cohort's completion: proposals, by hand, records ------------------------------------------------
  const cohortLocals = async (req: Request) => {
    const page = await cohortCompletion(req.actor!, param(req, 'id'));
    const approved = typeof req.query.approved === 'string' ? Number(req.query.approved) : null;
    return { title: req.t('completion.cohort.title', { cohort: page.cohort.name }), ...page, approved, values: {}, errors: {} };
  };
  web.get('/cohorts/:id/completion', requireLogin, async (req, res) => {
    res.render('completion/cohort', await cohortLocals(req));
  });
  web.post('/cohorts/:id/completion/approve', requireLogin, form('completion/cohort', cohortLocals), async (req, res) => {
    const { enrollments } = parseInput(approveManySchema, req.body);
    const records = await approveProposed(req.actor!, param(req, 'id'), enrollments);
    res.redirect(303, `/cohorts/${param(req, 'id')}/completion?approved=${records.length}`);
  });

  // --- one trainee: the approval page (also "by hand, with a reason") ----------------------------------------
  // The roster's "Complete" button leads here: the page says which rules are met before anything is recorded.
  const previewLocals = async (req: Request) => {
    const preview = await completionPreview(req.actor!, param(req, 'enrollment'));
    return { title: req.t('completion.approve.title', { name: preview.standing.name }), ...preview };
  };
  web.get('/enrolments/:enrollment/complete', requireLogin, async (req, res) => {
    res.render('completion/approve', { ...(await previewLocals(req)), values: {}, errors: {} });
  });
  web.post('/enrolments/:enrollment/complete', requireLogin, form('completion/approve', previewLocals), async (req, res) => {
    const record = await approveCompletion(req.actor!, param(req, 'enrollment'), parseInput(approveSchema, req.body));
    res.redirect(303, `/completion-records/${record.id}?saved=approved`);
  });

  // --- a record: its trainee and the cohort's staff; revocation by its managers ---------------------------
  web.get('/completion-records/:id', requireLogin, async (req, res) => {
    const { record, manages } = await viewRecord(req.actor!, param(req, 'id'));
    res.render('completion/record', {
      title: req.t('completion.record.title', { name: record.content.trainee.name }),
      record,
      intact: intact(record),
      manages,
      links: linkSlots.links(recordLinksSlot, record, req.t),
      saved: req.query.saved,
    });
  });
  const revokeLocals = async (req: Request) => {
    const { record, manages } = await viewRecord(req.actor!, param(req, 'id'));
    if (!manages) throw new ForbiddenError();
    return { title: req.t('completion.revoke.title', { name: record.content.trainee.name }), record, manages };
  };
  web.get('/completion-records/:id/revoke', requireLogin, async (req, res) => {
    res.render('completion/revoke', { ...(await revokeLocals(req)), values: { reissue: true }, errors: {} });
  });
  web.post('/completion-records/:id/revoke', requireLogin, form('completion/revoke', revokeLocals), async (req, res) => {
    const { revoked, issued } = await revokeCompletion(req.actor!, param(req, 'id'), parseInput(revokeSchema, req.body));
    res.redirect(303, `/completion-records/${issued?.id ?? revoked.id}?saved=${issued ? 'reissued' : 'revoked'}`);
  });

  // --- the trainee's own ---------------------------------------------------------------------------------
  web.get('/completion', requirePermission('enrolment.apply'), async (req, res) => {
    res.render('completion/mine', { title: req.t('completion.mine.title'), records: await myRecords(req.actor!) });
  });

  // --- API -----------------------------------------------------------------------------------------------
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/completion',
      summary: "Where each trainee of the cohort stands against its version's completion rules, and the record standing for them",
      tag: 'Completion',
      access: 'user',
      response: z.object({
        rules: z.object({
          allUnitsCompetent: z.boolean(),
          minAttendancePercent: z.number(),
          requiredModules: z.array(z.string()),
        }),
        trainees: z.array(standingOut),
      }),
    },
    async ({ actor, params }) => {
      const page = await cohortCompletion(actor, String(params.id));
      return {
        rules: page.rules,
        trainees: [...page.proposed, ...page.pending, ...page.completed].map((row) => ({
          enrollment: row.enrollment,
          trainee: row.trainee,
          name: row.name,
          status: row.status,
          eligible: row.eligible,
          checks: row.checks,
          attendance: {
            minutes: row.attendance.minutes,
            scheduledMinutes: row.attendance.scheduledMinutes,
            percent: row.attendance.percent,
          },
          record: row.record?.id ?? null,
        })),
      };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/enrolments/{enrollment}/complete',
      summary:
        'Approve the completion: freezes a completion record and marks the enrolment completed. Without every rule met, a reason (5+ characters) records it by hand. Approving again returns the standing record.',
      tag: 'Completion',
      access: 'user',
      body: approveSchema,
      response: recordOut,
    },
    async ({ actor, params, body }) => recordJson(await approveCompletion(actor, String(params.enrollment), body)),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/completion-records/{id}',
      summary: 'A completion record: its trainee and the staff of its cohort',
      tag: 'Completion',
      access: 'user',
      response: recordOut,
    },
    async ({ actor, params }) => recordJson((await viewRecord(actor, String(params.id))).record),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/completion-records/{id}/revoke',
      summary: 'Revoke a record with a reason (kept); with `reissue`, a corrected record is issued at once',
      tag: 'Completion',
      access: 'user',
      body: z.object({ reason: reasonField, reissue: z.boolean().default(false) }),
      response: z.object({ revoked: recordOut, issued: recordOut.nullable() }),
    },
    async ({ actor, params, body }) => {
      const { revoked, issued } = await revokeCompletion(actor, String(params.id), body);
      return { revoked: recordJson(revoked), issued: issued ? recordJson(issued) : null };
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/me/completion-records',
      summary: "The trainee's own completion records, newest first",
      tag: 'Completion',
      access: 'user',
      permission: 'enrolment.apply',
      response: z.array(recordOut),
    },
    async ({ actor }) => (await myRecords(actor)).map(recordJson),
  );
}
