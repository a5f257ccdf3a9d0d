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
