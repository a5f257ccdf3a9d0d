import type { Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { form, showForm } from '../platform/http/forms.js';
import { originOf } from '../platform/http/origin.js';
import { leaveNotice } from '../platform/session.js';
import { parseInput } from '../platform/validation.js';
import { requirePermission } from './passport.js';
import { passwordLinkRoutes } from './passwordLinkRoutes.js';
import {
  checkResetToken,
  issueResetLink,
  type PasswordResetDone,
  type ResetLinkCheck,
  resetLinkValidityMs,
  resetPasswordWithLink,
} from './passwordReset.js';
import { forgotSchema, openResetRequests, requestPasswordReset } from './passwordResetRequests.js';

const validityHours = resetLinkValidityMs / (60 * 60 * 1000);

/** Where the issue form was sent from, for the way back: the requests list or the account page. */
const issueForm = z.object({ from: z.enum(['requests', 'account']).default('account') });

/** Why the link does not work and how to get a new one: 404 for a bad link, 410 for a spent one. */
function showUnavailable(req: Request, res: Response, state: Exclude<ResetLinkCheck['state'], 'valid'>): void {
  res.status(state === 'invalid' ? 404 : 410).render('auth/resetUnavailable', {
    title: req.t('passwordReset.unavailable.title'),
    state,
    hours: validityHours,
  });
}

export function registerPasswordResetRoutes({ web, api, sessionSecret, secureCookie }: FeatureContext): void {
  // --- a trainee asks, from the login page -----------------------------------------------------
  const forgotLocals = (req: Request) => ({ title: req.t('passwordReset.forgot.title'), sent: req.query.sent === '1' });
  web.get('/password/forgot', showForm('auth/forgot', forgotLocals));
  web.post('/password/forgot', form('auth/forgot', forgotLocals), async (req, res) => {
    await requestPasswordReset(parseInput(forgotSchema, req.body), req.ip ?? 'unknown');
    // The same answer whether or not the account exists (see passwordResetRequests.ts).
    res.redirect(303, '/password/forgot?sent=1');
  });

  // --- staff: open requests, and issuing a link --------------------------------------------------
  web.get('/password-resets', requirePermission('user.resetPassword'), async (req, res) => {
    res.render('auth/resetRequests', {
      title: req.t('passwordReset.requests.title'),
      requests: await openResetRequests(req.actor!),
    });
  });
  web.post('/users/:id/password-reset-link', requirePermission('user.resetPassword'), async (req, res) => {
    const { from } = parseInput(issueForm, req.body);
    const issued = await issueResetLink(req.actor!, String(req.params.id), sessionSecret, originOf(req));
    // The page holds a working link to the account: never kept by a cache or the back button.
    res.set('Cache-Control', 'no-store');
    res.render('auth/resetLinkIssued', {
      title: req.t('passwordReset.issued.title'),
      issued,
      hours: validityHours,
      back: from === 'requests' ? '/password-resets' : `/users/${issued.account.id}`,
    });
  });
  api.endpoint(
    {
      method: 'post',
      path: '/users/{id}/password-reset-link',
      summary:
        "Issue a one-time password-reset link for an account (admins; coordinators: their centres' trainees). Replaces earlier links and closes the account's open request.",
      tag: 'Users',
      access: 'user',
      permission: 'user.resetPassword',
      response: z.object({
        link: z.string().describe(`works once, for ${validityHours} hours, and only until a newer link is issued`),
        expiresAt: z.string(),
        whatsapp: z.string().describe('a wa.me link with a prepared message, or empty when the account has no phone'),
      }),
      status: 201,
    },
    async ({ actor, params, req, res }) => {
      const issued = await issueResetLink(actor, String(params.id), sessionSecret, originOf(req));
      res.set('Cache-Control', 'no-store');
      return { link: issued.link, expiresAt: issued.expiresAt.toISOString(), whatsapp: issued.whatsapp };
    },
  );

  // --- using the link ----------------------------------------------------------------------------
  passwordLinkRoutes(
    web,
    { sessionSecret, secureCookie },
    {
      path: '/password/reset',
      view: 'auth/reset',
      titleKey: 'passwordReset.reset.title',
      check: checkResetToken,
      setPassword: resetPasswordWithLink,
      showUnavailable,
      done: async (req, result: PasswordResetDone) => {
        await leaveNotice(req, { key: 'account.passwordChanged', count: result.tokensRevoked });
        return '/profile';
      },
    },
  );
}
