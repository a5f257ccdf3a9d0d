import { expect } from 'chai';
import supertest from 'supertest';
import { buildTestApp, csrfTokenOf, loggedInAgent } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

describe('CSRF protection', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  before(() => {
    app = buildTestApp();
  });

  it('rejects a form post without the token, with a page in the user language', async () => {
    const user = await makeUser('trainee');
    const agent = await loggedInAgent(app, user.email, user.password);
    const response = await agent.post('/profile').type('form').send({ name: 'Dibajak', language: 'id' });
    expect(response.status).to.equal(403);
    expect(response.text).to.contain('Formulir ini sudah kedaluwarsa atau tidak sah');
    const profile = await agent.get('/profile');
    expect(profile.text).not.to.contain('Dibajak');
  });

  it('rejects a token from another session', async () => {
    const user = await makeUser('trainee');
    const victim = await loggedInAgent(app, user.email, user.password);
    const attackerToken = await csrfTokenOf(supertest.agent(app));
    const response = await victim.post('/profile').type('form').send({ _csrf: attackerToken, name: 'Dibajak', language: 'id' });
    expect(response.status).to.equal(403);
  });

  it('rejects a login form without the token', async () => {
    const user = await makeUser('trainee');
    const response = await supertest.agent(app).post('/login').type('form').send({ email: user.email, password: user.password });
    expect(response.status).to.equal(403);
  });

  it('asks scripts using the session cookie for the x-csrf-token header on the API', async () => {
    const user = await makeUser('trainee');
    const agent = await loggedInAgent(app, user.email, user.password);
    const without = await agent.patch('/api/v1/me').send({ name: 'Nama Baru', language: 'en' });
    expect(without.status).to.equal(403);
    expect(without.headers['content-type']).to.match(/application\/problem\+json/);
    const token = await csrfTokenOf(agent, '/profile');
    const withHeader = await agent.patch('/api/v1/me').set('x-csrf-token', token).send({ name: 'Nama Baru', language: 'en' });
    expect(withHeader.status).to.equal(200);
    expect(withHeader.body.name).to.equal('Nama Baru');
  });

  it('does not ask bearer-token clients for a CSRF token', async () => {
    const user = await makeUser('trainee');
    const issued = await supertest(app)
      .post('/api/v1/auth/token')
      .send({ email: user.email, password: user.password, name: 'ponsel' });
    expect(issued.status).to.equal(201);
    const response = await supertest(app)
      .patch('/api/v1/me')
      .set('Authorization', `Bearer ${issued.body.token}`)
      .send({ name: 'Lewat Token', language: 'id' });
    expect(response.status).to.equal(200);
    expect(response.body.name).to.equal('Lewat Token');
  });
});
