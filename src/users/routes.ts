import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { changeOwnPassword } from '../auth/credentials.js';
import { requireLogin, requirePermission } from '../auth/passport.js';
import { logIn } from '../auth/routes.js';
import { institutionNames, listInstitutions } from '../institutions/service.js';
import { form, showForm } from '../platform/http/forms.js';
import { can, roles } from '../platform/permissions.js';
import { leaveNotice, takeNotice } from '../platform/session.js';
import { parseInput } from '../platform/validation.js';
import { listTokens } from '../tokens/service.js';
import {
  apiUpdateUserSchema,
  changePasswordSchema,
  createUserSchema,
  profileSchema,
  type UserView,
  updateUserSchema,
  userListQuery,
  userView,
} from './schemas.js';
import { createUser, getUser, listUsers, updateProfile, updateUser } from './service.js';

/** Roles the actor may give, for the role select; the service checks again. */
function assignableRoles(req: Request) {
  return roles.filter((role) => can(req.actor, 'user.create', { role, institution: req.actor?.institution ?? null }));
}

/** What the profile page shows besides the form values: the account and its API tokens. */
export async function profileLocals(req: Request) {
  return {
    title: req.t('profile.title'),
    profile: req.user,
    values: req.user,
    tokens: await listTokens(req.actor!, req.actor!.id),
    newToken: null,
  };
}

async function institutionChoices(req: Request) {
  return can(req.actor, 'institution.list') ? listInstitutions(req.actor!) : [];
}

export function registerUserRoutes({ web, api, sessionSecret, secureCookie, liveConnections }: FeatureContext): void {
  // A deactivated account's open live connections (sockets) end now, on every process, like its sessions.
  const endLiveIfInactive = (user: UserView) => {
    if (!user.active) liveConnections.disconnectUser(user.id);
    return user;
  };
  // --- own profile -------------------------------------------------------------------------
  web.get(
    '/profile',
    requireLogin,
    showForm('users/profile', async (req) => ({
      ...(await profileLocals(req)),
      saved: req.query.saved,
      notice: takeNotice(req),
    })),
  );
  web.post('/profile', requireLogin, form('users/profile', profileLocals), async (req, res) => {
    await updateProfile(req.actor!, parseInput(profileSchema, req.body));
    res.redirect(303, '/profile?saved=profile');
  });
  // Every other session and API token of the account ends; this session goes on, renewed (a new
  // id) with the account's new epoch, and the page says what was ended.
  web.post('/profile/password', requireLogin, form('users/profile', profileLocals), async (req, res) => {
    const { epoch, tokensRevoked } = await changeOwnPassword(req.actor!, parseInput(changePasswordSchema, req.body));
    // The other sessions' live connections end with them (this browser's live pages reconnect on reload).
    liveConnections.disconnectUser(req.actor!.id);
    await logIn(req, res, { user: req.user!, epoch }, sessionSecret, secureCookie);
    await leaveNotice(req, { key: 'account.passwordChanged', count: tokensRevoked });
    res.redirect(303, '/profile');
  });

  // --- managing accounts (admins; coordinators in their institution) ------------------------
  web.get('/users', requirePermission('user.list'), async (req, res) => {
    const query = parseInput(userListQuery, req.query);
    const [result, names] = await Promise.all([listUsers(req.actor!, query), institutionNames()]);
    res.render('users/list', { title: req.t('users.title'), ...result, query, institutionNames: names });
  });

  const newUserLocals = async (req: Request) => ({
    title: req.t('users.new.title'),
    roleChoices: assignableRoles(req),
    institutions: await institutionChoices(req),
  });
  web.get(
    '/users/new',
    requirePermission('user.create'),
    showForm('users/new', async (req) => ({ ...(await newUserLocals(req)), values: { institution: req.actor!.institution } })),
  );
  web.post('/users', requirePermission('user.create'), form('users/new', newUserLocals), async (req, res) => {
    const user = await createUser(req.actor!, parseInput(createUserSchema, req.body));
    res.redirect(303, `/users/${user.id}?saved=created`);
  });

  const editUserLocals = async (req: Request) => {
    const account = await getUser(req.actor!, String(req.params.id));
    return {
      title: account.name,
      account,
      values: account,
      roleChoices: assignableRoles(req),
      institutions: await institutionChoices(req),
      tokens: can(req.actor, 'token.manage', { owner: account.id }) ? await listTokens(req.actor!, account.id) : null,
      saved: req.query.saved,
    };
  };
  web.get('/users/:id', requirePermission('user.view'), showForm('users/edit', editUserLocals));
  web.post('/users/:id', requirePermission('user.update'), form('users/edit', editUserLocals), async (req, res) => {
    const user = endLiveIfInactive(await updateUser(req.actor!, String(req.params.id), parseInput(updateUserSchema, req.body)));
    res.redirect(303, `/users/${user.id}?saved=updated`);
  });

  // --- JSON API ----------------------------------------------------------------------------
  api.endpoint(
    { method: 'get', path: '/me', summary: 'The logged-in user', tag: 'Users', access: 'user', response: userView },
    async ({ req }) => req.user,
  );
  api.endpoint(
    {
      method: 'patch',
      path: '/me',
      summary: 'Update own profile',
      tag: 'Users',
      access: 'user',
      body: profileSchema,
      response: userView,
    },
    async ({ actor, body }) => updateProfile(actor!, body),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/users',
      summary: 'List accounts the caller may manage',
      tag: 'Users',
      access: 'user',
      permission: 'user.list',
      query: userListQuery,
      response: z.object({ users: z.array(userView), total: z.number(), page: z.number(), pages: z.number() }),
    },
    async ({ actor, query }) => listUsers(actor, query),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/users',
      summary: 'Create an account (admins; coordinators: instructors and trainees of their institution)',
      tag: 'Users',
      access: 'user',
      permission: 'user.create',
      body: createUserSchema,
      response: userView,
      status: 201,
    },
    async ({ actor, body }) => createUser(actor, body),
  );
  api.endpoint(
    { method: 'get', path: '/users/{id}', summary: 'One account', tag: 'Users', access: 'user', response: userView },
    async ({ actor, params }) => getUser(actor, String(params.id)),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/users/{id}',
      summary: 'Change an account: name, role, institution, active',
      tag: 'Users',
      access: 'user',
      permission: 'user.update',
      body: apiUpdateUserSchema,
      response: userView,
    },
    async ({ actor, params, body }) => endLiveIfInactive(await updateUser(actor, String(params.id), body)),
  );
}
