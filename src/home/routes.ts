import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FeatureContext } from '../app.js';
import { requireLogin } from '../auth/passport.js';
import { traineeLive } from '../live/service.js';
import { NotFoundError } from '../platform/errors.js';
import { audiences } from '../platform/highlights.js';
import { languageCookie } from '../platform/i18n.js';
import { renderMarkdown } from '../platform/markdown.js';
import { projectRoot } from '../platform/paths.js';
import { parseInput } from '../platform/validation.js';
import { dueSurveysFor } from '../tracer/service.js';
import { languageSchema } from '../users/schemas.js';
import { setLanguage } from '../users/service.js';
import { dashboardFor } from './service.js';

const oneYearMs = 365 * 24 * 60 * 60 * 1000;
/** The documents of docs/ that are served as pages; a fixed list, so no path reaches elsewhere. */
const documents = ['competency-units'];

/** Only paths on this site, so a crafted link cannot send a user elsewhere after a form. */
export function safeLocalPath(value: unknown, fallback = '/'): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : fallback;
}

export function registerHomeRoutes({ web, api, secureCookie, highlights }: FeatureContext): void {
  web.get('/', (req, res) => {
    const lines = Object.fromEntries(audiences.map((audience) => [audience, highlights.of(audience)]));
    res.render('home/landing', { title: req.t('landing.title'), audiences, lines });
  });

  web.get('/dashboard', requireLogin, async (req, res) => {
    const dashboard = await dashboardFor(req.actor!);
    const live = await traineeLive(req.actor!); // a trainee's next live classes, reminders and changes
    const tracerDue = await dueSurveysFor(req.actor!); // a graduate's employment surveys waiting for an answer
    res.render('home/dashboard', {
      title: req.t('dashboard.title'),
      dashboard,
      live,
      tracerDue,
      welcome: req.query.welcome === '1',
    });
  });

  web.post('/language', async (req, res) => {
    const { language } = parseInput(languageSchema, req.body);
    res.cookie(languageCookie, language, { maxAge: oneYearMs, httpOnly: true, sameSite: 'lax', secure: secureCookie });
    if (req.actor) await setLanguage(req.actor, language);
    res.redirect(303, safeLocalPath(req.body.next));
  });

  // The format documents in docs/, readable in the app (linked from the import pages).
  web.get('/docs/:name', async (req, res) => {
    const name = String(req.params.name);
    if (!documents.includes(name)) throw new NotFoundError();
    const markdown = await readFile(path.join(projectRoot, 'docs', `${name}.md`), 'utf8');
    res.render('home/document', { title: markdown.split('\n')[0]?.replace(/^#\s*/, ''), html: renderMarkdown(markdown) });
  });

  web.get('/api/docs', (req, res) => {
    res.render('home/apiDocs', { title: req.t('apiDocs.title'), document: api.openapiDocument() });
  });
}
