import { expect } from 'chai';
import supertest from 'supertest';
import { User } from '../../src/users/model.js';
import { buildTestApp, csrfTokenOf, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

const goodRegistration = {
  name: 'Rina Wulandari',
  email: 'rina@example.test',
  phone: '0812-3456-7890',
  province: '33',
  password: 'kata-sandi-kuat',
  passwordConfirm: 'kata-sandi-kuat',
};

describe('registration and login', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  before(() => {
    app = buildTestApp();
  });

  it('registers a trainee, logs them in and stores only an argon2id hash', async () => {
    const agent = supertest.agent(app);
    const response = await submitForm(agent, '/register', goodRegistration);
    expect(response.status).to.equal(303);
    expect(response.headers.location).to.equal('/dashboard?welcome=1');

    const dashboard = await agent.get('/dashboard?welcome=1');
    expect(dashboard.status).to.equal(200);
    expect(dashboard.text).to.contain('Halo, Rina Wulandari');
    expect(dashboard.text).to.contain('Akun Anda sudah dibuat');

    const stored = await User.findOne({ email: 'rina@example.test' }).select('+passwordHash').lean();
    expect(stored?.role).to.equal('trainee');
    expect(stored?.phone).to.equal('+6281234567890');
    expect(stored?.passwordHash).to.match(/^\$argon2id\$/);
    expect(stored?.passwordHash).not.to.contain('kata-sandi-kuat');
  });

  it('shows the form again with each error beside its field and the input kept (Indonesian)', async () => {
    const agent = supertest.agent(app);
    const response = await submitForm(agent, '/register', {
      ...goodRegistration,
      email: 'bukan-email',
      phone: '12345',
      province: '99',
      passwordConfirm: 'lain',
    });
    expect(response.status).to.equal(422);
    expect(response.text).to.contain('Masukkan alamat email yang valid');
    expect(response.text).to.contain('Masukkan nomor ponsel Indonesia');
    expect(response.text).to.contain('Pilih salah satu pilihan yang tersedia');
    expect(response.text).to.contain('Kata sandi tidak sama');
    expect(response.text).to.contain('value="Rina Wulandari"');
    expect(response.text).to.contain('value="bukan-email"');
    expect(response.text).not.to.contain('kata-sandi-kuat');
    expect(await User.countDocuments({ name: 'Rina Wulandari' })).to.equal(1);
  });

  it('marks every field required, the province too, as the form says all are', async () => {
    const form = (await supertest(app).get('/register')).text;
    expect(form).to.contain('Semua kolom wajib diisi');
    for (const name of ['name', 'email', 'phone', 'province', 'password', 'passwordConfirm']) {
      const control = form.match(new RegExp(`<(?:input|select)[^>]*name="${name}"[^>]*>`))?.[0];
      expect(control, name).to.match(/\srequired[\s>]/);
    }
  });

  it('answers in English when the browser asks for it', async () => {
    const agent = supertest.agent(app);
    const token = await csrfTokenOf(agent);
    const response = await agent
      .post('/register')
      .type('form')
      .set('Accept-Language', 'en-US,en;q=0.9')
      .send({ _csrf: token, ...goodRegistration, name: '' });
    expect(response.status).to.equal(422);
    expect(response.text).to.contain('Required.');
    expect(response.text).to.contain('<html lang="en">');
  });

  it('refuses an email that is already registered, whatever its case', async () => {
    const agent = supertest.agent(app);
    const response = await submitForm(agent, '/register', { ...goodRegistration, email: 'RINA@Example.test' });
    expect(response.status).to.equal(409);
    expect(response.text).to.contain('Email ini sudah terdaftar');
    expect(await User.countDocuments({ email: 'rina@example.test' })).to.equal(1);
  });

  it('registers exactly one account when the same form is sent twice at once', async () => {
    const agent = supertest.agent(app);
    const token = await csrfTokenOf(agent);
    const body = { _csrf: token, ...goodRegistration, email: 'double@example.test' };
    const statuses = await Promise.all(
      [1, 2, 3].map(() =>
        agent
          .post('/register')
          .type('form')
          .send(body)
          .then((r) => r.status),
      ),
    );
    expect(statuses.filter((status) => status === 303)).to.have.length(1);
    expect(await User.countDocuments({ email: 'double@example.test' })).to.equal(1);
  });

  it('gives a new session id at login', async () => {
    const user = await makeUser('trainee');
    const agent = supertest.agent(app);
    const first = await agent.get('/login');
    const before = /kompeten\.sid=([^;]+)/.exec(String(first.headers['set-cookie']))?.[1];
    expect(before, 'a session exists before login').to.be.a('string');
    const login = await submitForm(agent, '/login', { email: user.email, password: user.password });
    expect(login.status).to.equal(303);
    const after = /kompeten\.sid=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1];
    expect(after).to.be.a('string').and.not.equal(before);

    // The old session id no longer logs anyone in.
    const stale = await supertest(app).get('/dashboard').set('Cookie', `kompeten.sid=${before}`);
    expect(stale.status).to.equal(302);
    expect(stale.headers.location).to.match(/^\/login/);
  });

  it('rejects a wrong password with one message that does not say which part was wrong', async () => {
    const user = await makeUser('trainee');
    const wrongPassword = await submitForm(supertest.agent(app), '/login', { email: user.email, password: 'salah-salah' });
    const unknownEmail = await submitForm(supertest.agent(app), '/login', {
      email: 'nobody@example.test',
      password: 'salah-salah',
    });
    expect(wrongPassword.status).to.equal(401);
    expect(wrongPassword.text).to.contain('Email atau kata sandi salah.');
    expect(wrongPassword.text).to.contain(`value="${user.email}"`);
    expect(unknownEmail.status).to.equal(401);
    expect(unknownEmail.text).to.contain('Email atau kata sandi salah.');
  });

  it('does not let a deactivated account log in', async () => {
    const user = await makeUser('trainee');
    await User.updateOne({ email: user.email }, { $set: { active: false } });
    const response = await submitForm(supertest.agent(app), '/login', { email: user.email, password: user.password });
    expect(response.status).to.equal(401);
  });

  it('returns to the page asked for after login, but never to another site', async () => {
    const user = await makeUser('trainee');
    const local = await submitForm(supertest.agent(app), '/login', {
      email: user.email,
      password: user.password,
      next: '/profile',
    });
    expect(local.headers.location).to.equal('/profile');
    const foreign = await submitForm(supertest.agent(app), '/login', {
      email: user.email,
      password: user.password,
      next: '//evil.example/phish',
    });
    expect(foreign.headers.location).to.equal('/dashboard');
  });

  it('logs out: the dashboard then sends to the login page', async () => {
    const user = await makeUser('trainee');
    const agent = supertest.agent(app);
    await submitForm(agent, '/login', { email: user.email, password: user.password });
    expect((await agent.get('/dashboard')).status).to.equal(200);
    const logout = await submitForm(agent, '/logout', {});
    expect(logout.status).to.equal(303);
    const after = await agent.get('/dashboard');
    expect(after.status).to.equal(302);
    expect(after.headers.location).to.equal('/login?next=%2Fdashboard');
  });
});
