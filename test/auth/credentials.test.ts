import { expect } from 'chai';
import supertest from 'supertest';
import { authenticate } from '../../src/auth/service.js';
import { ApiToken } from '../../src/tokens/model.js';
import { createToken } from '../../src/tokens/service.js';
import { changePassword, toActor } from '../../src/users/service.js';
import { type Agent, buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

describe('ending sessions and tokens', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  /** A second app on the same database: another process behind the load balancer. */
  let otherProcess: ReturnType<typeof buildTestApp>;
  before(() => {
    app = buildTestApp();
    otherProcess = buildTestApp();
  });

  async function issueToken(email: string, password: string, name = 'skrip') {
    const response = await supertest(app).post('/api/v1/auth/token').send({ email, password, name });
    expect(response.status).to.equal(201);
    return response.body.token as string;
  }
  const me = (token: string) => supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
  const isLoggedIn = async (agent: Agent) => (await agent.get('/profile')).status === 200;

  it('ends every other session and every API token when the password changes, keeps this one, and says so', async () => {
    const user = await makeUser('trainee');
    const here = await loggedInAgent(app, user.email, user.password);
    const phone = await loggedInAgent(app, user.email, user.password);
    const labComputer = await loggedInAgent(otherProcess, user.email, user.password);
    const tokens = [await issueToken(user.email, user.password, 'ponsel'), await issueToken(user.email, user.password, 'LSP')];
    for (const token of tokens) expect((await me(token)).status).to.equal(200);

    const changed = await submitForm(here, '/profile/password', {
      currentPassword: user.password,
      newPassword: 'baru-sekali-123',
      newPasswordConfirm: 'baru-sekali-123',
    });
    expect(changed.status).to.equal(303);

    const profile = await here.get(String(changed.headers.location));
    expect(profile.status).to.equal(200);
    expect(profile.text).to.contain(
      'Kata sandi diganti. Akun ini sudah dikeluarkan dari semua perangkat lain, dan 2 token API dicabut.',
    );
    expect(profile.text).to.contain('Belum ada token.');
    // Shown once: the next visit of the profile does not repeat it.
    expect((await here.get('/profile')).text).not.to.contain('Kata sandi diganti.');

    expect(await isLoggedIn(here), 'the session that changed the password').to.equal(true);
    const onPhone = await phone.get('/profile');
    expect(onPhone.status).to.equal(302);
    expect(onPhone.headers.location).to.equal('/login?next=%2Fprofile');
    expect(await isLoggedIn(labComputer), 'a session made by another process').to.equal(false);
    for (const token of tokens) {
      const rejected = await me(token);
      expect(rejected.status).to.equal(401);
      expect(rejected.body.detail).to.equal('Token akses tidak berlaku atau sudah dicabut.');
    }
    expect(await ApiToken.countDocuments({ user: user.id })).to.equal(0);

    // The new password works everywhere, and new tokens work.
    await loggedInAgent(app, user.email, 'baru-sekali-123');
    expect((await me(await issueToken(user.email, 'baru-sekali-123'))).status).to.equal(200);
  });

  it('tells the user in English too, and ends no session when the current password is wrong', async () => {
    const user = await makeUser('instructor');
    const here = await loggedInAgent(app, user.email, user.password);
    const other = await loggedInAgent(app, user.email, user.password);
    const token = await issueToken(user.email, user.password);
    await submitForm(here, '/profile', { name: 'Ibu Instruktur', phone: '', province: '', language: 'en' });

    const wrong = await submitForm(here, '/profile/password', {
      currentPassword: 'bukan-ini',
      newPassword: 'baru-sekali-123',
      newPasswordConfirm: 'baru-sekali-123',
    });
    expect(wrong.status).to.equal(422);
    expect(await isLoggedIn(other)).to.equal(true);
    expect((await me(token)).status).to.equal(200);

    const changed = await submitForm(here, '/profile/password', {
      currentPassword: user.password,
      newPassword: 'baru-sekali-123',
      newPasswordConfirm: 'baru-sekali-123',
    });
    const profile = await here.get(String(changed.headers.location));
    expect(profile.text).to.contain(
      'Password changed. This account was logged out on every other device, and 1 API token was revoked.',
    );
    expect(await isLoggedIn(other)).to.equal(false);
  });

  it('does not let a token asked for with the old password outlive the change, even if issued just after it', async () => {
    const user = await makeUser('trainee');
    // POST /auth/token checked the old password just before it was changed, and stores its token just after.
    const checked = await authenticate(
      { email: user.email, password: user.password },
      { email: user.email, ip: '10.7.7.7', device: null },
    );
    await changePassword(toActor(checked.user), {
      currentPassword: user.password,
      newPassword: 'baru-sekali-123',
      newPasswordConfirm: 'baru-sekali-123',
    });
    const late = await createToken(toActor(checked.user), 'terlambat', checked.epoch);
    expect((await me(late.token)).status).to.equal(401);
  });

  it('logs out everywhere from the profile: every session, this one too, and every token', async () => {
    const user = await makeUser('coordinator');
    const here = await loggedInAgent(app, user.email, user.password);
    const phone = await loggedInAgent(otherProcess, user.email, user.password);
    const token = await issueToken(user.email, user.password);

    const profile = await here.get('/profile');
    expect(profile.text).to.match(/<form method="post" action="\/logout\/everywhere"[^>]*>\s*<input type="hidden" name="_csrf"/);
    const withoutToken = await here.post('/logout/everywhere').type('form').send({});
    expect(withoutToken.status).to.equal(403);
    expect(await isLoggedIn(phone)).to.equal(true);

    const ended = await submitForm(here, '/logout/everywhere', {});
    expect(ended.status).to.equal(303);
    expect(ended.headers.location).to.equal('/login');
    const login = await here.get('/login');
    expect(login.text).to.contain('Anda sudah keluar dari semua perangkat, dan 1 token API dicabut.');

    expect(await isLoggedIn(here)).to.equal(false);
    expect(await isLoggedIn(phone)).to.equal(false);
    expect((await me(token)).status).to.equal(401);
    // Logging in again works, on any browser.
    expect(await isLoggedIn(await loggedInAgent(app, user.email, user.password))).to.equal(true);
  });

  it('logs out everywhere through the API, the calling token too', async () => {
    const user = await makeUser('trainee');
    const browser = await loggedInAgent(app, user.email, user.password);
    const caller = await issueToken(user.email, user.password, 'aplikasi');
    const other = await issueToken(user.email, user.password, 'lain');

    const ended = await supertest(app).post('/api/v1/me/logout-everywhere').set('Authorization', `Bearer ${caller}`);
    expect(ended.status).to.equal(200);
    expect(ended.body).to.deep.equal({ tokensRevoked: 2 });
    expect(await isLoggedIn(browser)).to.equal(false);
    expect((await me(caller)).status).to.equal(401);
    expect((await me(other)).status).to.equal(401);

    const anonymous = await supertest(app).post('/api/v1/me/logout-everywhere');
    expect(anonymous.status).to.equal(401);
  });
});
