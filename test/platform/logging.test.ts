import { Writable } from 'node:stream';
import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { loggedInAgent, testSessionSecret } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

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

  it('are one short line per request: method, url, status, time, size, user and request id, no headers', async () => {
    const { app, written } = appLoggingToString();
    const trainee = await makeUser('trainee');
    const agent = await loggedInAgent(app, trainee.email, trainee.password);
    written.text = '';
    const answer = await agent
      .get('/dashboard?tab=1')
      .set('User-Agent', `Browser ${'x'.repeat(300)}`)
      .expect(200);
    const lines = written.text.trim().split('\n');
    expect(lines).to.have.length(1);
    const line = JSON.parse(lines[0]!);
    expect(Buffer.byteLength(lines[0]!), lines[0]).to.be.below(400);
    expect(line.req).to.deep.include({ method: 'GET', url: '/dashboard?tab=1' });
    expect(line.res.statusCode).to.equal(200);
    expect(line.responseTime).to.be.a('number');
    expect(line.user).to.equal(trainee.id);
    expect(line.req.id).to.be.a('string').and.equal(answer.headers['x-request-id']);
    expect(lines[0]).not.to.contain('Browser xxx').and.not.to.contain('Content-Security-Policy');

    written.text = '';
    const file = await agent.get('/public/css/app.css').set('Accept-Encoding', 'identity').expect(200);
    expect(JSON.parse(written.text).res).to.deep.equal({ statusCode: 200, length: Number(file.headers['content-length']) });
  });
});
