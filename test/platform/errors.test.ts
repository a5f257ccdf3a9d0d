import { expect } from 'chai';
import cookieParser from 'cookie-parser';
import express from 'express';
import supertest from 'supertest';
import { errorHandler } from '../../src/platform/http/errorHandler.js';
import { languageMiddleware } from '../../src/platform/i18n.js';
import { createLogger } from '../../src/platform/logger.js';
import { viewsDir } from '../../src/platform/paths.js';

/** The real error handler behind a route that fails unexpectedly, as a bug or an outage would. */
function appWithFailingRoute() {
  const app = express();
  app.set('views', viewsDir);
  app.set('view engine', 'ejs');
  app.use(cookieParser());
  app.use(languageMiddleware);
  app.get(['/broken', '/api/v1/broken'], () => {
    throw new Error('secret internal detail');
  });
  app.use(errorHandler(createLogger('silent')));
  return app;
}

describe('unexpected errors', () => {
  it('show a 500 page in the user language without internal details', async () => {
    const app = appWithFailingRoute();
    const indonesian = await supertest(app).get('/broken');
    expect(indonesian.status).to.equal(500);
    expect(indonesian.text).to.contain('Terjadi kesalahan di server.');
    expect(indonesian.text).not.to.contain('secret internal detail');
    const english = await supertest(app).get('/broken').set('Cookie', 'lang=en');
    expect(english.text).to.contain('Something went wrong on the server.');
  });

  it('answer the API with a 500 problem+json', async () => {
    const response = await supertest(appWithFailingRoute()).get('/api/v1/broken').set('Accept-Language', 'en');
    expect(response.status).to.equal(500);
    expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(response.body).to.include({ status: 500, title: 'Something went wrong' });
    expect(JSON.stringify(response.body)).not.to.contain('secret internal detail');
  });
});

describe('errors of libraries and the database, answered as what they mean', () => {
  /** A route that fails as the router or the driver would; the real error handler answers. */
  function appFailingWith(error: Error) {
    const app = express();
    app.set('views', viewsDir);
    app.set('view engine', 'ejs');
    app.use(cookieParser());
    app.use(languageMiddleware);
    app.get(['/failing', '/api/v1/failing'], () => {
      throw error;
    });
    app.use(errorHandler(createLogger('silent')));
    return app;
  }
  const duplicate = (fields: Record<string, unknown>) =>
    Object.assign(new Error('E11000 duplicate key error collection: kompeten.programs'), { code: 11000, ...fields });

  it('answer a duplicate no service expected 409, naming the unique index’s last field', async () => {
    const app = appFailingWith(duplicate({ keyPattern: { institution: 1, code: 1 } }));
    const english = await supertest(app).get('/api/v1/failing').set('Accept-Language', 'en');
    expect(english.status).to.equal(409);
    expect(english.body).to.deep.include({
      detail: 'Another record already has the same “code”. Use another value.',
      errors: [{ field: 'code', message: 'Already in use by another record. Use another value.' }],
    });
    const indonesian = await supertest(app).get('/api/v1/failing').set('Accept-Language', 'id');
    expect(indonesian.body.errors).to.deep.equal([
      { field: 'code', message: 'Sudah dipakai oleh data lain. Gunakan nilai lain.' },
    ]);
    const page = await supertest(app).get('/failing');
    expect(page.status).to.equal(409);
    expect(page.text).to.contain('code: Sudah dipakai oleh data lain.');
  });

  it('answer a duplicate of an unnamed index, or of the id, 409 without naming a field', async () => {
    for (const error of [duplicate({}), duplicate({ keyPattern: { _id: 1 } })]) {
      const answer = await supertest(appFailingWith(error)).get('/api/v1/failing').set('Accept-Language', 'en');
      expect(answer.status).to.equal(409);
      expect(answer.body.detail).to.equal('The same record already exists.');
      expect(answer.body).not.to.have.property('errors');
    }
  });

  it('answer a path the router could not decode 400, and other URI errors 500', async () => {
    // What the router throws for `%E0%A4%A` in a parameter (router/lib/layer.js decodeParam).
    const undecodable = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400 });
    const answer = await supertest(appFailingWith(undecodable)).get('/api/v1/failing').set('Accept-Language', 'en');
    expect(answer.status).to.equal(400);
    expect(answer.body.detail).to.match(/^This address \(URL\) cannot be read/);
    // One thrown by the app's own code is a bug, not the user's address.
    expect((await supertest(appFailingWith(new URIError('URI malformed'))).get('/api/v1/failing')).status).to.equal(500);
  });
});
