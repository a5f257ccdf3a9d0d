import { Writable } from 'node:stream';
import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { testSessionSecret } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';

describe('request logs', () => {
  useTestDatabase(import.meta.url);

  /** The app with the logger it runs with (createLogger), writing into a string instead of stdout. */
  function appLoggingToString() {
    const written = { text: '' };
    const log = createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          written.text += chunk.toString();
          done();
        },
      }),
    );
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: testSessionSecret, UPLOAD_DIR: process.env.TEST_UPLOAD_DIR });
    const { app } = createApp({ config, log, connection: mongoose.connection, sessionSecret: testSessionSecret });
    return { app, written };
  }

  it('are JSON lines without CSRF tokens, cookies, bearer tokens, passwords or first-login links', async () => {
    const { app, written } = appLoggingToString();
    await supertest(app)
      .post('/units/import?_csrf=RAHASIA-TOKEN&x=1')
      .set('Cookie', 'kompeten.sid=RAHASIA-SESI')
      .send('password=RAHASIA-SANDI');
    await supertest(app).get('/api/v1/me').set('Authorization', 'Bearer kpt_RAHASIA-TOKEN-API');
    await supertest(app).get('/welcome/RAHASIA-TAUTAN.ABC');
    await supertest(app).post('/login').type('form').send({ email: 'siapa@example.test', password: 'RAHASIA-SANDI' });
    const lines = written.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const urls = lines.map((line) => line.req?.url).filter(Boolean);
    expect(urls).to.include('/units/import?_csrf=[redacted]&x=1');
    expect(urls).to.include('/welcome/[redacted]');
    expect(urls).to.include('/api/v1/me');
    expect(lines.filter((line) => line.req).length, 'a line per request').to.be.at.least(4);
    expect(written.text).not.to.contain('RAHASIA');
  });
});
