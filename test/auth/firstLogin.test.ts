import { expect } from 'chai';
import supertest from 'supertest';
import { checkFirstLoginToken, firstLoginToken, firstLoginValidityMs } from '../../src/auth/firstLogin.js';
import { isPasswordUnset, unusablePasswordHash, verifyPassword } from '../../src/auth/passwords.js';
import { startEnrolmentImport } from '../../src/enrolment/import.js';
import { findJob } from '../../src/platform/jobs.js';
import { createLogger } from '../../src/platform/logger.js';
import { User } from '../../src/users/model.js';
import { buildTestApp, csrfTokenOf, loggedInAgent, submitForm, testSessionSecret } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';

let sequence = 0;

/** An account as a bulk enrolment makes it: a trainee without a password. */
async function accountWithoutPassword(language: 'id' | 'en' = 'id') {
  sequence += 1;
  const user = await User.create({
    name: `Peserta Baru ${sequence}`,
    email: `baru${sequence}@peserta.test`,
    role: 'trainee',
    language,
    passwordHash: unusablePasswordHash(),
  });
  return { id: String(user._id), email: user.email, passwordHash: user.passwordHash };
}

const welcomePath = (token: string) => `/welcome/${token}`;

async function choosePassword(agent: ReturnType<typeof supertest.agent>, token: string, password: string, confirm = password) {
  const _csrf = await csrfTokenOf(agent, welcomePath(token));
  return agent.post(welcomePath(token)).type('form').send({ _csrf, password, passwordConfirm: confirm });
}

describe('first-login links', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('never verifies a password against the marker of an account without one', async () => {
    const hash = unusablePasswordHash();
    expect(isPasswordUnset(hash)).to.equal(true);
    expect(hash).not.to.equal(unusablePasswordHash());
    for (const guess of [hash, '', 'unset:', hash.slice(6)]) expect(await verifyPassword(hash, guess)).to.equal(false);
    const account = await accountWithoutPassword();
    const login = await submitForm(supertest.agent(app), '/login', { email: account.email, password: account.passwordHash });
    expect(login.status).to.equal(401);
    expect(login.text).to.contain('Email atau kata sandi salah.');
  });

  it('lets the trainee of an import choose a password, logs them in, and then no longer works', async () => {
    const setup = await makeCohortSetup();
    const jobId = await startEnrolmentImport(
      setup.coordinator,
      setup.cohort,
      { name: 'a.csv', content: 'nama;email;telepon\r\nWulan Sari;wulan@peserta.test;081211112222\r\n' },
      createLogger('silent'),
    );
    for (let attempt = 0; attempt < 200 && (await findJob(jobId))?.status === 'running'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const report = await coordinator.get(`/cohorts/${setup.cohort}/enrolments/imports/${jobId}`);
    const link = /http:\/\/[^<"\s]+\/welcome\/([\w-]{64})/.exec(report.text);
    expect(link, report.text).not.to.equal(null);
    const token = link![1]!;

    const trainee = supertest.agent(app);
    const form = await trainee.get(welcomePath(token));
    expect(form.status).to.equal(200);
    expect(form.text).to.contain('Selamat datang di Kompeten, Wulan Sari!');
    expect(form.text).to.contain('wulan@peserta.test');

    const short = await choosePassword(trainee, token, 'pendek');
    expect(short.status).to.equal(422);
    expect(short.text).to.contain('Minimal 8 karakter.');
    const mismatch = await choosePassword(trainee, token, 'rahasia-wulan', 'rahasia-lain');
    expect(mismatch.status).to.equal(422);
    expect(mismatch.text).to.contain('Kata sandi tidak sama.');

    const done = await choosePassword(trainee, token, 'rahasia-wulan');
    expect(done.status).to.equal(303);
    expect(done.headers.location).to.equal('/learning');
    const dashboard = await trainee.get('/dashboard');
    expect(dashboard.status).to.equal(200);
    expect(dashboard.text).to.contain('Wulan Sari');
    const account = await User.findOne({ email: 'wulan@peserta.test' }).select('+passwordHash').lean();
    expect(await verifyPassword(account?.passwordHash, 'rahasia-wulan')).to.equal(true);
    expect(account?.lastLoginAt).to.be.instanceOf(Date);
    await loggedInAgent(app, 'wulan@peserta.test', 'rahasia-wulan');

    const again = await supertest.agent(app).get(welcomePath(token));
    expect(again.status).to.equal(410);
    expect(again.text).to.contain('Tautan ini sudah dipakai');
    const posted = await submitForm(supertest.agent(app), welcomePath(token), {
      password: 'diambil-alih',
      passwordConfirm: 'diambil-alih',
    });
    expect(posted.status).to.equal(410);
    expect(
      await verifyPassword((await User.findById(account?._id).select('+passwordHash').lean())?.passwordHash, 'diambil-alih'),
    ).to.equal(false);
    // The coordinator's report no longer lists her.
    expect((await coordinator.get(`/cohorts/${setup.cohort}/enrolments/imports/${jobId}`)).text).to.contain(
      'Semua peserta dari berkas ini sudah membuat kata sandi.',
    );
  });

  it('refuses a tampered link and an expired one with a clear message, in the account language', async () => {
    const account = await accountWithoutPassword();
    const token = firstLoginToken(testSessionSecret, account);
    expect((await checkFirstLoginToken(testSessionSecret, token)).state).to.equal('valid');
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const tampered = await supertest(app).get(welcomePath(`${token.slice(0, -1)}${last}`));
    expect(tampered.status).to.equal(404);
    expect(tampered.text).to.contain('Tautan ini tidak sah.');
    for (const bad of ['abc', `${token}x`, token.replace(/^.{4}/, 'AAAA')]) {
      expect((await supertest(app).get(welcomePath(bad))).status, bad).to.equal(404);
    }
    expect((await checkFirstLoginToken('another-secret-of-at-least-32-characters', token)).state).to.equal('invalid');

    const old = firstLoginToken(testSessionSecret, account, Date.now() - firstLoginValidityMs - 2 * 60 * 60 * 1000);
    const expired = await supertest(app).get(welcomePath(old));
    expect(expired.status).to.equal(410);
    expect(expired.text).to.contain('Tautan ini sudah kedaluwarsa (berlaku 14 hari).');
    const posted = await submitForm(supertest.agent(app), welcomePath(old), {
      password: 'rahasia-123',
      passwordConfirm: 'rahasia-123',
    });
    expect(posted.status).to.equal(410);
    expect(isPasswordUnset((await User.findById(account.id).select('+passwordHash').lean())?.passwordHash)).to.equal(true);

    const english = await accountWithoutPassword('en');
    const englishOld = firstLoginToken(testSessionSecret, english, Date.now() - 30 * 24 * 60 * 60 * 1000);
    const inEnglish = await supertest(app).get(welcomePath(englishOld));
    expect(inEnglish.status).to.equal(410);
    expect(inEnglish.text).to.contain('This link has expired');
    const englishForm = await supertest(app).get(welcomePath(firstLoginToken(testSessionSecret, english)));
    expect(englishForm.text).to.contain('Choose your password');
    const unknown = await supertest(app).get(welcomePath('x')).set('Accept-Language', 'en');
    expect(unknown.text).to.contain('This link is not valid.');
  });

  it('stops working when the password is set another way, and for a deactivated account', async () => {
    const account = await accountWithoutPassword();
    const token = firstLoginToken(testSessionSecret, account);
    await User.updateOne({ _id: account.id }, { $set: { passwordHash: unusablePasswordHash() } });
    expect((await checkFirstLoginToken(testSessionSecret, token)).state).to.equal('invalid');
    const other = await accountWithoutPassword();
    const otherToken = firstLoginToken(testSessionSecret, other);
    await User.updateOne({ _id: other.id }, { $set: { active: false } });
    expect((await checkFirstLoginToken(testSessionSecret, otherToken)).state).to.equal('invalid');
  });
});
