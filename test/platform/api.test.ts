import { expect } from 'chai';
import supertest from 'supertest';
import { buildTestApp } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

describe('JSON API: problem+json errors and the OpenAPI document', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let adminToken: string;
  before(async () => {
    app = buildTestApp();
    const admin = await makeUser('admin');
    adminToken = (await supertest(app).post('/api/v1/auth/token').send({ email: admin.email, password: admin.password })).body
      .token;
  });

  it('answers bad input with 422 problem+json naming each field, in the language asked for', async () => {
    const response = await supertest(app)
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${adminToken}`)
      .set('Accept-Language', 'en')
      .send({ name: 'X', email: 'no', role: 'wizard', password: 'short' });
    expect(response.status).to.equal(422);
    expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(response.body).to.include({ type: 'about:blank', status: 422, title: 'Invalid input', instance: '/api/v1/users' });
    const fields = Object.fromEntries(
      response.body.errors.map((error: { field: string; message: string }) => [error.field, error.message]),
    );
    expect(Object.keys(fields).sort()).to.deep.equal(['email', 'name', 'password', 'role']);
    expect(fields.password).to.equal('At least 8 characters.');
  });

  it('answers unknown routes, malformed JSON and anonymous calls with problem+json', async () => {
    const missing = await supertest(app).get('/api/v1/nothing-here').set('Accept-Language', 'en');
    expect(missing.status).to.equal(404);
    expect(missing.body.title).to.equal('Not found');

    const malformed = await supertest(app)
      .post('/api/v1/auth/token')
      .set('Content-Type', 'application/json')
      .set('Accept-Language', 'en')
      .send('{"email": ');
    expect(malformed.status).to.equal(400);
    expect(malformed.body.detail).to.equal('The request could not be read.');

    const anonymous = await supertest(app).get('/api/v1/users');
    expect(anonymous.status).to.equal(401);
    expect(anonymous.body.detail).to.equal('Silakan masuk terlebih dahulu.');
  });

  it('rejects an unknown or garbled bearer token instead of treating the call as anonymous', async () => {
    const response = await supertest(app).get('/api/v1/sectors').set('Authorization', 'Bearer kpt_not-a-real-token');
    expect(response.status).to.equal(401);
  });

  it('describes every endpoint, with request schemas generated from the validation schemas', async () => {
    const response = await supertest(app).get('/api/v1/openapi.json');
    expect(response.status).to.equal(200);
    const document = response.body;
    expect(document.openapi).to.equal('3.1.0');
    expect(document.paths).to.include.keys('/auth/token', '/me', '/users', '/users/{id}', '/institutions', '/sectors');
    const createUser = document.paths['/users'].post;
    const schema = createUser.requestBody.content['application/json'].schema;
    expect(schema.properties.role.enum).to.deep.equal(['trainee', 'instructor', 'coordinator', 'admin']);
    expect(schema.properties.password.minLength).to.equal(8);
    expect(schema.required).to.include.members(['name', 'email', 'role', 'password']);
    expect(createUser.responses).to.include.keys('201', '401', '403', '422');
    expect(document.paths['/users/{id}'].get.parameters[0]).to.include({ name: 'id', in: 'path' });
    // An id that is no ObjectId is answered 404 before the handler; a natural key is any text.
    expect(document.paths['/users/{id}'].get.parameters[0].schema).to.deep.equal({ type: 'string', pattern: '^[0-9a-f]{24}$' });
    expect(document.paths['/enrolments/{enrollment}/approve'].post.parameters[0].schema).to.deep.equal({ type: 'string' });
    // Whatever else can go wrong (a broken address, a conflict, an outage) is problem+json too.
    expect(createUser.responses.default.content).to.have.key('application/problem+json');
  });

  it('has a readable documentation page', async () => {
    const response = await supertest(app).get('/api/docs').set('Accept-Language', 'en');
    expect(response.status).to.equal(200);
    expect(response.text).to.contain('API documentation');
    expect(response.text).to.contain('/api/v1/auth/token');
    expect(response.text).to.contain('Exchange an email and password for a bearer token');
  });

  it('sends security headers with a strict content security policy', async () => {
    const response = await supertest(app).get('/');
    expect(response.headers['content-security-policy']).to.contain("script-src 'self'");
    expect(response.headers['x-content-type-options']).to.equal('nosniff');
    expect(response.headers).not.to.have.property('x-powered-by');
  });

  it('reports the database in the health check', async () => {
    const response = await supertest(app).get('/healthz');
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal({ status: 'ok', database: 'up' });
    expect(response.headers['set-cookie']).to.equal(undefined);
  });
});
