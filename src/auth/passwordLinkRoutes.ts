import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { form } from '../platform/http/forms.js';
import { type Language, languageCookie, translator } from '../platform/i18n.js';
import { parseInput } from '../platform/validation.js';
import type { UserDoc } from '../users/model.js';
import { passwordField } from '../users/schemas.js';
import { logIn } from './routes.js';
import type { SignedIn } from './service.js';

const newPasswordSchema = z
  .object({ password: passwordField, passwordConfirm: z.string() })
  .refine((input) => input.password === input.passwordConfirm, {
    message: 'validation.passwordMismatch',
    path: ['passwordConfirm'],
  });

/** What a signed link (signedLink.ts) is worth now: usable, or why not (S) in the account's language. */
type ValidLink = { state: 'valid'; user: UserDoc; expiresAt: Date };
type LinkCheck<S extends string> = ValidLink | { state: S; language?: Language };
type Unavailable<S extends string> = { state: S };
type PasswordSet = { state: 'done' } & SignedIn;

/** A kind of link that lets its holder set the account's password (first login, password reset). */
export type PasswordLink<S extends string, Done extends PasswordSet> = {
  /** The page's path; the token follows it: `${path}/:token`. */
  path: string;
  /** The form's view: gets title, account ({ name, email } or null), expiresAt and action. */
  view: string;
  titleKey: string;
  check: (secret: string, token: string) => Promise<LinkCheck<S>>;
  setPassword: (secret: string, token: string, password: string) => Promise<Done | Unavailable<S>>;
  /** Says why the link does not work and what to do instead. */
  showUnavailable: (req: Request, res: Response, state: S) => void;
  /** Once the password is set and the browser logged in: leaves any notice, and says where to go. */
  done: (req: Request, result: Done) => string | Promise<string>;
};

const isValid = <S extends string>(check: LinkCheck<S>): check is ValidLink => check.state === 'valid';
const isSet = <S extends string, Done extends PasswordSet>(result: Done | Unavailable<S>): result is Done =>
  result.state === 'done';

/**
 * The page of a link speaks the account's language (Indonesian for accounts a bulk enrolment
 * made) unless the visitor chose one, or is logged in and has their own.
 */
function speakLanguageOf(req: Request, res: Response, check: LinkCheck<string>): void {
  const language = isValid(check) ? (check.user.language as Language) : check.language;
  if (!language || req.actor || req.cookies?.[languageCookie]) return;
  req.language = language;
  req.t = translator(language);
  res.locals.lang = language;
  res.locals.t = req.t;
  res.setHeader('Content-Language', language);
}

/**
 * GET and POST `${path}/:token`: the form to choose a password, and setting it, which logs the
 * browser in. Never cached: the page is a working way into the account.
 */
export function passwordLinkRoutes<S extends string, Done extends PasswordSet>(
  web: Router,
  { sessionSecret, secureCookie }: { sessionSecret: string; secureCookie: boolean },
  link: PasswordLink<S, Done>,
): void {
  const token = (req: Request) => String(req.params.token);
  const pageLocals = (req: Request, check: LinkCheck<S>) => ({
    title: req.t(link.titleKey),
    account: isValid(check) ? { name: check.user.name, email: check.user.email } : null,
    expiresAt: isValid(check) ? check.expiresAt : null,
    action: `${link.path}/${token(req)}`,
  });
  /** The link checked now, with the page switched to the account's language. */
  const checked = async (req: Request, res: Response) => {
    const check = await link.check(sessionSecret, token(req));
    speakLanguageOf(req, res, check);
    return check;
  };

  web.get(`${link.path}/:token`, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const check = await checked(req, res);
    if (!isValid(check)) return link.showUnavailable(req, res, check.state);
    res.render(link.view, { ...pageLocals(req, check), values: {}, errors: {} });
  });

  const formLocals = async (req: Request, res: Response) => pageLocals(req, await checked(req, res));
  web.post(`${link.path}/:token`, form(link.view, formLocals), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const check = await checked(req, res);
    if (!isValid(check)) return link.showUnavailable(req, res, check.state);
    const { password } = parseInput(newPasswordSchema, req.body);
    const result = await link.setPassword(sessionSecret, token(req), password);
    if (!isSet(result)) return link.showUnavailable(req, res, result.state);
    await logIn(req, res, result, sessionSecret, secureCookie);
    res.redirect(303, await link.done(req, result));
  });
}
