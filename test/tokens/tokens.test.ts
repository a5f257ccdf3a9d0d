import { createHash } from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import { ApiToken } from '../../src/tokens/model.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

describe('API tokens', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  before(() => {
    app = buildTestApp();
  });

  async function issue(email: string, password: string, name = 'aplikasi') {
    const response = await supertest(app).post('/api/v1/auth/token').send({ email, password, name });
    expect(response.status).to.equal(201);
    return response.body as { id: string; token: string; name: string; prefix: string };
  }

  it('issues a token for an email and password, usable as a bearer token, storing only its hash', async () => {
    const user = await makeUser('instructor');
    const issued = await issue(user.email, user.password);
    expect(issued.token).to.match(/^kpt_[\w-]{40,}$/);
    expect(issued.token.startsWith(issued.prefix)).to.equal(true);

    const me = await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${issued.token}`);
    expect(me.status).to.equal(200);
    expect(me.body.email).to.equal(user.email);
    expect(me.body).not.to.have.property('passwordHash');

    const stored = await ApiToken.findById(issued.id).lean();
    expect(stored?.hash).to.equal(createHash('sha256').update(issued.token).digest('hex'));
    expect(JSON.stringify(stored)).not.to.contain(issued.token);
  });

  it('refuses wrong credentials with problem+json', async () => {
    const user = await makeUser('trainee');
    const response = await supertest(app).post('/api/v1/auth/token').send({ email: user.email, password: 'salah-sekali' });
    expect(response.status).to.equal(401);
    expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(response.body.detail).to.equal('Email atau kata sandi salah.');
  });

  it('lists the owner tokens and revokes one, which then stops working', async () => {
    const user = await makeUser('trainee');
    const first = await issue(user.email, user.password, 'ponsel');
    const second = await issue(user.email, user.password, 'laptop');
    const auth = { Authorization: `Bearer ${first.token}` };

    const list = await supertest(app).get('/api/v1/auth/tokens').set(auth);
    expect(list.body.map((token: { name: string }) => token.name).sort()).to.deep.equal(['laptop', 'ponsel']);
    expect(JSON.stringify(list.body)).not.to.contain(second.token);

    const revoke = await supertest(app).delete(`/api/v1/auth/tokens/${second.id}`).set(auth);
    expect(revoke.status).to.equal(204);
    const rejected = await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${second.token}`);
    expect(rejected.status).to.equal(401);
    expect(rejected.body.detail).to.equal('Token akses tidak berlaku atau sudah dicabut.');
  });

  it("hides other people's tokens: listing is forbidden, revoking answers not found", async () => {
    const owner = await makeUser('trainee');
    const other = await makeUser('trainee');
    const ownerToken = await issue(owner.email, owner.password);
    const otherToken = await issue(other.email, other.password);
    const asOther = { Authorization: `Bearer ${otherToken.token}` };
    expect((await supertest(app).get(`/api/v1/users/${owner.id}/tokens`).set(asOther)).status).to.equal(403);
    expect((await supertest(app).delete(`/api/v1/auth/tokens/${ownerToken.id}`).set(asOther)).status).to.equal(404);
    expect((await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${ownerToken.token}`)).status).to.equal(200);
  });

  it('lets an admin list and revoke anyone token', async () => {
    const admin = await makeUser('admin');
    const user = await makeUser('trainee');
    const userToken = await issue(user.email, user.password);
    const adminToken = await issue(admin.email, admin.password);
    const asAdmin = { Authorization: `Bearer ${adminToken.token}` };
    const list = await supertest(app).get(`/api/v1/users/${user.id}/tokens`).set(asAdmin);
    expect(list.body.map((token: { id: string }) => token.id)).to.deep.equal([userToken.id]);
    expect((await supertest(app).delete(`/api/v1/auth/tokens/${userToken.id}`).set(asAdmin)).status).to.equal(204);
    expect((await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${userToken.token}`)).status).to.equal(401);
  });

  it('stops a token working when its owner is deactivated', async () => {
    const admin = await makeUser('admin');
    const user = await makeUser('trainee');
    const userToken = await issue(user.email, user.password);
    const adminToken = await issue(admin.email, admin.password);
    const deactivate = await supertest(app)
      .put(`/api/v1/users/${user.id}`)
      .set('Authorization', `Bearer ${adminToken.token}`)
      .send({ name: 'Dinonaktifkan', role: 'trainee', institution: null, active: false });
    expect(deactivate.status).to.equal(200);
    expect((await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${userToken.token}`)).status).to.equal(401);
  });

  it('creates a token on the profile page, shows it once, and revokes it there', async () => {
    const user = await makeUser('coordinator');
    const agent = await loggedInAgent(app, user.email, user.password);
    const created = await submitForm(agent, '/profile/tokens', { tokenName: 'LSP Informatika' });
    expect(created.status).to.equal(200);
    const token = /<code class="secret">(kpt_[^<]+)<\/code>/.exec(created.text)?.[1];
    expect(token).to.be.a('string');
    expect((await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).to.equal(200);

    const profile = await agent.get('/profile');
    expect(profile.text).to.contain('LSP Informatika');
    expect(profile.text).not.to.contain(token);

    const id = /action="\/tokens\/([0-9a-f]{24})\/revoke"/.exec(profile.text)?.[1] ?? '';
    const revoked = await submitForm(agent, `/tokens/${id}/revoke`, { next: '/profile' });
    expect(revoked.status).to.equal(303);
    expect((await supertest(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).to.equal(401);
  });

  it('asks for a token name on the profile page', async () => {
    const user = await makeUser('trainee');
    const agent = await loggedInAgent(app, user.email, user.password);
    const response = await submitForm(agent, '/profile/tokens', { tokenName: '   ' });
    expect(response.status).to.equal(422);
    expect(response.text).to.contain('Wajib diisi.');
  });
});
