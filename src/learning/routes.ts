import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin, requirePermission } from '../auth/passport.js';
import { traineeLive } from '../live/service.js';
import { assetsOf } from '../platform/http/assets.js';
import { objectIdField, parseInput } from '../platform/validation.js';
import { progressBatch, progressRefusals } from './schemas.js';
import { completeLesson, markIncomplete, myLearning, recordProgress, studyFile, studyLesson, studyOutline } from './service.js';

const param = (req: Request, name: string) => String(req.params[name]);
const lessonParams = z.object({ cohortId: objectIdField, lessonId: objectIdField });
const outlineParams = z.object({ cohortId: objectIdField });
/** The notes the outline shows once, after a redirect to it. */
const outlineNotes = new Set(['lastLesson']);

export function registerLearningRoutes({ web, api, files, highlights }: FeatureContext): void {
  highlights.add('trainees', 'learning.highlight');
  web.get('/learning', requirePermission('enrolment.apply'), async (req, res) => {
    res.render('learning/mine', {
      title: req.t('learning.title'),
      cards: await myLearning(req.actor!),
      live: await traineeLive(req.actor!), // scheduled live sessions, reminders and changes (live/service.ts)
      saved: req.query.saved,
      // The device keeps the page's progress under this account (public/js/learning.js).
      account: req.actor!.id,
    });
  });

  /** The cohort's course home: its modules and lessons, what is done, where to continue. */
  web.get('/learn/:cohortId', requireLogin, async (req, res) => {
    const { cohortId } = parseInput(outlineParams, req.params);
    const found = await studyOutline(req.actor!, cohortId);
    // Kept on the device like the lessons (public/js/sw.js), never in a shared cache.
    res.set('Cache-Control', 'private, no-cache');
    res.render('learning/outline', {
      title: `${req.t('learning.outline.title')} · ${found.cohort.programTitle || found.snapshot.title}`,
      ...found,
      saved: outlineNotes.has(String(req.query.saved)) ? String(req.query.saved) : null,
      account: req.actor!.id,
    });
  });

  web.get('/learn/:cohortId/lessons/:lessonId', requireLogin, async (req, res) => {
    const { cohortId, lessonId } = parseInput(lessonParams, req.params);
    const found = await studyLesson(req.actor!, cohortId, lessonId);
    // Pages a trainee opened stay readable offline (public/sw.js); they must not be shared caches'.
    res.set('Cache-Control', 'private, no-cache');
    res.render('programs/lesson', {
      title: found.lesson.title,
      ...found,
      base: `/learn/${cohortId}`,
      preview: false,
      study: {
        cohort: cohortId,
        account: req.actor!.id,
        completed: found.completed,
        completesBy: found.completesBy,
        resumeAt: found.resumeAt,
        progress: found.progress,
      },
    });
  });

  /** Without JavaScript (or as its fallback) the buttons post a form; the script sends the same event. */
  web.post('/learn/:cohortId/lessons/:lessonId/complete', requireLogin, async (req, res) => {
    const { cohortId, lessonId } = parseInput(lessonParams, req.params);
    const next = await completeLesson(req.actor!, cohortId, lessonId);
    // After the last lesson, the outline: what is done, and any lesson left behind, at a glance.
    res.redirect(303, next ? `/learn/${cohortId}/lessons/${next}` : `/learn/${cohortId}?saved=lastLesson`);
  });
  web.post('/learn/:cohortId/lessons/:lessonId/incomplete', requireLogin, async (req, res) => {
    const { cohortId, lessonId } = parseInput(lessonParams, req.params);
    await markIncomplete(req.actor!, cohortId, lessonId);
    res.redirect(303, `/learn/${cohortId}/lessons/${lessonId}`);
  });

  web.get('/learn/:cohortId/files/:fileId', requireLogin, async (req, res) => {
    const cohortId = param(req, 'cohortId');
    // Opening a PDF to read it in the browser (`?view=1`, the lesson page's "View") counts as having it, as a download does.
    const taken = Boolean(req.query.download || req.query.view);
    const fileId = await studyFile(req.actor!, cohortId, param(req, 'fileId'), taken);
    await files.sendRequestedFile(req, res, await files.findStoredFile(fileId));
  });

  // The service worker is served from the root so that it may keep /learn and /learning pages.
  web.get('/sw.js', (req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.type('application/javascript').send(assetsOf(req).serviceWorker()); // keeps today's asset URLs
  });

  // --- API ---------------------------------------------------------------------------------------
  const tally = z.object({ done: z.number(), total: z.number(), percent: z.number() });
  api.endpoint(
    {
      method: 'get',
      path: '/learning',
      summary: "The trainee's cohorts: status, progress per module and unit, next lesson, upcoming live classes and deadlines",
      tag: 'Learning',
      access: 'user',
      permission: 'enrolment.apply',
      response: z.object({
        cohorts: z.array(
          z.object({
            enrollment: z.string(),
            status: z.string(),
            cohort: z.object({ id: z.string(), name: z.string(), programTitle: z.string() }),
            progress: z
              .object({
                overall: tally,
                modules: z.array(tally.extend({ id: z.string(), title: z.string() })),
                units: z.array(tally.extend({ code: z.string(), title: z.object({ id: z.string(), en: z.string() }) })),
                next: z.object({ id: z.string(), title: z.string(), module: z.string() }).nullable(),
              })
              .nullable(),
            sessions: z.array(z.object({ start: z.string(), end: z.string() })),
            deadlines: z.array(z.object({ key: z.string(), date: z.string() })),
          }),
        ),
      }),
    },
    async ({ actor }) => ({
      cohorts: (await myLearning(actor)).map((card) => ({
        enrollment: card.enrollment.id,
        status: card.enrollment.status,
        cohort: { id: card.cohort.id, name: card.cohort.name, programTitle: card.cohort.programTitle },
        progress: card.progress,
        sessions: card.sessions.map((session) => ({ start: session.start.toISOString(), end: session.end.toISOString() })),
        deadlines: card.deadlines.map((deadline) => ({ key: deadline.key, date: deadline.date.toISOString() })),
      })),
    }),
  );
  const outlineLesson = z.object({
    id: z.string(),
    title: z.string(),
    estimatedMinutes: z.number(),
    done: z.boolean(),
    /** The lesson to continue with (the trainee's current position). */
    current: z.boolean(),
  });
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/outline',
      summary:
        "The cohort's course home for one of its trainees: modules and lessons in order with what is done, " +
        'the lesson to continue with, and the competency units covered (by which modules)',
      tag: 'Learning',
      access: 'user',
      response: z.object({
        cohort: z.object({
          id: z.string(),
          name: z.string(),
          programTitle: z.string(),
          startsOn: z.string(),
          endsOn: z.string(),
        }),
        program: z.object({ code: z.string(), title: z.string(), version: z.number() }),
        status: z.string(),
        progress: tally,
        next: z.object({ id: z.string(), title: z.string(), module: z.string() }).nullable(),
        /** Where in `next` to resume: seconds into its video, or the fraction of its text read; 0 from its start. */
        resume: z.number(),
        modules: z.array(
          tally.extend({
            id: z.string(),
            title: z.string(),
            hours: z.number(),
            units: z.array(z.string()),
            lessons: z.array(outlineLesson),
          }),
        ),
        units: z.array(
          tally.extend({ code: z.string(), title: z.object({ id: z.string(), en: z.string() }), modules: z.array(z.string()) }),
        ),
      }),
    },
    async ({ actor, params }) => {
      const { cohort, snapshot, status, outline } = await studyOutline(actor, String(params.id));
      return {
        cohort: {
          id: cohort.id,
          name: cohort.name,
          programTitle: cohort.programTitle || snapshot.title,
          startsOn: cohort.startsOn.toISOString(),
          endsOn: cohort.endsOn.toISOString(),
        },
        program: { code: snapshot.code, title: snapshot.title, version: cohort.version },
        status,
        progress: outline.overall,
        next: outline.next,
        resume: outline.resume,
        modules: outline.modules,
        units: outline.units,
      };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/progress',
      summary:
        'Record lesson progress (completions and positions) and list per event whether it is stored or refused for good; ' +
        'replaying the same events changes nothing. A database failure is answered 503: send the events again later',
      tag: 'Learning',
      access: 'user',
      permission: 'enrolment.apply',
      body: progressBatch,
      response: z.object({
        /** Stored now or before: the device forgets them. */
        stored: z.array(z.string()),
        /** Refused for good: the device forgets them, except those of another account (kept for their owner). */
        refused: z.array(z.object({ id: z.string(), reason: z.enum(progressRefusals), message: z.string() })),
        cohorts: z.array(tally.extend({ cohort: z.string(), completed: z.array(z.string()) })),
      }),
    },
    async ({ actor, body, req }) => {
      const { refused, ...result } = await recordProgress(actor, body.events, { sentAt: body.sentAt });
      return { ...result, refused: refused.map((entry) => ({ ...entry, message: req.t(`learning.refused.${entry.reason}`) })) };
    },
  );
}
