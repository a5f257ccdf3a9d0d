import { Writable } from 'node:stream';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { pino } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { testSessionSecret } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';

describe('request logs', () => {
  useTestDatabase(import.meta.url);

  it('are JSON lines without CSRF tokens, cookies or passwords', async () => {
    let output = '';
    const log = pino(
      { level: 'info', redact: ['req.headers.cookie', 'req.headers.authorization'] },
      new Writable({
        write(chunk, _encoding, done) {
          output += chunk.toString();
          done();
        },
      }),
    );
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: testSessionSecret, UPLOAD_DIR: process.env.TEST_UPLOAD_DIR });
    const { app } = createApp({ config, log, connection: mongoose.connection, sessionSecret: testSessionSecret });
    await supertest(app)
      .post('/units/import?_csrf=RAHASIA-TOKEN&x=1')
      .set('Cookie', 'kompeten.sid=RAHASIA-SESI')
      .send('password=RAHASIA-SANDI');
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.some((line) => line.req?.url === '/units/import?_csrf=[redacted]&x=1')).to.equal(true);
    expect(output).not.to.contain('RAHASIA');
  });
});
