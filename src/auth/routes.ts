import type { NextFunction, Request, Response } from 'express';
import passport from 'passport';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { safeLocalPath } from '../home/routes.js';
import { AppError } from '../platform/errors.js';
import { form, showForm } from '../platform/http/forms.js';
import { loggedInSessionMs } from '../platform/session.js';
import { parseInput } from '../platform/validation.js';
import { registerSchema, type UserView } from '../users/schemas.js';
import { registerTrainee } from '../users/service.js';
import { deviceCookie } from './passport.js';
import { deviceProof } from './service.js';

const loginSchema = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(128) });
const deviceCookieMaxAgeMs = 180 * 24 * 60 * 60 * 1000;

/** Logs the user in (passport regenerates the session id) and remembers this device. */
export function logIn(req: Request, res: Response, user: UserView, sessionSecret: string, secureCookie: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    req.logIn(user, (error) => {
      if (error) return reject(error);
      req.session.cookie.maxAge = loggedInSessionMs;
      res.cookie(deviceCookie, deviceProof(sessionSecret, user.email), {
        maxAge: deviceCookieMaxAgeMs,
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookie,
      });
      resolve();
    });
  });
}

export function registerAuthRoutes({ web, sessionSecret, secureCookie }: FeatureContext): void {
  const registerLocals = (req: Request) => ({ title: req.t('auth.register.title') });
  web.get('/register', showForm('auth/register', registerLocals));
  web.post('/register', form('auth/register', registerLocals), async (req, res) => {
    const input = parseInput(registerSchema, req.body);
    const user = await registerTrainee(input, req.language);
    await logIn(req, res, user, sessionSecret, secureCookie);
    res.redirect(303, '/dashboard?welcome=1');
  });

  const loginLocals = (req: Request) => ({
    title: req.t('auth.login.title'),
    next: safeLocalPath(req.query.next ?? req.body?.next, ''),
  });
  web.get('/login', showForm('auth/login', loginLocals));
  web.post('/login', form('auth/login', loginLocals), (req: Request, res: Response, next: NextFunction) => {
    try {
      parseInput(loginSchema, req.body);
    } catch (error) {
      return next(error);
    }
    passport.authenticate('local', (error: unknown, user: UserView | false, info?: { error?: AppError }) => {
      if (error) return next(error);
      if (!user) return next(info?.error ?? new AppError(401, 'auth.login.failed'));
      logIn(req, res, user, sessionSecret, secureCookie).then(
        () => res.redirect(303, safeLocalPath(req.body.next, '/dashboard')),
        next,
      );
    })(req, res, next);
  });

  web.post('/logout', (req, res, next) => {
    req.logout((error) => {
      if (error) return next(error);
      res.redirect(303, '/');
    });
  });
}
