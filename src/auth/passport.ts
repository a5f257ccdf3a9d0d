import type { NextFunction, Request, Response } from 'express';
import mongoose from 'mongoose';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { type IVerifyOptions, Strategy as LocalStrategy } from 'passport-local';
import { AppError, ForbiddenError, UnauthorizedError } from '../platform/errors.js';
import { type Action, authorize } from '../platform/permissions.js';
import { userForToken } from '../tokens/service.js';
import { User, type UserDoc } from '../users/model.js';
import type { UserView } from '../users/schemas.js';
import { toActor, toUserView } from '../users/service.js';
import { authenticate, isTrustedDevice } from './service.js';

export const deviceCookie = 'kompeten.device';

/** Registers the strategies: local (email + password, throttled) and bearer tokens. */
export function configurePassport(sessionSecret: string): passport.PassportStatic {
  passport.use(
    new LocalStrategy({ usernameField: 'email', passReqToCallback: true }, (req, email, password, done) => {
      const source = {
        email,
        ip: req.ip ?? 'unknown',
        trustedDevice: isTrustedDevice(sessionSecret, email, req.cookies?.[deviceCookie]),
      };
      authenticate({ email, password }, source).then(
        (user) => done(null, user),
        (error) => (error instanceof AppError ? done(null, false, { message: error.key, error } as IVerifyOptions) : done(error)),
      );
    }),
  );
  passport.use(
    new BearerStrategy((token, done) => {
      userForToken(token).then((user) => done(null, user ?? false), done);
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as UserView).id));
  passport.deserializeUser((id: string, done) => {
    if (!mongoose.isValidObjectId(id)) return done(null, false);
    User.findById(id)
      .lean<UserDoc>()
      .then((user) => done(null, user?.active ? toUserView(user) : false), done);
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
  passport.authenticate('bearer', { session: false }, (error: unknown, user: UserView | false) => {
    if (error) return next(error);
    if (!user) return next(new UnauthorizedError('auth.token.invalid'));
    req.user = user;
    req.authenticatedByToken = true;
    finish();
  })(req, res, next);
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
    }
  }
}
