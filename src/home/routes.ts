import type { FeatureContext } from '../app.js';
import { requireLogin } from '../auth/passport.js';
import { languageCookie } from '../platform/i18n.js';
import { parseInput } from '../platform/validation.js';
import { languageSchema } from '../users/schemas.js';
import { setLanguage } from '../users/service.js';
import { dashboardFor } from './service.js';

const oneYearMs = 365 * 24 * 60 * 60 * 1000;

/** Only paths on this site, so a crafted link cannot send a user elsewhere after a form. */
export function safeLocalPath(value: unknown, fallback = '/'): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : fallback;
}

export function registerHomeRoutes({ web, api, secureCookie }: FeatureContext): void {
  web.get('/', (req, res) => {
    res.render('home/landing', { title: req.t('landing.title') });
  });

  web.get('/dashboard', requireLogin, async (req, res) => {
    const dashboard = await dashboardFor(req.actor!);
    res.render('home/dashboard', { title: req.t('dashboard.title'), dashboard, welcome: req.query.welcome === '1' });
  });

  web.post('/language', async (req, res) => {
    const { language } = parseInput(languageSchema, req.body);
    res.cookie(languageCookie, language, { maxAge: oneYearMs, httpOnly: true, sameSite: 'lax', secure: secureCookie });
    if (req.actor) await setLanguage(req.actor, language);
    res.redirect(303, safeLocalPath(req.body.next));
  });

  web.get('/api/docs', (req, res) => {
    res.render('home/apiDocs', { title: req.t('apiDocs.title'), document: api.openapiDocument() });
  });
}
