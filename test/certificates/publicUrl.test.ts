import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { certificateLinks } from '../../src/certificates/links.js';
import { formatCode } from '../../src/completion/records.js';
import { ConfigError, loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { loggedInAgent, testSessionSecret } from '../support/app.js';
import { makeApprovedRecord } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { pdfQrCode } from './pdfText.js';

const configWith = (publicUrl: string) =>
  loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: testSessionSecret,
    UPLOAD_DIR: process.env.TEST_UPLOAD_DIR,
    PUBLIC_URL: publicUrl,
  });

describe('PUBLIC_URL on certificates and credentials', () => {
  useTestDatabase(import.meta.url);

  it('is an http(s) address, kept without its trailing slash', () => {
    expect(configWith('https://lms.blk.example.id/').publicUrl).to.equal('https://lms.blk.example.id');
    expect(configWith('https://blk.example.id/kompeten').publicUrl).to.equal('https://blk.example.id/kompeten');
    for (const wrong of [
      'lms.blk.example.id',
      'ftp://lms.example.id',
      'https://lms.example.id/?a=1',
      'https://lms.example.id/#x',
    ]) {
      expect(() => configWith(wrong), wrong).to.throw(ConfigError, /PUBLIC_URL/);
    }
    expect(loadConfig({ NODE_ENV: 'test' }).publicUrl).to.equal(undefined);
  });

  it('is the address printed in the QR code and signed into the credential, whatever the request', async () => {
    const { app } = createApp({
      config: configWith('https://lms.blk.example.id'),
      log: createLogger('silent'),
      connection: mongoose.connection,
      sessionSecret: testSessionSecret,
    });
    const graduate = await makeApprovedRecord();
    const trainee = await loggedInAgent(app, graduate.trainee.email, graduate.trainee.password);
    const links = certificateLinks(graduate.record);
    const verifyAt = `https://lms.blk.example.id/verify/${formatCode(graduate.record.code)}`;

    const pdf = await trainee
      .get(links.certificate!)
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(await pdfQrCode(pdf.body as Buffer)).to.equal(verifyAt);

    const credential = JSON.parse((await trainee.get(links.credential!)).text);
    expect(credential.id).to.equal(verifyAt);
    expect(credential.issuer.id).to.equal(`https://lms.blk.example.id/institutions/${graduate.institution}/issuer`);
    const profile = JSON.parse((await supertest(app).get(`/institutions/${graduate.institution}/issuer`)).text);
    expect(profile.id).to.equal(credential.issuer.id);
    expect(profile.assertionMethod).to.deep.equal([credential.proof.verificationMethod]);
  });
});
