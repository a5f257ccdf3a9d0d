import { expect } from 'chai';
import supertest from 'supertest';
import { User } from '../../src/users/model.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

describe('managing accounts', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let institutionA: string;
  let institutionB: string;
  before(async () => {
    app = buildTestApp();
    institutionA = (await makeInstitution({ name: 'BLK Semarang' })).id;
    institutionB = (await makeInstitution({ name: 'BLK Kupang' })).id;
  });

  it('lets an admin create a coordinator, who can then log in', async () => {
    const admin = await makeUser('admin');
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const response = await submitForm(agent, '/users', {
      name: 'Wahyu Koordinator',
      email: 'wahyu@example.test',
      phone: '',
      province: '33',
      role: 'coordinator',
      institution: institutionA,
      password: 'awal-12345',
    });
    expect(response.status).to.equal(303);
    const page = await agent.get(String(response.headers.location));
    expect(page.text).to.contain('Akun dibuat.');
    expect(page.text).to.contain('Wahyu Koordinator');
    await loggedInAgent(app, 'wahyu@example.test', 'awal-12345');
  });

  it('requires an institution for instructors and coordinators', async () => {
    const admin = await makeUser('admin');
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const response = await submitForm(agent, '/users', {
      name: 'Tanpa Lembaga',
      email: 'tanpa@example.test',
      role: 'instructor',
      institution: '',
      password: 'awal-12345',
    });
    expect(response.status).to.equal(422);
    expect(response.text).to.contain('Instruktur dan koordinator harus terdaftar di sebuah lembaga.');
    expect(response.text).to.contain('value="Tanpa Lembaga"');
    expect(await User.exists({ email: 'tanpa@example.test' })).to.equal(null);
  });

  it('offers a coordinator only the roles and institution they may give', async () => {
    const coordinator = await makeUser('coordinator', institutionA);
    const agent = await loggedInAgent(app, coordinator.email, coordinator.password);
    const form = await agent.get('/users/new');
    expect(form.text).to.contain('<option value="trainee"');
    expect(form.text).to.contain('<option value="instructor"');
    expect(form.text).not.to.contain('<option value="coordinator"');
    expect(form.text).not.to.contain('<option value="admin"');
    expect(form.text).to.contain('BLK Semarang');
    expect(form.text).not.to.contain('BLK Kupang');
  });

  it('lets a coordinator create an instructor in their institution, but not elsewhere or above', async () => {
    const coordinator = await makeUser('coordinator', institutionA);
    const agent = await loggedInAgent(app, coordinator.email, coordinator.password);
    const base = { name: 'Instruktur Las', phone: '081298765432', province: '33', password: 'awal-12345' };
    const own = await submitForm(agent, '/users', {
      ...base,
      email: 'las@example.test',
      role: 'instructor',
      institution: institutionA,
    });
    expect(own.status).to.equal(303);
    const elsewhere = await submitForm(agent, '/users', {
      ...base,
      email: 'las2@example.test',
      role: 'instructor',
      institution: institutionB,
    });
    expect(elsewhere.status).to.equal(403);
    const above = await submitForm(agent, '/users', {
      ...base,
      email: 'las3@example.test',
      role: 'admin',
      institution: institutionA,
    });
    expect(above.status).to.equal(403);
    expect(await User.countDocuments({ email: { $in: ['las2@example.test', 'las3@example.test'] } })).to.equal(0);
  });

  it("shows a coordinator only their institution's people, searchable and filtered by role", async () => {
    const coordinator = await makeUser('coordinator', institutionA);
    await makeUser('trainee', institutionA, { name: 'Joko Susilo' });
    await makeUser('trainee', institutionB, { name: 'Maria Bria' });
    const agent = await loggedInAgent(app, coordinator.email, coordinator.password);
    const all = await agent.get('/users');
    expect(all.text).to.contain('Joko Susilo');
    expect(all.text).not.to.contain('Maria Bria');
    const search = await agent.get('/users?q=joko&role=trainee');
    expect(search.text).to.contain('Joko Susilo');
    const none = await agent.get('/users?q=maria');
    expect(none.text).to.contain('Tidak ada pengguna yang cocok dengan pencarian.');
  });

  it('treats search input as text, not as a pattern', async () => {
    const admin = await makeUser('admin');
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const response = await agent.get(`/users?q=${encodeURIComponent('(.*')}`);
    expect(response.status).to.equal(200);
    expect(response.text).to.contain('Tidak ada pengguna yang cocok');
  });

  it('deactivates an account: its owner is logged out, cannot log in, and reactivating it brings no old session back', async () => {
    const admin = await makeUser('admin');
    const trainee = await makeUser('trainee', institutionA, { name: 'Akan Nonaktif' });
    const traineeAgent = await loggedInAgent(app, trainee.email, trainee.password);
    const adminAgent = await loggedInAgent(app, admin.email, admin.password);
    const response = await submitForm(adminAgent, `/users/${trainee.id}`, {
      name: 'Akan Nonaktif',
      role: 'trainee',
      institution: institutionA,
      active: 'false',
    });
    expect(response.status).to.equal(303);
    expect((await traineeAgent.get('/dashboard')).status).to.equal(302);
    const login = await submitForm(supertest.agent(app), '/login', { email: trainee.email, password: trainee.password });
    expect(login.status).to.equal(401);

    // Active again: the owner logs in afresh; what was logged in before stays logged out.
    const reactivated = await submitForm(adminAgent, `/users/${trainee.id}`, {
      name: 'Akan Nonaktif',
      role: 'trainee',
      institution: institutionA,
      active: ['false', 'true'],
    });
    expect(reactivated.status).to.equal(303);
    expect((await traineeAgent.get('/profile')).status).to.equal(302);
    expect((await (await loggedInAgent(app, trainee.email, trainee.password)).get('/profile')).status).to.equal(200);
  });

  it('does not let an admin demote or deactivate themselves', async () => {
    const admin = await makeUser('admin');
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const response = await submitForm(agent, `/users/${admin.id}`, {
      name: 'Admin',
      role: 'trainee',
      institution: '',
      active: ['false', 'true'],
    });
    expect(response.status).to.equal(422);
    expect(response.text).to.contain('Anda tidak dapat mengubah peran atau menonaktifkan akun Anda sendiri.');
    expect((await User.findById(admin.id).lean())?.role).to.equal('admin');
  });

  it('answers 404 for an account that does not exist, in the language saved for the user', async () => {
    const admin = await makeUser('admin');
    const agent = await loggedInAgent(app, admin.email, admin.password);
    // The browser asks for English, but the account's saved language (Indonesian) wins.
    const missing = await agent.get('/users/000000000000000000000000').set('Accept-Language', 'en');
    expect(missing.status).to.equal(404);
    expect(missing.text).to.contain('Halaman atau data yang Anda cari tidak ada.');
    expect((await agent.get('/users/not-an-id')).status).to.equal(404);
  });
});

describe('own profile and language', () => {
  useTestDatabase(`${import.meta.url}-profile`);
  let app: ReturnType<typeof buildTestApp>;
  before(() => {
    app = buildTestApp();
  });

  it('updates the profile and keeps the chosen language across logins', async () => {
    const user = await makeUser('trainee');
    const agent = await loggedInAgent(app, user.email, user.password);
    const saved = await submitForm(agent, '/profile', {
      name: 'Nama Baru',
      phone: '0813 1111 2222',
      province: '52',
      language: 'en',
    });
    expect(saved.status).to.equal(303);
    const profile = await agent.get('/profile?saved=profile');
    expect(profile.text).to.contain('Profile saved.');
    expect(profile.text).to.contain('value="Nama Baru"');
    expect(profile.text).to.contain('value="+6281311112222"');

    const again = await loggedInAgent(app, user.email, user.password);
    expect((await again.get('/dashboard')).text).to.contain('Hello, Nama Baru');
  });

  it('switches language from the header, for visitors (cookie) and for users (saved)', async () => {
    const visitor = supertest.agent(app);
    const switched = await submitForm(visitor, '/language', { language: 'en', next: '/register' });
    expect(switched.status).to.equal(303);
    expect(switched.headers.location).to.equal('/register');
    expect((await visitor.get('/register')).text).to.contain('Create a trainee account');

    const user = await makeUser('trainee');
    const agent = await loggedInAgent(app, user.email, user.password);
    await submitForm(agent, '/language', { language: 'en', next: '//evil.example' });
    expect((await User.findById(user.id).lean())?.language).to.equal('en');
  });

  it('changes the password only with the current one', async () => {
    const user = await makeUser('trainee');
    const agent = await loggedInAgent(app, user.email, user.password);
    const wrong = await submitForm(agent, '/profile/password', {
      currentPassword: 'bukan-ini',
      newPassword: 'baru-sekali-123',
      newPasswordConfirm: 'baru-sekali-123',
    });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.contain('Kata sandi sekarang salah.');
    const short = await submitForm(agent, '/profile/password', {
      currentPassword: user.password,
      newPassword: 'pendek',
      newPasswordConfirm: 'pendek',
    });
    expect(short.text).to.contain('Minimal 8 karakter.');
    const right = await submitForm(agent, '/profile/password', {
      currentPassword: user.password,
      newPassword: 'baru-sekali-123',
      newPasswordConfirm: 'baru-sekali-123',
    });
    expect(right.status).to.equal(303);
    await loggedInAgent(app, user.email, 'baru-sekali-123');
  });
});
