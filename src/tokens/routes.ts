import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { deviceCookie, trustedDeviceOf } from '../auth/device.js';
import { authEpochOf, requireLogin } from '../auth/passport.js';
import { authenticate } from '../auth/service.js';
import { safeLocalPath } from '../home/routes.js';
import { form } from '../platform/http/forms.js';
import { parseInput } from '../platform/validation.js';
import { profileLocals } from '../users/routes.js';
import { toActor } from '../users/service.js';
import { createToken, listTokens, revokeToken } from './service.js';

const tokenName = z.string().trim().min(1).max(80);
const issueTokenSchema = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(128),
  name: tokenName.default('API'),
});
const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

export function registerTokenRoutes({ web, api, sessionSecret }: FeatureContext): void {
  api.endpoint(
    {
      method: 'post',
      path: '/auth/token',
      summary: 'Exchange an email and password for a bearer token (shown once)',
      tag: 'Authentication',
      access: 'public',
      body: issueTokenSchema,
      response: tokenView.extend({ token: z.string() }),
      status: 201,
    },
    async ({ body, req }) => {
      const source = {
        email: body.email,
        ip: req.ip ?? 'unknown',
        device: trustedDeviceOf(sessionSecret, body.email, req.cookies?.[deviceCookie]),
      };
      const { user, epoch } = await authenticate(body, source);
      return createToken(toActor(user), body.name, epoch);
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/auth/tokens',
      summary: 'Own tokens',
      tag: 'Authentication',
      access: 'user',
      response: z.array(tokenView),
    },
    async ({ actor }) => listTokens(actor, actor!.id),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/users/{id}/tokens',
      summary: "A user's tokens (the user and admins)",
      tag: 'Authentication',
      access: 'user',
      response: z.array(tokenView),
    },
    async ({ actor, params }) => listTokens(actor, String(params.id)),
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/auth/tokens/{id}',
      summary: 'Revoke a token (its owner and admins)',
      tag: 'Authentication',
      access: 'user',
    },
    async ({ actor, params }) => revokeToken(actor, String(params.id)),
  );

  // Pages: create on the profile page (the secret is shown once there), revoke from the profile
  // or, for admins, from the user's page.
  web.post('/profile/tokens', requireLogin, form('users/profile', profileLocals), async (req, res) => {
    const { tokenName: name } = parseInput(z.object({ tokenName }), req.body);
    const created = await createToken(req.actor!, name, authEpochOf(req));
    res.render('users/profile', { ...(await profileLocals(req)), newToken: created });
  });
  web.post('/tokens/:id/revoke', requireLogin, async (req, res) => {
    await revokeToken(req.actor!, String(req.params.id));
    res.redirect(303, safeLocalPath(req.body.next, '/profile'));
  });
}
