import type { Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { form } from '../platform/http/forms.js';
import { type Language, languageCookie, translator } from '../platform/i18n.js';
import { parseInput } from '../platform/validation.js';
import { passwordField } from '../users/schemas.js';
import { checkFirstLoginToken, type FirstLoginCheck, setFirstPassword } from './firstLogin.js';
import { logIn } from './routes.js';

const welcomeSchema = z
  .object({ password: passwordField, passwordConfirm: z.string() })
  .refine((input) => input.password === input.passwordConfirm, {
    message: 'validation.passwordMismatch',
    path: ['passwordConfirm'],
  });

/**
 * The page of a first-login link speaks the account's language (Indonesian for accounts a bulk
 * enrolment made) unless the visitor chose one, or is logged in and has their own.
 */
function speakLanguageOf(req: Request, res: Response, language: Language | undefined): void {
  if (!language || req.actor || req.cookies?.[languageCookie]) return;
  req.language = language;
  req.t = translator(language);
  res.locals.lang = language;
  res.locals.t = req.t;
  res.setHeader('Content-Language', language);
}

function languageOf(check: FirstLoginCheck): Language | undefined {
  if (check.state === 'valid') return check.user.language as Language;
  return check.state === 'invalid' ? undefined : check.language;
}

/** Why the link does not work, and what to do instead: 404 for a bad link, 410 for a spent one. */
function showUnavailable(req: Request, res: Response, state: 'invalid' | 'expired' | 'used'): void {
  res.status(state === 'invalid' ? 404 : 410).render('auth/welcomeUnavailable', {
    title: req.t('welcome.unavailable.title'),
    state,
  });
}

export function registerFirstLoginRoutes({ web, sessionSecret, secureCookie }: FeatureContext): void {
  const token = (req: Request) => String(req.params.token);
  const formLocals = async (req: Request, res: Response) => {
    const check = await checkFirstLoginToken(sessionSecret, token(req));
    if (check.state !== 'valid') return { title: req.t('welcome.title'), account: null };
    speakLanguageOf(req, res, languageOf(check));
    return {
      title: req.t('welcome.title'),
      account: { name: check.user.name, email: check.user.email },
      expiresAt: check.expiresAt,
      action: `/welcome/${token(req)}`,
    };
  };

  web.get('/welcome/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const check = await checkFirstLoginToken(sessionSecret, token(req));
    speakLanguageOf(req, res, languageOf(check));
    if (check.state !== 'valid') return showUnavailable(req, res, check.state);
    res.render('auth/welcome', { ...(await formLocals(req, res)), values: {}, errors: {} });
  });

  web.post('/welcome/:token', form('auth/welcome', formLocals), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const check = await checkFirstLoginToken(sessionSecret, token(req));
    speakLanguageOf(req, res, languageOf(check));
    if (check.state !== 'valid') return showUnavailable(req, res, check.state);
    const { password } = parseInput(welcomeSchema, req.body);
    const result = await setFirstPassword(sessionSecret, token(req), password);
    if (result.state !== 'done') return showUnavailable(req, res, result.state);
    await logIn(req, res, result, sessionSecret, secureCookie);
    res.redirect(303, '/learning');
  });
}
