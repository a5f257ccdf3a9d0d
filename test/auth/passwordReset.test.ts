import { expect } from 'chai';
import supertest from 'supertest';
import { firstLoginToken } from '../../src/auth/firstLogin.js';
import { issueResetLink, resetLinkValidityMs, resetRecordLifetimeMs } from '../../src/auth/passwordReset.js';
import { PasswordReset } from '../../src/auth/passwordResetModel.js';
import { deleteStalePasswordResets, forgotSchema, requestPasswordReset } from '../../src/auth/passwordResetRequests.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { LoginFailure } from '../../src/auth/throttle.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { User } from '../../src/users/model.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent, submitForm, testSessionSecret } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

const origin = 'http://kompeten.test';
const hourMs = 60 * 60 * 1000;
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);
const resetPath = (token: string) => `/password/reset/${token}`;

/** The link an issue page shows in its read-only text field. */
function linkOnPage(html: string): string {
  const match = /id="reset-link" type="text" value="(http[^"]+\/password\/reset\/[\w-]{64})"/.exec(html);
  expect(match, html.slice(0, 2000)).not.to.equal(null);
  return match![1]!;
}

async function chooseNewPassword(agent: Agent, token: string, password: string, confirm = password) {
  const _csrf = await csrfTokenOf(agent, '/login');
  return agent.post(resetPath(token)).type('form').send({ _csrf, password, passwordConfirm: confirm });
}

async function passwordIs(id: string, password: string): Promise<boolean> {
  const user = await User.findById(id).select('+passwordHash').lean();
  return verifyPassword(user?.passwordHash, password);
}

/** Asks for a reset on the login page's form, as a visitor; returns the answer after the redirect. */
let sharedApp: ReturnType<typeof buildTestApp>;
async function askForReset(contact: string, language = 'id') {
  const agent = supertest.agent(sharedApp);
  const posted = await submitForm(agent, '/password/forgot', { contact }, language);
  const page = posted.status === 303 ? await agent.get(posted.headers.location!).set('Accept-Language', language) : posted;
  return { posted, page };
}

describe('password reset', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  sharedApp = app;
  let setup: Awaited<ReturnType<typeof makeCohortSetup>>;
  let otherCoordinator: Awaited<ReturnType<typeof makeUser>>;
  let admin: Awaited<ReturnType<typeof makeUser>>;

  before(async () => {
    setup = await makeCohortSetup();
    otherCoordinator = await makeUser('coordinator', (await makeInstitution({ name: 'BLK Lain' })).id);
    admin = await makeUser('admin');
  });
  // Every test asks from the same network address: each starts with a fresh throttle.
  beforeEach(() => LoginFailure.deleteMany({ key: /^reset-/ }, { comment: 'scan: test clean-up' }));

  it('lets a coordinator issue a link for their trainee, which sets the password, logs in and ends every other session and token', async () => {
    const trainee = await makeUser('trainee', setup.institution, { name: 'Rina Lupa' });
    await User.updateOne({ _id: trainee.id }, { $set: { phone: '+6281234567890' } });
    const before = await loggedInAgent(app, trainee.email, trainee.password);
    const apiToken = (await supertest(app).post('/api/v1/auth/token').send({ email: trainee.email, password: trainee.password }))
      .body.token as string;
    expect((await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${apiToken}`)).status).to.equal(200);

    const coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const account = await coordinator.get(`/users/${trainee.id}`);
    expect(account.text).to.contain('Buat tautan atur ulang kata sandi');
    const issued = await submitForm(coordinator, `/users/${trainee.id}/password-reset-link`, {});
    expect(issued.status).to.equal(200);
    expect(issued.headers['cache-control']).to.contain('no-store');
    expect(issued.text).to.contain('berlaku 24 jam');
    expect(issued.text).to.contain('Jangan bagikan tautan ini di grup');
    expect(issued.text).to.match(/href="https:\/\/wa\.me\/6281234567890\?text=Halo%20Rina%20Lupa/);
    const link = linkOnPage(issued.text);

    const owner = supertest.agent(app);
    const form = await owner.get(resetPath(tokenOf(link)));
    expect(form.status).to.equal(200);
    expect(form.text).to.contain('Buat kata sandi baru');
    expect(form.text).to.contain(trainee.email);
    const short = await chooseNewPassword(owner, tokenOf(link), 'pendek');
    expect(short.status).to.equal(422);
    expect(short.text).to.contain('Minimal 8 karakter.');
    const mismatch = await chooseNewPassword(owner, tokenOf(link), 'sandi-baru-rina', 'sandi-lain-rina');
    expect(mismatch.status).to.equal(422);
    expect(mismatch.text).to.contain('Kata sandi tidak sama.');

    const done = await chooseNewPassword(owner, tokenOf(link), 'sandi-baru-rina');
    expect(done.status).to.equal(303);
    expect(done.headers.location).to.equal('/profile');
    const profile = await owner.get('/profile');
    expect(profile.status).to.equal(200);
    expect(profile.text).to.contain('Kata sandi diganti');
    expect(profile.text).to.contain('1 token API dicabut');
    // The session from before and the API token are over; the old password is too.
    const stale = await before.get('/dashboard');
    expect(stale.status).to.equal(302);
    expect(stale.headers.location).to.match(/^\/login/);
    expect((await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${apiToken}`)).status).to.equal(401);
    expect(
      (await submitForm(supertest.agent(app), '/login', { email: trainee.email, password: trainee.password })).status,
    ).to.equal(401);
    expect(await passwordIs(trainee.id, 'sandi-baru-rina')).to.equal(true);

    // Used once: the second time it says so, and cannot set the password again.
    const again = await supertest(app).get(resetPath(tokenOf(link)));
    expect(again.status).to.equal(410);
    expect(again.text).to.contain('Tautan ini sudah dipakai');
    const replay = await chooseNewPassword(supertest.agent(app), tokenOf(link), 'diambil-alih-123');
    expect(replay.status).to.equal(410);
    expect(await passwordIs(trainee.id, 'diambil-alih-123')).to.equal(false);
  });

  it('is refused to coordinators of other centres, instructors and trainees; admins may issue for anyone', async () => {
    const trainee = await makeUser('trainee', setup.institution);
    const otherTrainee = await makeUser('trainee', setup.institution);
    const path = `/users/${trainee.id}/password-reset-link`;
    for (const actor of [otherCoordinator, setup.instructorUser, otherTrainee]) {
      const agent = await loggedInAgent(app, actor.email, actor.password);
      const response = await submitForm(agent, path, {});
      expect(response.status, actor.email).to.equal(403);
      expect(response.text).not.to.contain('/password/reset/');
      const api = (await supertest(app).post('/api/v1/auth/token').send({ email: actor.email, password: actor.password })).body
        .token;
      expect((await supertest(app).post(`/api/v1${path}`).set('Authorization', `Bearer ${api}`)).status).to.equal(403);
    }
    const adminAgent = await loggedInAgent(app, admin.email, admin.password);
    expect((await submitForm(adminAgent, path, {})).status).to.equal(200);
    const coordinatorToken = (
      await supertest(app)
        .post('/api/v1/auth/token')
        .send({ email: setup.coordinatorUser.email, password: setup.coordinatorUser.password })
    ).body.token;
    const viaApi = await supertest(app).post(`/api/v1${path}`).set('Authorization', `Bearer ${coordinatorToken}`);
    expect(viaApi.status).to.equal(201);
    expect(viaApi.body.link).to.match(/\/password\/reset\/[\w-]{64}$/);
    expect(viaApi.body.whatsapp).to.equal('');
    // Coordinators help trainees only: not a fellow coordinator or an instructor of their centre.
    const coordinatorAgent = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    expect((await submitForm(coordinatorAgent, `/users/${setup.instructorUser.id}/password-reset-link`, {})).status).to.equal(
      403,
    );
  });

  it('tells an expired, altered, replaced or deactivated link apart, in the account language', async () => {
    const trainee = await makeUser('trainee', setup.institution);
    const coordinator: Actor = setup.coordinator;
    const old = await issueResetLink(
      coordinator,
      trainee.id,
      testSessionSecret,
      origin,
      Date.now() - resetLinkValidityMs - hourMs,
    );
    const expired = await supertest(app).get(resetPath(tokenOf(old.link)));
    expect(expired.status).to.equal(410);
    expect(expired.text).to.contain('Tautan ini sudah kedaluwarsa (berlaku 24 jam).');
    expect(expired.text).to.contain('Lupa kata sandi?');
    const posted = await chooseNewPassword(supertest.agent(app), tokenOf(old.link), 'sandi-kedaluwarsa');
    expect(posted.status).to.equal(410);
    expect(await passwordIs(trainee.id, 'sandi-kedaluwarsa')).to.equal(false);

    const first = await issueResetLink(coordinator, trainee.id, testSessionSecret, origin, Date.now() - 2000);
    const newest = await issueResetLink(coordinator, trainee.id, testSessionSecret, origin);
    const token = tokenOf(newest.link);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const altered = await supertest(app).get(resetPath(`${token.slice(0, -1)}${last}`));
    expect(altered.status).to.equal(404);
    expect(altered.text).to.contain('Tautan ini tidak sah');
    for (const bad of ['abc', `${token}x`]) expect((await supertest(app).get(resetPath(bad))).status, bad).to.equal(404);
    // A first-login link of the same account is no reset link (the purpose is signed too).
    const account = await User.findById(trainee.id).select('+passwordHash').lean();
    const welcome = firstLoginToken(testSessionSecret, { id: trainee.id, passwordHash: account!.passwordHash });
    expect((await supertest(app).get(resetPath(welcome))).status).to.equal(404);
    const replaced = await supertest(app).get(resetPath(tokenOf(first.link)));
    expect(replaced.status).to.equal(410);
    expect(replaced.text).to.contain('sudah diganti dengan tautan yang lebih baru');
    expect((await supertest(app).get(resetPath(token))).status).to.equal(200);

    await User.updateOne({ _id: trainee.id }, { $set: { language: 'en' } });
    const english = await issueResetLink(coordinator, trainee.id, testSessionSecret, origin);
    await User.updateOne({ _id: trainee.id }, { $set: { active: false } });
    const deactivated = await supertest(app).get(resetPath(tokenOf(english.link)));
    expect(deactivated.status).to.equal(404);
    await User.updateOne({ _id: trainee.id }, { $set: { active: true } });
    expect((await supertest(app).get(resetPath(tokenOf(english.link)))).text).to.contain('Choose a new password');
    const englishOld = await issueResetLink(
      coordinator,
      trainee.id,
      testSessionSecret,
      origin,
      Date.now() - 2 * resetLinkValidityMs,
    );
    expect((await supertest(app).get(resetPath(tokenOf(englishOld.link)))).text).to.contain('This link has expired');
    // Issuing for a deactivated account is refused with a reason.
    await User.updateOne({ _id: trainee.id }, { $set: { active: false } });
    const agent = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const refused = await submitForm(agent, `/users/${trainee.id}/password-reset-link`, {});
    expect(refused.status).to.equal(409);
    expect(refused.text).to.contain('Akun ini dinonaktifkan');
  });

  it('answers the forgot form the same for any address, and routes the request to the trainee centre only', async () => {
    const trainee = await makeUser('trainee', setup.institution, { name: 'Dewi Lupa' });
    await User.updateOne({ _id: trainee.id }, { $set: { phone: '+6285712345678' } });
    const login = await supertest(app).get('/login');
    expect(login.text).to.contain('href="/password/forgot"');
    expect(login.text).to.contain('Lupa kata sandi?');

    const known = await askForReset(trainee.email);
    const unknown = await askForReset('tidak-ada@contoh.test');
    expect(known.posted.status).to.equal(303);
    expect(unknown.posted.status).to.equal(303);
    expect(unknown.posted.headers.location).to.equal(known.posted.headers.location);
    const neutral = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '').replace(/nonce="[^"]+"/g, '');
    expect(neutral(unknown.page.text)).to.equal(neutral(known.page.text));
    expect(known.page.text).to.contain('Permintaan Anda sudah kami terima.');

    const invalid = await askForReset('bukan alamat');
    expect(invalid.posted.status).to.equal(422);
    expect(invalid.posted.text).to.contain('Masukkan alamat email atau nomor ponsel yang sah.');

    const coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const dashboard = await coordinator.get('/dashboard');
    expect(dashboard.text).to.contain('1 peserta menunggu tautan atur ulang kata sandi.');
    expect(dashboard.text).to.contain('Dewi Lupa');
    const other = await loggedInAgent(app, otherCoordinator.email, otherCoordinator.password);
    expect((await other.get('/dashboard')).text).not.to.contain('Dewi Lupa');
    expect((await other.get('/password-resets')).text).not.to.contain('Dewi Lupa');
    const adminAgent = await loggedInAgent(app, admin.email, admin.password);
    expect((await adminAgent.get('/password-resets')).text).to.contain('Dewi Lupa');
    const instructor = await loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
    expect((await instructor.get('/password-resets')).status).to.equal(403);

    // Asking again (here by phone) refreshes the one request instead of adding another.
    expect((await askForReset('0857-1234-5678')).posted.status).to.equal(303);
    expect(await PasswordReset.countDocuments({ _id: trainee.id })).to.equal(1);
    const list = await coordinator.get('/password-resets');
    expect(list.text.match(/Dewi Lupa/g)).to.have.length(1);

    // Issuing from the list answers the request: who and when are recorded, and it leaves the list.
    const issued = await submitForm(coordinator, `/users/${trainee.id}/password-reset-link`, { from: 'requests' });
    expect(issued.status).to.equal(200);
    expect(issued.text).to.contain('href="/password-resets"');
    linkOnPage(issued.text);
    const record = await PasswordReset.findById(trainee.id).lean();
    expect(record?.status).to.equal('closed');
    expect(String(record?.handledBy)).to.equal(setup.coordinatorUser.id);
    expect(record?.handledAt).to.be.instanceOf(Date);
    expect((await coordinator.get('/password-resets')).text).not.to.contain('Dewi Lupa');
    expect((await coordinator.get('/dashboard')).text).not.to.contain('Dewi Lupa');
  });

  it('finds a self-registered trainee centre through their enrolment', async () => {
    const trainee = await makeUser('trainee', null, { name: 'Sari Mandiri' });
    await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff' });
    expect((await askForReset(trainee.email)).posted.status).to.equal(303);
    const coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    expect((await coordinator.get('/password-resets')).text).to.contain('Sari Mandiri');
    // The account is not the centre's, but the trainee studies there: its coordinator may help.
    const issued = await submitForm(coordinator, `/users/${trainee.id}/password-reset-link`, { from: 'requests' });
    expect(issued.status).to.equal(200);
    const other = await loggedInAgent(app, otherCoordinator.email, otherCoordinator.password);
    expect((await submitForm(other, `/users/${trainee.id}/password-reset-link`, {})).status).to.equal(403);
  });

  it('throttles repeated asks, for known and unknown addresses alike', async () => {
    const trainee = await makeUser('trainee', setup.institution);
    for (const contact of [trainee.email, 'orang-asing@contoh.test']) {
      for (let ask = 0; ask < 3; ask += 1) expect((await askForReset(contact)).posted.status).to.equal(303);
      const throttled = await askForReset(contact);
      expect(throttled.posted.status).to.equal(429);
      expect(throttled.posted.text).to.contain('Terlalu banyak permintaan. Coba lagi dalam');
    }
    expect(await PasswordReset.countDocuments({ _id: trainee.id })).to.equal(1);
  });

  it('drops requests older than a week from the lists, and the clean-up deletes them', async () => {
    const trainee = await makeUser('trainee', setup.institution, { name: 'Lama Sekali' });
    const old = Date.now() - resetRecordLifetimeMs - hourMs;
    await requestPasswordReset(forgotSchema.parse({ contact: trainee.email }), '10.0.0.9', old);
    const coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    expect((await coordinator.get('/password-resets')).text).not.to.contain('Lama Sekali');
    expect(await deleteStalePasswordResets()).to.equal(1);
    expect(await PasswordReset.exists({ _id: trainee.id })).to.equal(null);
  });
});
