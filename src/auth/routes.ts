import type { NextFunction, Request, Response } from 'express';
import passport from 'passport';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { safeLocalPath } from '../home/routes.js';
import { AppError } from '../platform/errors.js';
import { form, showForm } from '../platform/http/forms.js';
import { leaveNotice, loggedInSessionMs, takeNotice } from '../platform/session.js';
import { parseInput } from '../platform/validation.js';
import { newAccountSessionEpoch } from '../users/model.js';
import { registerSchema } from '../users/schemas.js';
import { registerTrainee } from '../users/service.js';
import { logOutEverywhere } from './credentials.js';
import { deviceCookie, deviceCookieMaxAgeMs, rememberDevice } from './device.js';
import { requireLogin } from './passport.js';
import type { SignedIn } from './service.js';

const loginSchema = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(128) });

/**
 * Logs the user in (passport regenerates the session id) with the session epoch their
 * credentials were checked with, and remembers this device for the account.
 */
export function logIn(
  req: Request,
  res: Response,
  signedIn: SignedIn,
  sessionSecret: string,
  secureCookie: boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    req.authEpoch = signedIn.epoch; // what passport's serializeUser stores (passport.ts)
    req.logIn(signedIn.user, (error) => {
      if (error) return reject(error);
      req.session.cookie.maxAge = loggedInSessionMs;
      res.cookie(deviceCookie, rememberDevice(sessionSecret, signedIn.user.email, req.cookies?.[deviceCookie]), {
        maxAge: deviceCookieMaxAgeMs,
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookie,
      });
      resolve();
    });
  });
}

function logOut(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.logout((error) => (error ? reject(error) : resolve())));
}

export function registerAuthRoutes({ web, api, sessionSecret, secureCookie, liveConnections }: FeatureContext): void {
  const registerLocals = (req: Request) => ({ title: req.t('auth.register.title') });
  web.get('/register', showForm('auth/register', registerLocals));
  web.post('/register', form('auth/register', registerLocals), async (req, res) => {
    const input = parseInput(registerSchema, req.body);
    const user = await registerTrainee(input, req.language);
    await logIn(req, res, { user, epoch: newAccountSessionEpoch }, sessionSecret, secureCookie);
    res.redirect(303, '/dashboard?welcome=1');
  });

  const loginLocals = (req: Request) => ({
    title: req.t('auth.login.title'),
    next: safeLocalPath(req.query.next ?? req.body?.next, ''),
    notice: takeNotice(req),
  });
  web.get('/login', showForm('auth/login', loginLocals));
  web.post('/login', form('auth/login', loginLocals), (req: Request, res: Response, next: NextFunction) => {
    try {
      parseInput(loginSchema, req.body);
    } catch (error) {
      return next(error);
    }
    passport.authenticate('local', (error: unknown, signedIn: SignedIn | false, info?: { error?: AppError }) => {
      if (error) return next(error);
      if (!signedIn) return next(info?.error ?? new AppError(401, 'auth.login.failed'));
      logIn(req, res, signedIn, sessionSecret, secureCookie).then(
        () => res.redirect(303, safeLocalPath(req.body.next, '/dashboard')),
        next,
      );
    })(req, res, next);
  });

  web.post('/logout', async (req, res) => {
    // Read before logging out: the session is regenerated. Its open sockets (live classes) end too.
    const sessionId = req.sessionID;
    await logOut(req);
    liveConnections.disconnectSession(sessionId);
    res.redirect(303, '/');
  });

  // Every session of the account ends, this one too: "everywhere" then means what it says, and a
  // thief's session cannot have left a token behind, since every token ends as well. The login
  // page (a new visitor session) says what happened.
  web.post('/logout/everywhere', requireLogin, async (req, res) => {
    const { tokensRevoked } = await logOutEverywhere(req.actor!);
    await logOut(req);
    liveConnections.disconnectUser(req.actor!.id);
    await leaveNotice(req, { key: 'account.loggedOutEverywhere', count: tokensRevoked });
    res.redirect(303, '/login');
  });
  api.endpoint(
    {
      method: 'post',
      path: '/me/logout-everywhere',
      summary: 'End every session and every API token of the account, the calling one too',
      tag: 'Authentication',
      access: 'user',
      response: z.object({ tokensRevoked: z.number().int() }),
    },
    async ({ actor }) => {
      const { tokensRevoked } = await logOutEverywhere(actor!);
      liveConnections.disconnectUser(actor!.id);
      return { tokensRevoked };
    },
  );
}
