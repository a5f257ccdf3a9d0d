import type { Request, Response } from 'express';
import type { FeatureContext } from '../app.js';
import { checkFirstLoginToken, setFirstPassword } from './firstLogin.js';
import { passwordLinkRoutes } from './passwordLinkRoutes.js';

/** Why the link does not work, and what to do instead: 404 for a bad link, 410 for a spent one. */
function showUnavailable(req: Request, res: Response, state: 'invalid' | 'expired' | 'used'): void {
  res.status(state === 'invalid' ? 404 : 410).render('auth/welcomeUnavailable', {
    title: req.t('welcome.unavailable.title'),
    state,
  });
}

export function registerFirstLoginRoutes({ web, sessionSecret, secureCookie }: FeatureContext): void {
  passwordLinkRoutes(
    web,
    { sessionSecret, secureCookie },
    {
      path: '/welcome',
      view: 'auth/welcome',
      titleKey: 'welcome.title',
      check: checkFirstLoginToken,
      setPassword: setFirstPassword,
      showUnavailable,
      done: () => '/learning',
    },
  );
}
