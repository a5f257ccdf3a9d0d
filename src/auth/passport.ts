import type { NextFunction, Request, Response } from 'express';
import mongoose from 'mongoose';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { type IVerifyOptions, Strategy as LocalStrategy } from 'passport-local';
import { isClientToken } from '../platform/api.js';
import { AppError, ForbiddenError, UnauthorizedError } from '../platform/errors.js';
import { type Action, authorize } from '../platform/permissions.js';
import { userForToken } from '../tokens/service.js';
import { newAccountSessionEpoch, User, type UserDoc } from '../users/model.js';
import type { UserView } from '../users/schemas.js';
import { sessionEpochOf, toActor, toUserView } from '../users/service.js';
import { deviceCookie, trustedDeviceOf } from './device.js';
import { authenticate, type SignedIn } from './service.js';

/**
 * What a session keeps of its user: the account id and the account's session epoch at login
 * (users/model.ts). Sessions from before epochs hold the id alone, with the first epoch.
 */
type SessionPrincipal = { id: string; epoch: string };

function principalOf(stored: unknown): SessionPrincipal | null {
  if (typeof stored === 'string') return { id: stored, epoch: newAccountSessionEpoch };
  const { id, epoch } = (stored ?? {}) as Partial<SessionPrincipal>;
  return typeof id === 'string' && typeof epoch === 'string' ? { id, epoch } : null;
}

/** Registers the strategies: local (email + password, throttled) and bearer tokens. */
export function configurePassport(sessionSecret: string): passport.PassportStatic {
  passport.use(
    new LocalStrategy({ usernameField: 'email', passReqToCallback: true }, (req, email, password, done) => {
      const source = {
        email,
        ip: req.ip ?? 'unknown',
        device: trustedDeviceOf(sessionSecret, email, req.cookies?.[deviceCookie]),
      };
      authenticate({ email, password }, source).then(
        // Read by the login route's own callback (auth/routes.ts), never stored as the user as is.
        (signedIn) => done(null, signedIn as unknown as Express.User),
        (error) => (error instanceof AppError ? done(null, false, { message: error.key, error } as IVerifyOptions) : done(error)),
      );
    }),
  );
  passport.use(
    new BearerStrategy((token, done) => {
      userForToken(token).then((signedIn) => done(null, signedIn ?? false), done);
    }),
  );
  // The epoch comes from the login that checked the password (logIn sets it), never from the
  // account as it is now: a login racing a password change must not get the new epoch.
  passport.serializeUser((req: Request, user: Express.User, done: (error: unknown, stored?: SessionPrincipal) => void) => {
    if (req.authEpoch === undefined) return done(new Error('Logging in without the epoch of the login'));
    done(null, { id: user.id, epoch: req.authEpoch });
  });
  passport.deserializeUser((req: Request, stored: unknown, done: (error: unknown, user?: Express.User | false) => void) => {
    const principal = principalOf(stored);
    if (!principal || !mongoose.isValidObjectId(principal.id)) return done(null, false);
    User.findById(principal.id)
      .lean<UserDoc>()
      .then((user) => {
        // A deactivated account, or sessions ended by a password change or "log out everywhere":
        // passport then drops the user from the session, and the request is anonymous.
        if (!user?.active || sessionEpochOf(user) !== principal.epoch) return done(null, false);
        req.authEpoch = principal.epoch;
        done(null, toUserView(user));
      }, done);
  });
  return passport;
}

/**
 * Resolves who is acting. A request with `Authorization: Bearer` is an API client: the token
 * decides, the session is ignored, and a bad token is a 401 rather than an anonymous request.
 */
export function resolveActor(req: Request, res: Response, next: NextFunction): void {
  const finish = () => {
    req.actor = req.user ? toActor(req.user as UserView) : null;
    res.locals.user = req.user ?? null;
    res.locals.actor = req.actor;
    next();
  };
  if (!/^Bearer\s/i.test(req.headers.authorization ?? '')) {
    finish();
    return;
  }
  // A machine client's token (a certification body's: platform/api.ts ClientAccess) is no user's:
  // the request acts as nobody, its session ignored, and the endpoint resolves the token itself.
  if (isClientToken((req.headers.authorization ?? '').replace(/^Bearer\s+/i, ''))) {
    req.user = undefined;
    req.authenticatedByToken = true;
    finish();
    return;
  }
  passport.authenticate('bearer', { session: false }, (error: unknown, signedIn: SignedIn | false) => {
    if (error) return next(error);
    if (!signedIn) return next(new UnauthorizedError('auth.token.invalid'));
    req.user = signedIn.user;
    req.authEpoch = signedIn.epoch;
    req.authenticatedByToken = true;
    finish();
  })(req, res, next);
}

/**
 * The session epoch the request's credentials carry (its session's or its token's), for what it
 * issues in turn (an API token): that dies with the credentials that made it.
 */
export function authEpochOf(req: Request): string {
  if (req.authEpoch === undefined) throw new UnauthorizedError();
  return req.authEpoch;
}

export function requireLogin(req: Request, _res: Response, next: NextFunction): void {
  next(req.actor ? undefined : new UnauthorizedError());
}

/** Coarse gate for a page or route: logged in, and the role may do this kind of thing at all. */
export function requirePermission(action: Action) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.actor) return next(new UnauthorizedError());
    try {
      authorize(req.actor, action);
      next();
    } catch {
      next(new ForbiddenError());
    }
  };
}

declare global {
  namespace Express {
    interface User extends UserView {}
    interface Request {
      authenticatedByToken?: boolean;
      /** The session epoch of the credentials that logged this request in (users/model.ts). */
      authEpoch?: string;
    }
  }
}
