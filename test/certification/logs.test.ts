import { Writable } from 'node:stream';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { loggedInAgent, testSessionSecret } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { askForCertification, handoffSetup, person, photoJpeg } from './handoffFixtures.js';

/**
 * A NIK never reaches the log: not from a form body, a validation error, an address, or an error
 * message that quotes one. The app here logs everything (level debug) into `lines`.
 */
describe('certification: personal data never reaches the log', () => {
  useTestDatabase(import.meta.url);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger('debug', sink);
  let app: ReturnType<typeof createApp>['app'];
  let setup: Awaited<ReturnType<typeof handoffSetup>>;
  const output = () => lines.join('');

  before(async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      SESSION_SECRET: testSessionSecret,
      UPLOAD_DIR: process.env.TEST_UPLOAD_DIR ?? '',
    });
    app = createApp({ config, log, connection: mongoose.connection, sessionSecret: testSessionSecret }).app;
    setup = await handoffSetup({ trainees: 1 });
  });

  it('logs requests that carry a NIK in a body, a refused form and an address without the NIK', async () => {
    const trainee = setup.trainees[0]!;
    const agent = await loggedInAgent(app, trainee.email, trainee.password);
    lines.length = 0;
    // Refused: the date of birth does not fit the NIK, and no consent.
    expect((await askForCertification(agent, { dateOfBirth: '1991-05-05', consent: '' }, null)).status).to.equal(422);
    // Taken.
    expect((await askForCertification(agent, {}, await photoJpeg())).status).to.equal(303);
    // A NIK typed into an address.
    await agent.get(`/certification?nik=${person.man.nik}`);
    await agent.get(`/certification/profiles/${person.man.nik}/photo`);
    // JSON with a NIK to an API that refuses it.
    await agent.post('/api/v1/lsps').send({ nik: person.man.nik, name: person.man.nik });

    const text = output();
    expect(lines.length, 'requests were logged').to.be.greaterThan(4);
    expect(text).to.include('/certification/profile');
    expect(text).not.to.include(person.man.nik);
    expect(text).to.include('[redacted]'); // the address above, masked where it stood
  });

  it('masks a NIK quoted in an error message or logged as a field', () => {
    lines.length = 0;
    log.error({ err: new Error(`Cast to ObjectId failed for value "${person.woman.nik}"`), url: '/x' }, 'unhandled error');
    log.info({ body: { nik: person.woman.nik }, nik: person.woman.nik }, `saw ${person.woman.nik}`);
    const text = output();
    expect(text).to.include('unhandled error').and.include('Cast to ObjectId failed');
    expect(text).not.to.include(person.woman.nik);
    // Other numbers stay: a time, a 24-digit id, a 15-digit number.
    log.info({ id: '123456789012345678901234', count: 320101010190000 }, 'numbers');
    expect(output()).to.include('123456789012345678901234').and.include('320101010190000');
  });
});
